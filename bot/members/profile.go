package members

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/core"
	"github.com/sndgct/maillage/internal/textnorm"
)

// membersCommands are the members feature's commands: onboarding, profile,
// pause, privacy self-service and the organizers' import.
func (b *Feature) membersCommands() []*core.Command {
	return []*core.Command{
		{ID: "hello", Role: bot.RoleMember, Run: b.cmdHello,
			Names: map[bot.Lang][]string{bot.French: {"bonjour", "salut", "bonsoir"}, bot.English: {"hello", "hi"}}},
		{ID: "profile", Role: bot.RoleMember, Run: b.cmdProfile,
			Names: map[bot.Lang][]string{bot.French: {"profil", "mon profil"}, bot.English: {"profile", "my profile"}}},
		{ID: "iam", Role: bot.RoleMember, Run: core.DirectOnly(b.cmdIAm),
			Names: map[bot.Lang][]string{bot.French: {"je suis", "je travaille"}, bot.English: {"i am", "i'm", "i work"}}},
		{ID: "join", Role: bot.RoleMember, Run: core.DirectOnly(b.cmdJoin),
			Names: map[bot.Lang][]string{bot.French: {"participer", "inscription", "m'inscrire"}, bot.English: {"join", "sign up", "opt in"}}},
		{ID: "edit", Role: bot.RoleMember, Run: core.DirectOnly(b.cmdEdit),
			Names: map[bot.Lang][]string{bot.French: {"modifier", "changer"}, bot.English: {"change", "edit"}}},
		{ID: "pause", Role: bot.RoleMember, Run: core.DirectOnly(b.cmdPause),
			Names: map[bot.Lang][]string{bot.French: {"pause", "suspendre"}, bot.English: {"pause"}}},
		{ID: "resume", Role: bot.RoleMember, Run: core.DirectOnly(b.cmdResume),
			Names: map[bot.Lang][]string{bot.French: {"reprendre"}, bot.English: {"resume"}}},
		{ID: "leave", Role: bot.RoleMember, Run: core.DirectOnly(b.cmdLeave),
			Names: map[bot.Lang][]string{bot.French: {"ne plus participer", "me désinscrire"}, bot.English: {"stop matching", "leave", "opt out"}}},
		{ID: "mydata", Role: bot.RoleMember, Run: core.DirectOnly(b.Core.Privacy().CmdMyData),
			Names: map[bot.Lang][]string{bot.French: {"mes données"}, bot.English: {"my data"}}},
		{ID: "erase", Role: bot.RoleMember, Run: core.DirectOnly(b.Core.Privacy().CmdErase),
			Names: map[bot.Lang][]string{bot.French: {"supprimer mes données", "effacer mes données"},
				bot.English: {"delete my data", "erase my data"}}},
		{ID: "import", Role: bot.RoleOrganizer, Run: b.cmdImport,
			Names: map[bot.Lang][]string{bot.French: {"importer"}, bot.English: {"import"}}},
	}
}

func (b *Feature) membersChoices() map[string]core.ChoiceHandler {
	m := b.onboarding().onboardingChoices()
	m["edit.field"] = func(ctx context.Context, r *core.Turn, v string) []bot.Reply { return b.editField(ctx, r, v) }
	m["pause.for"] = b.choicePause
	m["erase.confirm"] = b.Core.Privacy().ChoiceErase
	return m
}

func (b *Feature) membersDialogues() map[string]core.DialogueHandler {
	return map[string]core.DialogueHandler{
		onboardingKind: b.onboarding().dialogueOnboarding,
		zoneKind:       b.dialogueZone,
		core.EraseKind: b.Core.Privacy().DialogueErase,
	}
}

