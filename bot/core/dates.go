package core

import (
	"fmt"
	"strconv"
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
	var clock string
	if lang == bot.French {
		if t.Day() == 1 {
			day = "1er"
		}
		clock = strconv.Itoa(t.Hour()) + " h"
		if t.Minute() != 0 {
			clock += fmt.Sprintf(" %02d", t.Minute())
		}
	} else {
		h := t.Hour() % 12
		if h == 0 {
			h = 12
		}
		suffix := " am"
		if t.Hour() >= 12 {
			suffix = " pm"
		}
		clock = strconv.Itoa(h)
		if t.Minute() != 0 {
			clock += fmt.Sprintf(":%02d", t.Minute())
		}
		clock += suffix
	}
	return b.Cat.T(l, "date.full", "weekday", b.Cat.T(l, "date.weekday."+strconv.Itoa(int(t.Weekday()))),
		"day", day, "month", b.Cat.T(l, "date.month."+strconv.Itoa(int(t.Month()))),
		"year", strconv.Itoa(t.Year()), "time", clock)
}
