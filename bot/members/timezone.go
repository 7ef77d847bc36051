package members

import (
	"context"
	"strings"
	"time"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/core"
	"github.com/sndgct/maillage/internal/territory"
	"github.com/sndgct/maillage/internal/textnorm"
)

// A member's time zone: the one their platform profile gives (kept in
// Member.TimeZone at the end of the onboarding) or the one they choose
// (« modifier fuseau La Réunion »), else their collectivity's when it lies
// overseas, else the configured one (Outbox.MemberZone). Working hours,
// reminders and the dates the member sees follow it.

const zoneKind = "timezone"

// zoneWords open « modifier fuseau … ».
var zoneWords = [][]string{{"fuseau", "horaire"}, {"mon", "fuseau", "horaire"}, {"mon", "fuseau"}, {"fuseau"},
	{"time", "zone"}, {"my", "time", "zone"}, {"timezone"}, {"my", "timezone"}, {"zone"}, {"heure"}}

// cutZoneWords returns what follows « fuseau » (« fuseau La Réunion » gives
// « La Réunion »); ok is false when text does not start with such a word.
func cutZoneWords(text string) (rest string, ok bool) {
	words := strings.Fields(textnorm.Fold(text))
	best := 0
	for _, zw := range zoneWords {
		if len(zw) > best && len(words) >= len(zw) && equalFold(words[:len(zw)], zw) {
			best = len(zw)
		}
	}
	if best == 0 {
		return "", false
	}
	// Keep the rest as typed: « Europe/Paris » is case-sensitive.
	fields := strings.FieldsFunc(text, func(r rune) bool { return r == ' ' || r == '\t' || r == ':' })
	n := 0
	for i, f := range fields {
		n += len(strings.Fields(textnorm.Fold(f)))
		if n >= best {
			return strings.TrimSpace(strings.Join(fields[i+1:], " ")), true
		}
	}
	return "", true
}

func equalFold(a, b []string) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// autoWords give the zone back to the collectivity and the configuration.
var autoWords = map[string]bool{"auto": true, "automatique": true, "par defaut": true, "defaut": true,
	"default": true, "automatic": true, "celui de ma collectivite": true, "my authority s": true}

// parseZone reads a zone as people name it: a territory (« La Réunion »,
// « Guadeloupe », « France métropolitaine »), an IANA name in any case
// (« Europe/Paris », « indian/reunion »), « UTC+4 », or the code of an
// overseas département or collectivity (« 974 »). auto is true for « automatique ».
func (b *Feature) parseZone(text string) (name string, auto, ok bool) {
	folded := textnorm.Fold(text)
	if autoWords[folded] {
		return "", true, true
	}
	if z := territory.ZoneByName(text); z != "" {
		return z, false, true
	}
	if z, ok := ianaName(text); ok {
		return z, false, true
	}
	if z, ok := utcOffset(folded); ok {
		return z, false, true
	}
	// The code of an overseas département or collectivity: « 974 ».
	if z := territory.TimeZone(folded); z != "" {
		return z, false, true
	}
	return "", false, false
}

// ianaName finds the IANA zone typed in any case: « europe/paris ».
func ianaName(text string) (string, bool) {
	s := strings.TrimSpace(text)
	if !strings.Contains(s, "/") && !strings.EqualFold(s, "UTC") {
		return "", false
	}
	if strings.EqualFold(s, "UTC") {
		return "UTC", true
	}
	try := []string{s}
	parts := strings.Split(strings.ReplaceAll(s, " ", "_"), "/")
	for i, p := range parts {
		words := strings.Split(strings.ToLower(p), "_")
		for j, w := range words {
			if w != "" {
				words[j] = strings.ToUpper(w[:1]) + w[1:]
			}
		}
		parts[i] = strings.Join(words, "_")
	}
	try = append(try, strings.Join(parts, "/"))
	for _, z := range try {
		if z == "Local" {
			continue
		}
		if _, err := time.LoadLocation(z); err == nil {
			return z, true
		}
	}
	return "", false
}