// helloOnboarding starts or resumes the onboarding for a member who has
// not finished it; ok is false for an onboarded member.
func (b *Feature) helloOnboarding(ctx context.Context, r *core.Turn) ([]bot.Reply, bool) {
	if r.Onboarded() || r.Msg.Conversation.Kind != bot.Direct {
		return nil, false
	}
	d, err := b.store.Dialogue(ctx, r.Msg.From)
	switch {
	case err == nil && d.Kind == onboardingKind:
		if d.Data == nil {
			d.Data = map[string]string{}
		}
		return []bot.Reply{b.onboarding().greeting(r), b.onboarding().withPrompt(r, "members.resume", b.onboarding().reask(r, &d))}, true
	case err != nil && !core.IsNotFound(err):
		b.Log.Error("reading dialogue", "member", b.Core.Pseudonym(r.Msg.From), "err", err)
		return []bot.Reply{r.Reply("error.unavailable")}, true
	}
	// "Bonjour, je suis DGS de Saint-Pierre-du-Perray": the rest is the
	// answer; "Bonjour, comment ça marche ?" is answered by the greeting.
	text := r.Args
	if cmd, args, ok := b.Core.MatchCommand(text); ok && cmd.ID == "iam" {
		text = args
	} else if _, talk := core.SmallTalk(text); talk {
		text = ""
	}
	return b.onboarding().startOnboarding(ctx, r, text, "", true), true
}

// frontDoor takes any message that is no command from someone who has not
// finished the onboarding, in a direct conversation: it starts the
// onboarding and uses whatever the message says (role, collectivity,
// language). Small talk is answered by the greeting.
func (b *Feature) frontDoor(ctx context.Context, r *core.Turn) ([]bot.Reply, bool) {
	if r.Onboarded() || r.Msg.Conversation.Kind != bot.Direct {
		return nil, false
	}
	switch _, err := b.store.Dialogue(ctx, r.Msg.From); {
	case err == nil:
		return nil, false // a dialogue declined the message: a mistyped command
	case !core.IsNotFound(err):
		b.Log.Error("reading dialogue", "member", b.Core.Pseudonym(r.Msg.From), "err", err)
		return []bot.Reply{r.Reply("error.unavailable")}, true
	}
	if _, typo := b.Core.SuggestCommand(r.Text, r.Role, r.Lang); typo && len(b.Dir.Lookup(r.Text)) == 0 {
		return nil, false // "profl": a mistyped command, answered with the nearest one
	}
	text := r.Text
	if _, talk := core.SmallTalk(text); talk {
		text = ""
	}
	return b.onboarding().startOnboarding(ctx, r, text, "", true), true
}

func (b *Feature) cmdIAm(ctx context.Context, r *core.Turn) []bot.Reply {
	if r.Onboarded() {
		return b.onboarding().startOnboarding(ctx, r, r.Args, "collectivity", false)
	}
	// A first contact gets the greeting: what Maillage does and keeps.
	return b.onboarding().startOnboarding(ctx, r, r.Args, "", !r.Known || r.Args == "")
}

func (b *Feature) cmdJoin(ctx context.Context, r *core.Turn) []bot.Reply {
	if !r.Onboarded() {
		return b.onboarding().startOnboarding(ctx, r, "", "", true)
	}
	if !r.Member.OptedIn.IsZero() {
		return []bot.Reply{r.Reply("members.join.already")}
	}
	r.Member.OptedIn = b.Clock.Now()
	if err := r.SaveMember(ctx); err != nil {
		return []bot.Reply{r.Reply("error.unavailable")}
	}
	return []bot.Reply{r.Reply("members.join.done")}
}

func (b *Feature) cmdLeave(ctx context.Context, r *core.Turn) []bot.Reply {
	if !r.Onboarded() || r.Member.OptedIn.IsZero() {
		return []bot.Reply{r.Reply("members.leave.already")}
	}
	r.Member.OptedIn = time.Time{}
	if err := r.SaveMember(ctx); err != nil {
		return []bot.Reply{r.Reply("error.unavailable")}
	}
	b.Log.Info("member left matching", "member", b.Core.Pseudonym(r.Member.Ref))
	return []bot.Reply{r.Reply("members.leave.done")}
}

// Profile.

