package core

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/internal/textnorm"
)

type ChoiceHandler func(ctx context.Context, r *Turn, value string) []bot.Reply

// dialogueHandler answers a message during a dialogue. It reports false
// when the message is not for the dialogue (the router then tries the
// commands); commandFound tells whether the text is a known command.
type DialogueHandler func(ctx context.Context, r *Turn, d bot.Dialogue, commandFound bool) ([]bot.Reply, bool)

// registerCore registers what the core itself brings: help, greeting,
// profile, language, cancel, the organizers' and admins' commands, the
// announcement and purge jobs, and the personal data the core keeps.
func (b *Bot) registerCore(reg *Registry) {
	reg.Command(
		&Command{ID: "help", Role: bot.RoleMember, Run: b.cmdHelp,
			Names: map[bot.Lang][]string{bot.French: {"aide", "?"}, bot.English: {"help"}}},
		&Command{ID: "members", Role: bot.RoleOrganizer, Run: b.cmdMembers,
			Names: map[bot.Lang][]string{bot.French: {"membres"}, bot.English: {"members"}}},
		&Command{ID: "status", Role: bot.RoleAdmin, Run: b.cmdStatus,
			Names: map[bot.Lang][]string{bot.French: {"statut", "état"}, bot.English: {"status"}}},
	)
	reg.Command(b.jobs().schedulerCommands()...) // « tâches »
	reg.Choice("lang.set", b.choiceLang)
	reg.Choice("core.run", b.runChoice)
	reg.Dialogue("lang", b.dialogueLang)
	reg.Job("purge", b.jobs().jobPurge)
	reg.PersonalData(DataPart{Name: "dialogue", Export: b.Privacy().exportDialogue, Erase: b.Privacy().deleteDialogue})
}

// registerCoreLast registers the commands help lists last, and the
// personal data the core erases after the
// features': the pending messages (the features may first move a held
// message to another member), the platform's data, and the member record
// last, so that a failed erasure can be retried by the member.
func (b *Bot) registerCoreLast(reg *Registry) {
	// The language and « annuler » close the members' list in help, after
	// what the features bring (onboarding and profile first).
	reg.Command(
		&Command{ID: "lang", Role: bot.RoleMember, Run: b.CmdLang,
			Names: map[bot.Lang][]string{bot.French: {"langue"}, bot.English: {"language"}}},
		&Command{ID: "cancel", Role: bot.RoleMember, Run: b.cmdCancel,
			Names: map[bot.Lang][]string{bot.French: {"annuler"}, bot.English: {"cancel"}}},
	)
	reg.PersonalData(DataPart{Name: "pending", Export: b.Privacy().exportPending, Erase: b.Privacy().erasePending}) // reminders, held messages
	reg.PersonalData(DataPart{Name: "platform", Export: b.Privacy().exportPlatformData, Erase: b.Privacy().erasePlatformData})
	reg.PersonalData(DataPart{Name: "profile", Export: b.Privacy().exportProfile, Erase: b.Privacy().eraseProfile})
}

// deleteDialogue erases the member's dialogue (a personal-data part).
func (b Privacy) deleteDialogue(ctx context.Context, ref bot.UserRef) error {
	return b.Store.DeleteDialogue(ctx, ref)
}

// name returns the command's first name in lang.
func (c *Command) name(lang bot.Lang) string {
	if n := c.Names[lang]; len(n) > 0 {
		return n[0]
	}
	return c.Names[bot.French][0]
}

func (b *Bot) cmdHelp(ctx context.Context, r *Turn) []bot.Reply {
	if r.Args != "" {
		if c, _, ok := b.router.Match(r.Args); ok && c.Role <= r.Role {
			var others []string
			for _, lang := range bot.Languages {
				for _, n := range c.Names[lang] {
					if n != c.name(r.Lang) {
						others = append(others, r.T("help.alias", "name", n))
					}
				}
			}
			return []bot.Reply{r.Reply("help.detail", "name", c.name(r.Lang),
				"usage", r.T("cmd."+c.ID+".usage"), "aliases", strings.Join(others, ", "))}
		}
		return []bot.Reply{r.Reply("help.no_such_command", "input", r.Args)}
	}
	var sb strings.Builder
	sb.WriteString(r.T("help.header"))
	section := bot.RoleMember
	for _, c := range b.router.cmds {
		if c.Role > r.Role {
			continue
		}
		if c.Role != section {
			section = c.Role
			sb.WriteString("\n\n" + r.T("help.section."+section.String()))
		}
		sb.WriteString("\n" + r.T("help.line", "name", c.name(r.Lang), "summary", r.T("cmd."+c.ID+".summary")))
	}
	sb.WriteString("\n\n" + r.T("help.footer"))
	return []bot.Reply{{Text: sb.String()}}
}

// langFromText recognises a language named in either language.
func LangFromText(s string) (bot.Lang, bool) {
	switch textnorm.Fold(s) {
	case "fr", "francais", "french", "en francais", "in french":
		return bot.French, true
	case "en", "anglais", "english", "en anglais", "in english":
		return bot.English, true
	}
	return "", false
}

func (b *Bot) langChoices(r *Turn) []bot.Choice {
	var out []bot.Choice
	for _, l := range bot.Languages {
		out = append(out, bot.Choice{Action: "lang.set", Value: string(l), Label: b.Cat.T(string(l), "lang.self_name")})
	}
	return out
}

