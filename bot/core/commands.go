package core

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sndgct/maillage/bot"

	"github.com/sndgct/maillage/internal/textnorm"
)

type choiceHandler func(ctx context.Context, r *request, value string) []bot.Reply

// dialogueHandler answers a message during a dialogue. It reports false
// when the message is not for the dialogue (the router then tries the
// commands); commandFound tells whether the text is a known command.
type dialogueHandler func(ctx context.Context, r *request, d bot.Dialogue, commandFound bool) ([]bot.Reply, bool)

// commands is the registry, in the order help lists them.
func (b *Bot) commands() []*command {
	cmds := []*command{
		{id: "help", role: bot.RoleMember, run: b.cmdHelp,
			names: map[bot.Lang][]string{bot.French: {"aide", "?"}, bot.English: {"help"}}},
		{id: "hello", role: bot.RoleMember, run: b.cmdHello,
			names: map[bot.Lang][]string{bot.French: {"bonjour", "salut", "bonsoir"}, bot.English: {"hello", "hi"}}},
		{id: "profile", role: bot.RoleMember, run: b.cmdProfile,
			names: map[bot.Lang][]string{bot.French: {"profil", "mon profil"}, bot.English: {"profile", "my profile"}}},
		{id: "lang", role: bot.RoleMember, run: b.cmdLang,
			names: map[bot.Lang][]string{bot.French: {"langue"}, bot.English: {"language"}}},
		{id: "cancel", role: bot.RoleMember, run: b.cmdCancel,
			names: map[bot.Lang][]string{bot.French: {"annuler"}, bot.English: {"cancel"}}},
		{id: "members", role: bot.RoleOrganizer, run: b.cmdMembers,
			names: map[bot.Lang][]string{bot.French: {"membres"}, bot.English: {"members"}}},
		{id: "status", role: bot.RoleAdmin, run: b.cmdStatus,
			names: map[bot.Lang][]string{bot.French: {"statut", "état"}, bot.English: {"status"}}},
	}
	cmds = append(cmds, b.schedulerCommands()...) // scheduler.go, reminders.go
	cmds = append(cmds, b.highlightCommands()...) // highlights.go
	cmds = append(cmds, b.statsCommands()...)     // stats.go
	cmds = append(cmds, b.membersCommands()...)   // profile.go, onboarding.go, privacy.go, import.go
	cmds = append(cmds, b.matchingCommands()...)  // matching_commands.go
	cmds = append(cmds, b.broadcastCommands()...) // broadcasts_chat.go
	// Help lists the commands by role, members' first, in this order.
	slices.SortStableFunc(cmds, func(a, b *command) int { return cmp.Compare(a.role, b.role) })
	return cmds
}

func (b *Bot) choiceHandlers() map[string]choiceHandler {
	return mergeHandlers(map[string]choiceHandler{
		"lang.set": b.choiceLang,
	}, b.highlightChoices(), b.membersChoices(), b.matchingChoices(), b.broadcastChoices())
}

func (b *Bot) dialogueHandlers() map[string]dialogueHandler {
	return mergeHandlers(map[string]dialogueHandler{
		"lang": b.dialogueLang,
	}, b.highlightDialogues(), b.membersDialogues(), b.broadcastDialogues())
}

// mergeHandlers merges the features' handler maps into the first one.
func mergeHandlers[H any](into map[string]H, from ...map[string]H) map[string]H {
	for _, m := range from {
		maps.Copy(into, m)
	}
	return into
}

// name returns the command's first name in lang.
func (c *command) name(lang bot.Lang) string {
	if n := c.names[lang]; len(n) > 0 {
		return n[0]
	}
	return c.names[bot.French][0]
}