func (b *Feature) profileReply(r *core.Turn) bot.Reply {
	lines := []string{r.T("profile.header")}
	m := r.Member
	if !r.Onboarded() {
		lines = append(lines, r.T("profile.language", "language", r.T("lang.name."+string(r.Lang))))
		lines = append(lines, r.T("profile.role", "role", r.T("role."+r.Role.String())))
		if r.Known {
			lines = append(lines, r.T("profile.since", "date", b.Core.FormatDate(r.Lang, m.Created)))
		} else {
			lines = append(lines, r.T("profile.nothing_stored"))
		}
		lines = append(lines, "", r.T("members.profile.not_onboarded"))
		return bot.Reply{Text: strings.Join(lines, "\n")}
	}
	if m.Name != "" {
		lines = append(lines, r.T("members.profile.name", "name", m.Name))
	}
	if m.Collectivity != nil {
		lines = append(lines, r.T("members.profile.collectivity", "collectivity", b.Core.DescribeColl(r.Lang, *m.Collectivity)))
	}
	lines = append(lines, r.T("members.profile.member_role", "role", b.Core.RoleLabel(r.Lang, m.Role)))
	lines = append(lines, r.T("members.profile.interests", "interests", b.Core.InterestLabels(r.Lang, m.Interests)))
	if l := b.helpLine(r, m); l != "" {
		lines = append(lines, l)
	}
	size := "open"
	if m.Prefs.SimilarSizeOnly {
		size = "similar"
	}
	lines = append(lines, b.prefsLines(r.Lang, orDefault(m.Prefs.Cadence, bot.CadenceMonthly), size,
		orDefault(m.Prefs.Region, bot.RegionAny), string(r.Lang)))
	lines = append(lines, r.T("members.profile.zone", "zone", b.zoneLine(r)))
	now := b.Clock.Now()
	loc := b.Core.RequestLocation(r)
	switch {
	case m.OptedIn.IsZero():
		lines = append(lines, r.T("members.profile.matching_off"))
	case now.Before(m.PausedUntil):
		lines = append(lines, r.T("members.profile.matching_paused", "date", b.Core.FormatDateIn(r.Lang, lastDay(m.PausedUntil), loc)))
	default:
		lines = append(lines, r.T("members.profile.matching_on", "date", b.Core.FormatDateIn(r.Lang, m.OptedIn, loc)))
	}
	lines = append(lines, r.T("profile.role", "role", r.T("role."+r.Role.String())))
	lines = append(lines, r.T("profile.since", "date", b.Core.FormatDateIn(r.Lang, m.Created, loc)))
	lines = append(lines, "", r.T("members.profile.footer"))
	return bot.Reply{Text: strings.Join(lines, "\n")}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// prefsLines writes the preferences as bullet lines.
func (b *Feature) prefsLines(lang bot.Lang, cadence, size, region, language string) string {
	T := func(key string, args ...string) string { return b.Cat.T(string(lang), key, args...) }
	return T("members.prefs.summary",
		"cadence", T("members.prefs.cadence."+cadence),
		"size", T("members.prefs.size."+size),
		"region", T("members.prefs.region."+region),
		"language", T("lang.name."+language))
}

// Changing one field.

var editFields = map[string]string{
	"collectivite": "collectivity", "collectivity": "collectivity", "employeur": "collectivity",
	"employer": "collectivity", "ma collectivite": "collectivity", "my collectivity": "collectivity",
	"fonction": "role", "role": "role", "poste": "role", "job": "role", "ma fonction": "role", "my role": "role",
	"centres d interet": "interests", "centre d interet": "interests", "interets": "interests",
	"mes centres d interet": "interests", "interests": "interests", "my interests": "interests",
	"preferences": "prefs", "mes preferences": "prefs", "my preferences": "prefs",
	"rythme": "cadence", "cadence": "cadence", "frequence": "cadence", "frequency": "cadence",
	"taille": "size", "size": "size", "region": "region", "region des pairs": "region",
	"langue": "lang", "language": "lang",
	"fuseau": "timezone", "fuseau horaire": "timezone", "mon fuseau horaire": "timezone", "heure": "timezone",
	"time zone": "timezone", "timezone": "timezone", "my time zone": "timezone", "zone": "timezone",
	"entraide": "help", "mon entraide": "help", "experience": "help", "mentorat": "help", "je peux aider": "help",
	"je cherche": "help", "help": "help", "mentoring": "help", "i can help": "help", "i am looking for": "help",
}

// editOrder is the order of the buttons offered by a bare "modifier".
var editOrder = []string{"collectivity", "role", "interests", "prefs", "lang", "timezone", "help"}

func (b *Feature) cmdEdit(ctx context.Context, r *core.Turn) []bot.Reply {
	if !r.Onboarded() {
		return []bot.Reply{r.Reply("members.not_registered")}
	}
	if r.Args == "" {
		rep := bot.Reply{Text: r.T("members.edit.ask")}
		for _, f := range editOrder {
			rep.Choices = append(rep.Choices, bot.Choice{Action: "edit.field", Value: f, Label: r.T("members.edit.field." + f)})
		}
		return []bot.Reply{rep}
	}
	if zone, ok := cutZoneWords(r.Args); ok && zone != "" {
		return b.setZone(ctx, r, zone) // « modifier fuseau La Réunion »
	}
	field, ok := editFields[textnorm.Fold(r.Args)]
	if !ok {
		shown, _ := textnorm.Truncate(r.Args, 40)
		return []bot.Reply{r.Reply("members.edit.unknown", "input", shown)}
	}
	return b.editField(ctx, r, field)
}

func (b *Feature) editField(ctx context.Context, r *core.Turn, field string) []bot.Reply {
	if !r.Onboarded() {
		return []bot.Reply{r.Reply("members.not_registered")}
	}
	if field == "lang" {
		r.Args = ""
		return b.Core.CmdLang(ctx, r)
	}
	if field == "timezone" {
		return b.askZone(ctx, r)
	}
	if !contains(editOrder, field) && field != "cadence" && field != "size" && field != "region" {
		return []bot.Reply{r.Reply("error.choice_unknown")}
	}
	now := b.Clock.Now()
	d := bot.Dialogue{Member: r.Msg.From, Kind: onboardingKind, Started: now, Data: map[string]string{dEdit: field}}
	if field == "interests" {
		b.onboarding().setInterests(&d, r.Member.Interests)
	}
	if field == "help" {
		b.onboarding().prefillHelp(&d, r.Member)
	}
	return b.onboarding().onbNext(ctx, r, &d)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Pause.

// maxPause bounds a pause; beyond it, leaving matching is clearer.
const maxPause = 366 * 24 * time.Hour

func (b *Feature) cmdPause(ctx context.Context, r *core.Turn) []bot.Reply {
	if !r.Onboarded() {
		return []bot.Reply{r.Reply("members.not_registered")}
	}
	if r.Member.OptedIn.IsZero() {
		return []bot.Reply{r.Reply("members.leave.already")}
	}
	if r.Args == "" {
		rep := bot.Reply{Text: r.T("members.pause.ask")}
		for _, v := range []string{"2w", "1m", "3m"} {
			rep.Choices = append(rep.Choices, bot.Choice{Action: "pause.for", Value: v, Label: r.T("members.pause.for_" + v)})
		}
		return []bot.Reply{rep}
	}
	until, err := parsePause(r.Args, b.Clock.Now(), b.Core.RequestLocation(r))
	if err != "" {
		shown, _ := textnorm.Truncate(r.Args, 40)
		return []bot.Reply{r.Reply("members.pause."+err, "input", shown)}
	}
	return b.pauseUntil(ctx, r, until)
}

func (b *Feature) choicePause(ctx context.Context, r *core.Turn, v string) []bot.Reply {
	if !r.Onboarded() {
		return []bot.Reply{r.Reply("members.not_registered")}
	}
	text := map[string]string{"2w": "2 semaines", "1m": "1 mois", "3m": "3 mois"}[v]
	until, err := parsePause(text, b.Clock.Now(), b.Core.RequestLocation(r))
	if err != "" {
		return []bot.Reply{r.Reply("error.choice_unknown")}
	}
	return b.pauseUntil(ctx, r, until)
}

func (b *Feature) pauseUntil(ctx context.Context, r *core.Turn, until time.Time) []bot.Reply {
	r.Member.PausedUntil = until
	if err := r.SaveMember(ctx); err != nil {
		return []bot.Reply{r.Reply("error.unavailable")}
	}
	return []bot.Reply{r.Reply("members.pause.done", "date", b.Core.FormatDateIn(r.Lang, lastDay(until), b.Core.RequestLocation(r)))}
}

// lastDay is the last paused day of a pause that ends at until (the
// start of the day after).
func lastDay(until time.Time) time.Time { return until.Add(-time.Minute) }

func (b *Feature) cmdResume(ctx context.Context, r *core.Turn) []bot.Reply {
	if !r.Onboarded() {
		return []bot.Reply{r.Reply("members.not_registered")}
	}
	if !b.Clock.Now().Before(r.Member.PausedUntil) {
		return []bot.Reply{r.Reply("members.resume_not_paused")}
	}
	r.Member.PausedUntil = time.Time{}
	if err := r.SaveMember(ctx); err != nil {
		return []bot.Reply{r.Reply("error.unavailable")}
	}
	return []bot.Reply{r.Reply("members.resume_done")}
}

var months = map[string]time.Month{
	"janvier": 1, "janv": 1, "january": 1, "jan": 1, "fevrier": 2, "fevr": 2, "fev": 2, "february": 2, "feb": 2,
	"mars": 3, "march": 3, "mar": 3, "avril": 4, "avr": 4, "april": 4, "apr": 4, "mai": 5, "may": 5,
	"juin": 6, "june": 6, "jun": 6, "juillet": 7, "juil": 7, "july": 7, "jul": 7, "aout": 8, "august": 8, "aug": 8,
	"septembre": 9, "sept": 9, "sep": 9, "september": 9, "octobre": 10, "oct": 10, "october": 10,
	"novembre": 11, "nov": 11, "november": 11, "decembre": 12, "dec": 12, "december": 12,
}

var numberWords = map[string]int{"un": 1, "une": 1, "a": 1, "an": 1, "one": 1, "deux": 2, "two": 2,
	"trois": 3, "three": 3, "quatre": 4, "four": 4, "cinq": 5, "five": 5, "six": 6, "sept": 7, "seven": 7,
	"huit": 8, "eight": 8, "neuf": 9, "nine": 9, "dix": 10, "ten": 10}

// parsePause reads "jusqu'au 15 janvier", "until January 15th 2027",
// "au 15/01", "3 semaines", "2 months", "10 jours" and returns the end of
// the pause: the start of the day after the last paused day, in loc. The
// error is a catalogue key suffix ("unreadable", "past", "too_long").
func parsePause(text string, now time.Time, loc *time.Location) (time.Time, string) {
	words := strings.Fields(textnorm.Fold(text))
	var kept []string
	for _, w := range words {
		switch w {
		case "jusqu", "jusque", "au", "until", "till", "to", "the", "le", "pour", "for", "pendant", "during",
			"de", "of", "inclus", "included", "prochain", "prochaine", "next", "en", "in":
			continue
		}
		kept = append(kept, w)
	}
	now = now.In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	var until time.Time
	if n, unit, ok := durationWords(kept); ok {
		switch unit {
		case "d":
			until = today.AddDate(0, 0, n)
		case "w":
			until = today.AddDate(0, 0, 7*n)
		case "m":
			until = today.AddDate(0, n, 0)
		case "y":
			until = today.AddDate(n, 0, 0)
		}
	} else if month, ok := monthWord(kept); ok {
		// "jusqu'en septembre": back at the start of that month.
		year := today.Year()
		if month < today.Month() {
			year++
		}
		until = time.Date(year, month, 1, 0, 0, 0, 0, loc)
	} else if day, month, year, ok := dateWords(kept); ok {
		if year == 0 {
			year = today.Year()
			if time.Date(year, month, day, 0, 0, 0, 0, loc).Before(today) {
				year++
			}
		}
		last := time.Date(year, month, day, 0, 0, 0, 0, loc)
		if last.Day() != day {
			return time.Time{}, "impossible" // 31 February
		}
		if last.Before(today) {
			return time.Time{}, "past"
		}
		until = last.AddDate(0, 0, 1)
	} else {
		return time.Time{}, "unreadable"
	}
	if !until.After(now) {
		return time.Time{}, "past"
	}
	if until.Sub(now) > maxPause {
		return time.Time{}, "too_long"
	}
	return until, ""
}

// durationWords reads "3 semaines", "une semaine", "2 months".
func durationWords(w []string) (int, string, bool) {
	if len(w) != 2 {
		return 0, "", false
	}
	n, err := strconv.Atoi(w[0])
	if err != nil {
		v, ok := numberWords[w[0]]
		if !ok {
			return 0, "", false
		}
		n = v
	}
	if n <= 0 || n > 400 {
		return 0, "", false
	}
	switch w[1] {
	case "jour", "jours", "day", "days", "j", "d":
		return n, "d", true
	case "semaine", "semaines", "week", "weeks", "sem":
		return n, "w", true
	case "mois", "month", "months":
		return n, "m", true
	case "an", "ans", "annee", "annees", "year", "years":
		return n, "y", true
	}
	return 0, "", false
}

// monthWord reads a month alone: "septembre" (from "jusqu'en septembre").
func monthWord(w []string) (time.Month, bool) {
	if len(w) != 1 {
		return 0, false
	}
	m, ok := months[w[0]]
	return m, ok
}

// dateWords reads "15 janvier [2027]", "january 15th [2027]", "15 01
// [2027]" (the folded "15/01/2027"), "1er mars".
func dateWords(w []string) (day int, month time.Month, year int, ok bool) {
	num := func(s string) (int, bool) {
		for _, suf := range []string{"er", "st", "nd", "rd", "th"} {
			s = strings.TrimSuffix(s, suf)
		}
		n, err := strconv.Atoi(s)
		return n, err == nil
	}
	if len(w) < 2 || len(w) > 3 {
		return 0, 0, 0, false
	}
	d, dok := num(w[0])
	m, mok := months[w[1]]
	if !mok {
		if n, ok := num(w[1]); ok && n >= 1 && n <= 12 && dok {
			m, mok = time.Month(n), true
		}
	}
	if !dok || !mok {
		// English order: "january 15".
		if m2, ok := months[w[0]]; ok {
			if d2, ok := num(w[1]); ok {
				d, m, dok, mok = d2, m2, true, true
			}
		}
	}
	if !dok || !mok || d < 1 || d > 31 {
		return 0, 0, 0, false
	}
	if len(w) == 3 {
		y, err := strconv.Atoi(w[2])
		if err != nil || y < 2000 || y > 2100 {
			return 0, 0, 0, false
		}
		year = y
	}
	return d, m, year, true
}

func (b *Feature) cmdHello(ctx context.Context, r *core.Turn) []bot.Reply {
	if replies, ok := b.helloOnboarding(ctx, r); ok {
		return replies
	}
	// « bonjour » again: a short answer; « bonjour, qui êtes-vous ? » the
	// presentation.
	kind, ok := core.SmallTalk(r.Args)
	if !ok {
		kind = core.TalkHello
	}
	return []bot.Reply{b.Core.TalkReply(r, kind)}
}

func (b *Feature) cmdProfile(ctx context.Context, r *core.Turn) []bot.Reply {
	return []bot.Reply{b.profileReply(r)}
}
