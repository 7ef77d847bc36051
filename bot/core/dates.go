package core

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sndgct/maillage/bot"
)

// RequestLocation is the zone in which the member's words are read.
func (b *Bot) RequestLocation(r *Turn) *time.Location {
	if r.Known {
		return b.Outbox.MemberLocation(r.Member)
	}
	return b.DefaultLocation()
}

// DefaultLocation is the zone of someone whose own is not known: that of
// the working hours, else the configured one.
func (b *Bot) DefaultLocation() *time.Location {
	if b.Settings.WorkingHours.Location != nil {
		return b.Settings.WorkingHours.Location
	}
	return b.Settings.Location
}

// formatDateTime writes an instant in full in lang, in loc: « jeudi
// 12 décembre 2026 à 14 h 30 », "Thursday 12 December 2026 at 2:30 pm".
func (b *Bot) FormatDateTime(lang bot.Lang, t time.Time, loc *time.Location) string {
	if loc == nil {
		loc = b.Settings.Location
	}
	t = t.In(loc)
	l := string(lang)
	day := strconv.Itoa(t.Day())
	if lang == bot.French && t.Day() == 1 {
		day = "1er"
	}
	clock := b.FormatClock(lang, t)
	return b.Cat.T(l, "date.full", "weekday", b.Cat.T(l, "date.weekday."+strconv.Itoa(int(t.Weekday()))),
		"day", day, "month", b.Cat.T(l, "date.month."+strconv.Itoa(int(t.Month()))),
		"year", strconv.Itoa(t.Year()), "time", clock)
}

// ZoneLabel names a zone as members say it: « heure de La Réunion »,
// "Guadeloupe time"; a zone the catalogue does not name is given by its
// IANA name (« fuseau America/New_York »).
func (b *Bot) ZoneLabel(lang bot.Lang, loc *time.Location) string {
	if loc == nil {
		loc = b.DefaultLocation()
	}
	name := loc.String()
	if off, ok := strings.CutPrefix(name, "Etc/GMT"); ok && off != "" {
		// Etc/GMT-4 is four hours ahead of UTC: « UTC+4 ».
		return "UTC" + strings.NewReplacer("-", "+", "+", "-").Replace(off)
	}
	key := "zone.name." + strings.ToLower(strings.NewReplacer("/", ".", "_", "-").Replace(name))
	if b.Cat.Has(string(lang), key) {
		return b.Cat.T(string(lang), key)
	}
	return b.Cat.T(string(lang), "zone.other", "zone", name)
}

// FormatClock writes the time of day of t (in its own zone) in lang:
// « 14 h 30 », « 9 h », "2:30 pm".
func (b *Bot) FormatClock(lang bot.Lang, t time.Time) string {
	if lang == bot.French {
		clock := strconv.Itoa(t.Hour()) + " h"
		if t.Minute() != 0 {
			clock += fmt.Sprintf(" %02d", t.Minute())
		}
		return clock
	}
	h := t.Hour() % 12
	if h == 0 {
		h = 12
	}
	suffix := " am"
	if t.Hour() >= 12 {
		suffix = " pm"
	}
	clock := strconv.Itoa(h)
	if t.Minute() != 0 {
		clock += fmt.Sprintf(":%02d", t.Minute())
	}
	return clock + suffix
}