func (b *Bot) CmdLang(ctx context.Context, r *Turn) []bot.Reply {
	if r.Args != "" {
		l, ok := LangFromText(r.Args)
		if !ok {
			return []bot.Reply{{Text: r.T("lang.unknown", "input", r.Args), Choices: b.langChoices(r)}}
		}
		return b.setLang(ctx, r, l)
	}
	now := b.Clock.Now()
	d := bot.Dialogue{Member: r.Msg.From, Kind: "lang", Step: "ask", Started: now, Expires: now.Add(b.Settings.DialogueTTL)}
	if err := b.Store.SaveDialogue(ctx, d); err != nil {
		b.Log.Error("saving dialogue", "member", b.Pseudonym(r.Msg.From), "err", err)
		return []bot.Reply{r.Reply("error.unavailable")}
	}
	return []bot.Reply{{Text: r.T("lang.ask", "language", r.T("lang.name."+string(r.Lang))), Choices: b.langChoices(r)}}
}

func (b *Bot) choiceLang(ctx context.Context, r *Turn, value string) []bot.Reply {
	l, ok := bot.ParseLang(value)
	if !ok {
		return []bot.Reply{r.Reply("error.choice_unknown")}
	}
	return b.setLang(ctx, r, l)
}

func (b *Bot) dialogueLang(ctx context.Context, r *Turn, d bot.Dialogue, commandFound bool) ([]bot.Reply, bool) {
	if l, ok := LangFromText(r.Text); ok {
		return b.setLang(ctx, r, l), true
	}
	if commandFound {
		return nil, false
	}
	return []bot.Reply{{Text: r.T("lang.reprompt"), Choices: b.langChoices(r)}}, true
}

func (b *Bot) setLang(ctx context.Context, r *Turn, l bot.Lang) []bot.Reply {
	r.Member.Language = l
	if err := r.SaveMember(ctx); err != nil {
		return []bot.Reply{r.Reply("error.unavailable")}
	}
	if err := b.Store.DeleteDialogue(ctx, r.Msg.From); err != nil {
		b.Log.Warn("ending dialogue", "member", b.Pseudonym(r.Msg.From), "err", err)
	}
	r.Lang = l
	return []bot.Reply{r.Reply("lang.set", "language", r.T("lang.name."+string(l)))}
}

func (b *Bot) cmdCancel(ctx context.Context, r *Turn) []bot.Reply {
	_, err := b.Store.Dialogue(ctx, r.Msg.From)
	if err != nil {
		if IsNotFound(err) {
			return []bot.Reply{r.Reply("cancel.nothing")}
		}
		return []bot.Reply{r.Reply("error.unavailable")}
	}
	if err := b.Store.DeleteDialogue(ctx, r.Msg.From); err != nil {
		return []bot.Reply{r.Reply("error.unavailable")}
	}
	return []bot.Reply{r.Reply("cancel.done")}
}

func (b *Bot) cmdMembers(ctx context.Context, r *Turn) []bot.Reply {
	byLang := map[bot.Lang]int{}
	byPlatform := map[bot.Platform]int{}
	total := 0
	var st MemberStats
	now := b.Clock.Now()
	err := b.Store.Members(ctx, func(m bot.Member) error {
		total++
		st.Count(m, now)
		l := m.Language
		if l == "" {
			l = b.Settings.DefaultLang
		}
		byLang[l]++
		byPlatform[m.Ref.Platform]++
		return nil
	})
	if err != nil {
		b.Log.Error("counting members", "err", err)
		return []bot.Reply{r.Reply("error.unavailable")}
	}
	lines := []string{r.T("members.total", "count", strconv.Itoa(total))}
	lines = append(lines, st.Lines(r)...)
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

func (b *Bot) cmdStatus(ctx context.Context, r *Turn) []bot.Reply {
	start := b.Clock.Now()
	storeState := r.T("status.store_ok")
	if err := b.Store.Ping(ctx); err != nil {
		b.Log.Error("store ping", "err", err)
		storeState = r.T("status.store_down")
	}
	latency := b.Clock.Now().Sub(start)
	count := "?"
	if n, err := b.Store.CountMembers(ctx); err == nil {
		count = strconv.Itoa(n)
	}
	var platforms []string
	for _, a := range b.order {
		platforms = append(platforms, string(a.Platform()))
	}
	version := b.Settings.Version
	if version == "" {
		version = "dev"
	}
	return []bot.Reply{r.Reply("status.text", "version", version, "store", b.Settings.StoreName,
		"store_state", storeState, "latency", formatLatency(r.Lang, latency), "members", count,
		"platforms", strings.Join(platforms, ", "), "uptime", formatUptime(b.Clock.Now().Sub(b.started)))}
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
func (b *Bot) FormatDate(lang bot.Lang, t time.Time) string {
	return b.FormatDateIn(lang, t, b.Settings.Location)
}

// FormatDateIn writes a date in full in lang, as the day it is in loc
// (the member's zone: see RequestLocation and Outbox.MemberLocation).
func (b *Bot) FormatDateIn(lang bot.Lang, t time.Time, loc *time.Location) string {
	if loc == nil {
		loc = b.Settings.Location
	}
	t = t.In(loc)
	return b.Cat.T(string(lang), "date.long", "day", strconv.Itoa(t.Day()),
		"month", b.Cat.T(string(lang), "date.month."+strconv.Itoa(int(t.Month()))),
		"year", strconv.Itoa(t.Year()))
}

func IsNotFound(err error) bool { return errors.Is(err, bot.ErrNotFound) }
