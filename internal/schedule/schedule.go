// Package schedule is Maillage's pure schedule maths: cron specs parsed with
// robfig/cron/v3, the slots they designate (daylight-saving correct), and the
// working-hours window of the right to disconnect. It does no I/O and never
// reads the clock: every function takes the instant it works from.
//
// # Specs
//
// Parse accepts what robfig/cron's standard parser accepts: five fields
// ("30 9 * * mon-fri"), descriptors (@yearly, @monthly, @weekly, @daily,
// @hourly), "@every 2s", and a "CRON_TZ=Area/City " (or "TZ=") prefix. A spec
// without a zone is read in the default zone given to Parse (Maillage passes
// Europe/Paris).
//
// # Slots
//
// A slot is an instant designated by the schedule. Slots depend only on the
// spec, never on when a process happens to look, so that every replica
// computes the same slots:
//
//   - @every d: the instants that are whole multiples of d since the Unix
//     epoch (for "@every 2s": every even second; "@every 1h": every hour
//     on the hour, UTC). d must be a whole number of seconds, at least 1s.
//
//   - a cron spec: for every local day and every wall-clock time of that day
//     the fields match, the instant when the zone's clock shows that time,
//     with two rules for daylight-saving changes:
//
//     Spring forward (the wall time does not exist, e.g. 02:30 on
//     29 March 2026 in Europe/Paris, when clocks jump from 02:00 CET to
//     03:00 CEST): the slot is the instant of the jump itself, the first
//     instant after the missing wall time (03:00 CEST, 01:00 UTC). Several
//     missing wall times (02:00, 02:15, 02:30...) make a single slot, and a
//     spec that also names 03:00 fires once at 03:00 CEST. Plain robfig/cron
//     skips these, so a daily 02:30 job would not run that day.
//
//     Fall back (the wall time happens twice, e.g. 02:30 on 25 October 2026,
//     first at CEST then at CET): the slot is the first occurrence only
//     (02:30 CEST, 00:30 UTC). An @hourly job therefore fires 24 times that
//     25-hour day, not 25.
package schedule

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/robfig/cron/v3"
)

// horizon bounds the search for a slot: a spec that matches no day within
// it (such as "0 0 30 2 *") has no slot.
const horizon = 5 * 366 // days

var parser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// Schedule is a parsed spec. Its zero value has no slot.
type Schedule struct {
	spec  string
	every time.Duration      // @every; zero for a cron spec
	cron  *cron.SpecSchedule // nil for @every
}

// Parse parses spec; a spec without CRON_TZ= or TZ= is read in def (UTC if
// nil). The error says what is wrong in words an administrator can act on.
func Parse(spec string, def *time.Location) (Schedule, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return Schedule{}, errors.New("empty schedule: expected five cron fields such as \"30 9 * * mon-fri\", a descriptor such as \"@weekly\", or \"@every 2h\"")
	}
	if def == nil {
		def = time.UTC
	}
	full := spec
	if strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=") {
		if !strings.Contains(spec, " ") {
			return Schedule{}, fmt.Errorf("%q: a time zone prefix must be followed by a space and a schedule, e.g. \"CRON_TZ=America/Cayenne 0 9 * * *\"", spec)
		}
	} else {
		full = "CRON_TZ=" + def.String() + " " + spec
	}
	full, err := translateNames(full)
	if err != nil {
		return Schedule{}, fmt.Errorf("%q: %w", spec, err)
	}
	s, err := parser.Parse(full)
	if err != nil {
		return Schedule{}, fmt.Errorf("%q: %w (expected five cron fields such as \"30 9 * * mon-fri\", a descriptor such as \"@weekly\", or \"@every 2h\")", spec, err)
	}
	switch s := s.(type) {
	case *cron.SpecSchedule:
		return Schedule{spec: spec, cron: s}, nil
	case cron.ConstantDelaySchedule:
		d, err := everyDuration(spec)
		if err != nil {
			return Schedule{}, err
		}
		return Schedule{spec: spec, every: d}, nil
	}
	return Schedule{}, fmt.Errorf("%q: unsupported schedule type %T", spec, s)
}