func (b *Bot) cmdHelp(ctx context.Context, r *request) []bot.Reply {
	if r.args != "" {
		if c, _, ok := b.router.match(r.args); ok && c.role <= r.role {
			var others []string
			for _, lang := range bot.Languages {
				for _, n := range c.names[lang] {
					if n != c.name(r.lang) {
						others = append(others, r.T("help.alias", "name", n))
					}
				}
			}
			return []bot.Reply{r.reply("help.detail", "name", c.name(r.lang),
				"usage", r.T("cmd."+c.id+".usage"), "aliases", strings.Join(others, ", "))}
		}
		return []bot.Reply{r.reply("help.no_such_command", "input", r.args)}
	}
	var sb strings.Builder
	sb.WriteString(r.T("help.header"))
	section := bot.RoleMember
	for _, c := range b.router.cmds {
		if c.role > r.role {
			continue
		}
		if c.role != section {
			section = c.role
			sb.WriteString("\n\n" + r.T("help.section."+section.String()))
		}
		sb.WriteString("\n" + r.T("help.line", "name", c.name(r.lang), "summary", r.T("cmd."+c.id+".summary")))
	}
	sb.WriteString("\n\n" + r.T("help.footer"))
	return []bot.Reply{{Text: sb.String()}}
}

func (b *Bot) cmdHello(ctx context.Context, r *request) []bot.Reply {
	if replies, ok := b.helloOnboarding(ctx, r); ok {
		return replies
	}
	p := b.settings.Privacy
	contact := ""
	if p.Contact != "" {
		contact = " " + r.T("hello.contact", "contact", p.Contact)
	}
	return []bot.Reply{r.reply("hello.text", "bot", b.settings.Name, "controller", p.Controller,
		"months", strconv.Itoa(p.RetentionMonths), "contact", contact)}
}

func (b *Bot) cmdProfile(ctx context.Context, r *request) []bot.Reply {
	return []bot.Reply{b.profileReply(r)}
}

// langFromText recognises a language named in either language.
func langFromText(s string) (bot.Lang, bool) {
	switch textnorm.Fold(s) {
	case "fr", "francais", "french", "en francais", "in french":
		return bot.French, true
	case "en", "anglais", "english", "en anglais", "in english":
		return bot.English, true
	}
	return "", false
}

func (b *Bot) langChoices(r *request) []bot.Choice {
	var out []bot.Choice
	for _, l := range bot.Languages {
		out = append(out, bot.Choice{Action: "lang.set", Value: string(l), Label: b.cat.T(string(l), "lang.self_name")})
	}
	return out
}

func (b *Bot) cmdLang(ctx context.Context, r *request) []bot.Reply {
	if r.args != "" {
		l, ok := langFromText(r.args)
		if !ok {
			return []bot.Reply{{Text: r.T("lang.unknown", "input", r.args), Choices: b.langChoices(r)}}
		}
		return b.setLang(ctx, r, l)
	}
	now := b.clock.Now()
	d := bot.Dialogue{Member: r.msg.From, Kind: "lang", Step: "ask", Started: now, Expires: now.Add(b.settings.DialogueTTL)}
	if err := b.store.SaveDialogue(ctx, d); err != nil {
		b.log.Error("saving dialogue", "member", pseudonym(r.msg.From), "err", err)
		return []bot.Reply{r.reply("error.unavailable")}
	}
	return []bot.Reply{{Text: r.T("lang.ask", "language", r.T("lang.name."+string(r.lang))), Choices: b.langChoices(r)}}
}

func (b *Bot) choiceLang(ctx context.Context, r *request, value string) []bot.Reply {
	l, ok := bot.ParseLang(value)
	if !ok {
		return []bot.Reply{r.reply("error.choice_unknown")}
	}
	return b.setLang(ctx, r, l)
}

func (b *Bot) dialogueLang(ctx context.Context, r *request, d bot.Dialogue, commandFound bool) ([]bot.Reply, bool) {
	if l, ok := langFromText(r.text); ok {
		return b.setLang(ctx, r, l), true
	}
	if commandFound {
		return nil, false
	}
	return []bot.Reply{{Text: r.T("lang.reprompt"), Choices: b.langChoices(r)}}, true
}

func (b *Bot) setLang(ctx context.Context, r *request, l bot.Lang) []bot.Reply {
	r.member.Language = l
	if err := r.saveMember(ctx); err != nil {
		return []bot.Reply{r.reply("error.unavailable")}
	}
	if err := b.store.DeleteDialogue(ctx, r.msg.From); err != nil {
		b.log.Warn("ending dialogue", "member", pseudonym(r.msg.From), "err", err)
	}
	r.lang = l
	return []bot.Reply{r.reply("lang.set", "language", r.T("lang.name."+string(l)))}
}