// utcOffset reads « UTC+4 », « GMT -10 », « utc 4 » (whole hours).
func utcOffset(folded string) (string, bool) {
	s := strings.ReplaceAll(folded, " ", "")
	for _, p := range []string{"utc", "gmt"} {
		if rest, ok := strings.CutPrefix(s, p); ok && rest != "" {
			sign := "-" // Etc/GMT-4 is UTC+4
			if strings.HasPrefix(rest, "-") {
				sign = "+"
			}
			rest = strings.TrimLeft(rest, "+-")
			if len(rest) == 0 || len(rest) > 2 {
				return "", false
			}
			for _, c := range rest {
				if c < '0' || c > '9' {
					return "", false
				}
			}
			z := "Etc/GMT" + sign + strings.TrimLeft(rest, "0")
			if strings.TrimLeft(rest, "0") == "" {
				z = "UTC"
			}
			if _, err := time.LoadLocation(z); err == nil {
				return z, true
			}
		}
	}
	return "", false
}

// askZone starts the little dialogue that changes the zone.
func (b *Feature) askZone(ctx context.Context, r *core.Turn) []bot.Reply {
	now := b.Clock.Now()
	d := bot.Dialogue{Member: r.Msg.From, Kind: zoneKind, Step: "ask", Started: now, Expires: now.Add(b.Settings.DialogueTTL)}
	if err := b.store.SaveDialogue(ctx, d); err != nil {
		b.Log.Error("saving dialogue", "member", b.Core.Pseudonym(r.Msg.From), "err", err)
		return []bot.Reply{r.Reply("error.unavailable")}
	}
	return []bot.Reply{r.Reply("members.zone.ask", "zone", b.zoneLine(r))}
}

// dialogueZone reads the zone typed after « modifier fuseau ».
func (b *Feature) dialogueZone(ctx context.Context, r *core.Turn, d bot.Dialogue, commandFound bool) ([]bot.Reply, bool) {
	if commandFound {
		b.Core.EndDialogue(ctx, r) // another request: the question is dropped
		return nil, false
	}
	return b.setZone(ctx, r, r.Text), true
}

// setZone records the zone named in text, or explains what is accepted.
func (b *Feature) setZone(ctx context.Context, r *core.Turn, text string) []bot.Reply {
	name, auto, ok := b.parseZone(text)
	if !ok {
		shown, _ := textnorm.Truncate(text, 40)
		return []bot.Reply{r.Reply("members.zone.unknown", "input", shown)}
	}
	r.Member.TimeZone = name
	if auto {
		r.Member.TimeZone = ""
	}
	if err := r.SaveMember(ctx); err != nil {
		return []bot.Reply{r.Reply("error.unavailable")}
	}
	b.Core.EndDialogue(ctx, r)
	return []bot.Reply{r.Reply("members.zone.done", "zone", b.zoneLine(r))}
}

// zoneLine says the member's zone, the time it is there and where the zone
// comes from: « heure de La Réunion (Indian/Reunion), d'après votre
// collectivité ; il y est 14 h 05 ».
func (b *Feature) zoneLine(r *core.Turn) string {
	loc, src := b.Core.Outbox.MemberZone(r.Member)
	now := b.Clock.Now().In(loc)
	key := "members.zone.line"
	if label := b.Core.ZoneLabel(r.Lang, loc); strings.Contains(label, loc.String()) || strings.HasPrefix(loc.String(), "Etc/") {
		key = "members.zone.line_plain" // « fuseau America/New_York », « UTC+4 »: no need to repeat
	}
	return r.T(key, "label", b.Core.ZoneLabel(r.Lang, loc), "zone", loc.String(),
		"source", r.T("members.zone.source."+src), "time", b.Core.FormatClock(r.Lang, now))
}