// everyDuration re-reads the @every duration, which robfig/cron would
// silently round: Maillage refuses what it cannot honour.
func everyDuration(spec string) (time.Duration, error) {
	i := strings.Index(spec, "@every")
	d, err := time.ParseDuration(strings.TrimSpace(spec[i+len("@every"):]))
	if err != nil {
		return 0, fmt.Errorf("%q: %w", spec, err)
	}
	if d < time.Second || d%time.Second != 0 {
		return 0, fmt.Errorf("%q: the interval must be a whole number of seconds, at least 1s", spec)
	}
	return d, nil
}

// MustParse is Parse for tests and constants; it panics on a bad spec.
func MustParse(spec string, def *time.Location) Schedule {
	s, err := Parse(spec, def)
	if err != nil {
		panic(err)
	}
	return s
}

// String returns the spec as written.
func (s Schedule) String() string { return s.spec }

// IsZero reports whether s is the zero Schedule.
func (s Schedule) IsZero() bool { return s.every == 0 && s.cron == nil }

// Every returns the interval of an @every spec, zero for a cron spec.
func (s Schedule) Every() time.Duration { return s.every }

// Location returns the zone the spec is read in (UTC for @every).
func (s Schedule) Location() *time.Location {
	if s.cron != nil {
		return s.cron.Location
	}
	return time.UTC
}

// Next returns the first slot strictly after t, or the zero time when there
// is none within five years.
func (s Schedule) Next(t time.Time) time.Time {
	switch {
	case s.every > 0:
		return floorEvery(t, s.every).Add(s.every)
	case s.cron == nil:
		return time.Time{}
	}
	loc := s.cron.Location
	lt := t.In(loc)
	y, m, d := lt.Date()
	// On t's own day, hours well before t's cannot hold a later slot (a
	// daylight-saving change moves wall times by an hour or two at most).
	from := max(0, lt.Hour()-3)
	for i := range horizon {
		var found time.Time
		if i > 0 {
			from = 0
		}
		s.eachSlotOfDay(y, m, d+i, from, func(slot time.Time) bool {
			if slot.After(t) {
				found = slot
				return false
			}
			return true
		})
		if !found.IsZero() {
			return found
		}
	}
	return time.Time{}
}

// Latest returns the last slot at or before t, or the zero time when there
// is none within five years.
func (s Schedule) Latest(t time.Time) time.Time {
	switch {
	case s.every > 0:
		return floorEvery(t, s.every)
	case s.cron == nil:
		return time.Time{}
	}
	loc := s.cron.Location
	y, m, d := t.In(loc).Date()
	// The slots of the day after t's local date can lie at or before t
	// only through a gap slot; start there to be exact.
	for i := -1; i < horizon; i++ {
		var found time.Time
		s.eachSlotOfDay(y, m, d-i, 0, func(slot time.Time) bool {
			if slot.After(t) {
				return false
			}
			found = slot
			return true
		})
		if !found.IsZero() {
			return found
		}
	}
	return time.Time{}
}

// Between returns the slots in (after, upTo], oldest first, at most max
// of them, and whether more were left out.
func (s Schedule) Between(after, upTo time.Time, max int) (slots []time.Time, more bool) {
	for t := after; ; {
		next := s.Next(t)
		if next.IsZero() || next.After(upTo) {
			return slots, false
		}
		if len(slots) >= max {
			return slots, true
		}
		slots = append(slots, next)
		t = next
	}
}

// floorEvery returns the last multiple of d since the epoch at or before t.
func floorEvery(t time.Time, d time.Duration) time.Time {
	ns := t.UnixNano()
	r := ns % int64(d)
	if r < 0 {
		r += int64(d)
	}
	return time.Unix(0, ns-r).In(t.Location())
}