func (b *Bot) cmdCancel(ctx context.Context, r *request) []bot.Reply {
	_, err := b.store.Dialogue(ctx, r.msg.From)
	if err != nil {
		if isNotFound(err) {
			return []bot.Reply{r.reply("cancel.nothing")}
		}
		return []bot.Reply{r.reply("error.unavailable")}
	}
	if err := b.store.DeleteDialogue(ctx, r.msg.From); err != nil {
		return []bot.Reply{r.reply("error.unavailable")}
	}
	return []bot.Reply{r.reply("cancel.done")}
}

func (b *Bot) cmdMembers(ctx context.Context, r *request) []bot.Reply {
	byLang := map[bot.Lang]int{}
	byPlatform := map[bot.Platform]int{}
	total := 0
	var st memberStats // profile.go
	now := b.clock.Now()
	err := b.store.Members(ctx, func(m bot.Member) error {
		total++
		st.count(m, now)
		l := m.Language
		if l == "" {
			l = b.settings.DefaultLang
		}
		byLang[l]++
		byPlatform[m.Ref.Platform]++
		return nil
	})
	if err != nil {
		b.log.Error("counting members", "err", err)
		return []bot.Reply{r.reply("error.unavailable")}
	}
	lines := []string{r.T("members.total", "count", strconv.Itoa(total))}
	lines = append(lines, st.lines(r)...)
	for _, l := range bot.Languages {
		lines = append(lines, r.T("members.by_language", "language", r.T("lang.name."+string(l)),
			"count", strconv.Itoa(byLang[l])))
	}
	platforms := make([]string, 0, len(byPlatform))
	for p := range byPlatform {
		platforms = append(platforms, string(p))
	}
	sort.Strings(platforms)
	for _, p := range platforms {
		lines = append(lines, r.T("members.by_platform", "platform", p,
			"count", strconv.Itoa(byPlatform[bot.Platform(p)])))
	}
	return []bot.Reply{{Text: strings.Join(lines, "\n")}}
}

func (b *Bot) cmdStatus(ctx context.Context, r *request) []bot.Reply {
	start := b.clock.Now()
	storeState := r.T("status.store_ok")
	if err := b.store.Ping(ctx); err != nil {
		b.log.Error("store ping", "err", err)
		storeState = r.T("status.store_down")
	}
	latency := b.clock.Now().Sub(start)
	count := "?"
	if n, err := b.store.CountMembers(ctx); err == nil {
		count = strconv.Itoa(n)
	}
	var platforms []string
	for _, a := range b.order {
		platforms = append(platforms, string(a.Platform()))
	}
	version := b.settings.Version
	if version == "" {
		version = "dev"
	}
	return []bot.Reply{r.reply("status.text", "version", version, "store", b.settings.StoreName,
		"store_state", storeState, "latency", formatLatency(r.lang, latency), "members", count,
		"platforms", strings.Join(platforms, ", "), "uptime", formatUptime(b.clock.Now().Sub(b.started)))}
}

func formatLatency(lang bot.Lang, d time.Duration) string {
	s := strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 1, 64)
	if lang == bot.French {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s + " ms"
}

func formatUptime(d time.Duration) string {
	d = d.Round(time.Minute)
	h := int(d.Hours())
	m := int(d.Minutes()) % 60
	if h > 0 {
		return fmt.Sprintf("%d h %02d min", h, m)
	}
	return fmt.Sprintf("%d min", m)
}

// formatDate writes a date in full in lang ("26 novembre 2026").
func (b *Bot) formatDate(lang bot.Lang, t time.Time) string {
	t = t.In(b.settings.Location)
	return b.cat.T(string(lang), "date.long", "day", strconv.Itoa(t.Day()),
		"month", b.cat.T(string(lang), "date.month."+strconv.Itoa(int(t.Month()))),
		"year", strconv.Itoa(t.Year()))
}

func isNotFound(err error) bool { return errors.Is(err, bot.ErrNotFound) }