// eachSlotOfDay calls fn with the slots of local day (y, m, d) in ascending
// order (d may overflow: it is normalised), without duplicates, until fn
// returns false, starting at wall hour from.
func (s Schedule) eachSlotOfDay(y int, m time.Month, d, from int, fn func(time.Time) bool) {
	c := s.cron
	day := time.Date(y, m, d, 12, 0, 0, 0, c.Location)
	if !dayMatches(c, day) {
		return
	}
	y, m, d = day.Date()
	var last time.Time
	for h := from; h < 24; h++ {
		if c.Hour&(1<<uint(h)) == 0 {
			continue
		}
		for mi := range 60 {
			if c.Minute&(1<<uint(mi)) == 0 {
				continue
			}
			for sec := range 60 {
				if c.Second&(1<<uint(sec)) == 0 {
					continue
				}
				slot := WallInstant(y, m, d, h, mi, sec, c.Location)
				if !slot.After(last) {
					continue // several missing wall times share a gap slot
				}
				last = slot
				if !fn(slot) {
					return
				}
			}
		}
	}
}

// dayMatches is robfig/cron's rule: when either day field is a star, both
// must match; otherwise either may.
func dayMatches(c *cron.SpecSchedule, t time.Time) bool {
	const starBit = 1 << 63
	if c.Month&(1<<uint(t.Month())) == 0 {
		return false
	}
	domMatch := c.Dom&(1<<uint(t.Day())) > 0
	dowMatch := c.Dow&(1<<uint(t.Weekday())) > 0
	if c.Dom&starBit > 0 || c.Dow&starBit > 0 {
		return domMatch && dowMatch
	}
	return domMatch || dowMatch
}

// WallInstant returns the instant when loc's clocks show the given wall
// time: the first occurrence when it happens twice (fall back), and the
// instant of the jump when it does not exist (spring forward).
func WallInstant(y int, m time.Month, d, h, mi, sec int, loc *time.Location) time.Time {
	naive := time.Date(y, m, d, h, mi, sec, 0, time.UTC)
	_, before := naive.Add(-26 * time.Hour).In(loc).Zone()
	_, after := naive.Add(26 * time.Hour).In(loc).Zone()
	var best time.Time
	for _, off := range []int{before, after} {
		c := naive.Add(-time.Duration(off) * time.Second)
		if sameWall(c.In(loc), naive) && (best.IsZero() || c.Before(best)) {
			best = c
		}
	}
	if !best.IsZero() {
		return best.In(loc)
	}
	// In a gap: the wall time read with the earlier offset lies after the
	// jump and with the later offset before it. Find the jump, the first
	// instant with the later offset, to the second.
	lo := naive.Add(-time.Duration(after) * time.Second)
	hi := naive.Add(-time.Duration(before) * time.Second)
	if lo.After(hi) {
		lo, hi = hi, lo
	}
	for hi.Sub(lo) > time.Second {
		mid := lo.Add(hi.Sub(lo) / 2).Truncate(time.Second)
		if mid.Equal(lo) {
			break
		}
		if _, off := mid.In(loc).Zone(); off == before {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi.In(loc)
}

func sameWall(t, naive time.Time) bool {
	y1, m1, d1 := t.Date()
	y2, m2, d2 := naive.Date()
	return y1 == y2 && m1 == m2 && d1 == d2 && t.Hour() == naive.Hour() &&
		t.Minute() == naive.Minute() && t.Second() == naive.Second()
}

// fieldNames name the five cron fields in errors.
var fieldNames = [5]string{"minute (1st field)", "hour (2nd field)", "day of month (3rd field)", "month (4th field)",
	"day of week (5th field)"}

// dayNames and monthNames map the French and English names of days and
// months (full, abbreviated, with or without accents) to robfig/cron's
// three-letter English names.
var (
	dayNames = map[string]string{
		"lundi": "mon", "lun": "mon", "monday": "mon", "mon": "mon",
		"mardi": "tue", "tuesday": "tue", "tue": "tue", "tues": "tue",
		"mercredi": "wed", "mer": "wed", "wednesday": "wed", "wed": "wed",
		"jeudi": "thu", "jeu": "thu", "thursday": "thu", "thu": "thu", "thur": "thu", "thurs": "thu",
		"vendredi": "fri", "ven": "fri", "friday": "fri", "fri": "fri",
		"samedi": "sat", "sam": "sat", "saturday": "sat", "sat": "sat",
		"dimanche": "sun", "dim": "sun", "sunday": "sun", "sun": "sun",
	}
	monthNames = map[string]string{
		"janvier": "jan", "janv": "jan", "january": "jan", "jan": "jan",
		"fevrier": "feb", "fevr": "feb", "fev": "feb", "february": "feb", "feb": "feb",
		"mars": "mar", "march": "mar", "mar": "mar",
		"avril": "apr", "avr": "apr", "april": "apr", "apr": "apr",
		"mai": "may", "may": "may",
		"juin": "jun", "june": "jun", "jun": "jun",
		"juillet": "jul", "juil": "jul", "july": "jul", "jul": "jul",
		"aout": "aug", "august": "aug", "aug": "aug",
		"septembre": "sep", "sept": "sep", "september": "sep", "sep": "sep",
		"octobre": "oct", "october": "oct", "oct": "oct",
		"novembre": "nov", "november": "nov", "nov": "nov",
		"decembre": "dec", "dec": "dec", "december": "dec",
	}
)

// translateNames rewrites the French (and full English) day and month names
// of a five-field spec into robfig/cron's abbreviations: "30 9 * * lundi"
// becomes "30 9 * * mon", "0 9 1 septembre *" becomes "0 9 1 sep *". A word
// that names nothing is refused, naming its field.
func translateNames(full string) (string, error) {
	prefix, body := "", full
	if strings.HasPrefix(body, "CRON_TZ=") || strings.HasPrefix(body, "TZ=") {
		i := strings.IndexByte(body, ' ')
		prefix, body = body[:i+1], strings.TrimSpace(body[i+1:])
	}
	if strings.HasPrefix(body, "@") {
		return full, nil
	}
	fields := strings.Fields(body)
	if len(fields) != 5 {
		return full, nil // the parser says how many fields it wants
	}
	for i, f := range fields {
		var names map[string]string
		var want string
		switch i {
		case 3:
			names, want = monthNames, "a month: 1 to 12, janvier to décembre, january to december or jan to dec"
		case 4:
			names, want = dayNames, "a day: 0 to 6 (0 is Sunday), lundi to dimanche, monday to sunday or mon to sun"
		default:
			want = "a number"
		}
		var b strings.Builder
		word := []rune{}
		flush := func() error {
			if len(word) == 0 {
				return nil
			}
			w := foldWord(string(word))
			word = word[:0]
			abbr, ok := names[w]
			if !ok {
				return fmt.Errorf("%s: %q is not %s", fieldNames[i], w, want)
			}
			b.WriteString(abbr)
			return nil
		}
		for _, r := range f {
			if unicode.IsLetter(r) {
				word = append(word, r)
				continue
			}
			if err := flush(); err != nil {
				return "", err
			}
			b.WriteRune(r)
		}
		if err := flush(); err != nil {
			return "", err
		}
		fields[i] = b.String()
	}
	return prefix + strings.Join(fields, " "), nil
}

// foldWord lowercases w and removes the accents of French day and month
// names.
func foldWord(w string) string {
	return strings.NewReplacer("é", "e", "è", "e", "û", "u", "ô", "o", "É", "e", "Û", "u").Replace(strings.ToLower(w))
}
