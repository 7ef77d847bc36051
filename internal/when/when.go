// Package when reads a personal reminder request in French or English, such
// as "demain à 9h d'appeler Véronique" or "on Friday at 10am to call the
// mayor": when, and what to remember. Dates are read by a trimmed fork of
// github.com/markusmobius/go-dateparser in internal/dateparser; this package
// only separates the date phrase from the task and smooths the French ways of
// writing hours ("9h", "14 h 30", "midi") that the library misreads. It does
// no I/O and never reads the clock: the caller passes now, in the member's
// zone.
//
// Cost: upstream go-dateparser builds the data of its 211 languages at
// package init, in every process that links it: 0.2 s and 95 MB allocated
// (34 MB live, two thirds of the idle heap), even for "maillage version".
// The fork keeps French and English only and builds them on the first
// Parse (40 ms, 9 MB allocated, 3.3 MB live, time zones included), so
// start-up pays nothing and a process that never reads a date never builds
// them. See internal/dateparser/NOTICE.md. It links no cgo, go-re2 or wazero.
package when

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	dps "github.com/sndgct/maillage/internal/dateparser"
	"github.com/sndgct/maillage/internal/dateparser/date"
)

// Errors Parse returns; the bot turns each into an actionable message.
var (
	// ErrNoDate: no date or time could be read.
	ErrNoDate = errors.New("no date or time found")
	// ErrNoTask: a date, but nothing to remember.
	ErrNoTask = errors.New("nothing to remember")
	// ErrPast: the date read is not in the future.
	ErrPast = errors.New("date in the past")
	// ErrImpossibleDate: a day the calendar lacks ("31 février"); the
	// error is an *ImpossibleDateError saying which.
	ErrImpossibleDate = errors.New("no such day in the calendar")
)

// ImpossibleDateError names a day the calendar lacks: Text as written
// ("31 février"), and the number of days of that month (MaxDay; 29 for
// February without a year, 28 or 29 with one).
type ImpossibleDateError struct {
	Text   string
	Day    int
	Month  time.Month
	Year   int // 0 when not written
	MaxDay int
}

func (e *ImpossibleDateError) Error() string {
	return fmt.Sprintf("%q: %s has %d days", e.Text, e.Month, e.MaxDay)
}

// Is makes errors.Is(err, ErrImpossibleDate) true.
func (e *ImpossibleDateError) Is(target error) bool { return target == ErrImpossibleDate }

var (
	reDayMonth = regexp.MustCompile(`(?i)\b(\d{1,2})(?:er|st|nd|rd|th)?\s+(` + monthAlternatives + `)\.?(?:\s+(\d{4}))?\b`)
	reMonthDay = regexp.MustCompile(`(?i)\b(` + monthAlternatives + `)\.?\s+(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?\b`)
	reNumeric  = regexp.MustCompile(`(?:^|[^\d/])(\d{1,2})/(\d{1,2})(?:/(\d{4}))?(?:[^\d/]|$)`)
)

const monthAlternatives = `janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|novembre|décembre|decembre|` +
	`janv|févr|fevr|avr|juil|sept|déc|dec|` +
	`january|february|march|april|may|june|july|august|september|october|november|december|` +
	`jan|feb|mar|apr|jun|jul|aug|sep|oct|nov`

var monthNumbers = map[string]time.Month{
	"janvier": 1, "janv": 1, "january": 1, "jan": 1,
	"février": 2, "fevrier": 2, "févr": 2, "fevr": 2, "february": 2, "feb": 2,
	"mars": 3, "march": 3, "mar": 3, "avril": 4, "avr": 4, "april": 4, "apr": 4, "mai": 5, "may": 5,
	"juin": 6, "june": 6, "jun": 6, "juillet": 7, "juil": 7, "july": 7, "jul": 7,
	"août": 8, "aout": 8, "august": 8, "aug": 8, "septembre": 9, "sept": 9, "september": 9, "sep": 9,
	"octobre": 10, "october": 10, "oct": 10, "novembre": 11, "november": 11, "nov": 11,
	"décembre": 12, "decembre": 12, "déc": 12, "dec": 12, "december": 12,
}

// CheckCalendar returns an *ImpossibleDateError for the first day written
// in s that the calendar lacks: "31 février", "le 31/04", "February 30",
// "29 février 2027", "32 décembre"; nil otherwise.
func CheckCalendar(s string) error {
	check := func(text, dayS string, m time.Month, yearS string) error {
		day, _ := strconv.Atoi(dayS)
		year, _ := strconv.Atoi(yearS)
		if m < 1 || m > 12 {
			return nil // not a day and month: "3/14" is not a date here
		}
		y := year
		if y == 0 {
			y = 2028 // a leap year: 29 February exists without a year
		}
		maxDay := time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
		if day >= 1 && day <= maxDay {
			return nil
		}
		return &ImpossibleDateError{Text: strings.TrimSpace(text), Day: day, Month: m, Year: year, MaxDay: maxDay}
	}
	for _, m := range reDayMonth.FindAllStringSubmatch(s, -1) {
		if err := check(m[0], m[1], monthNumbers[strings.ToLower(m[2])], m[3]); err != nil {
			return err
		}
	}
	for _, m := range reMonthDay.FindAllStringSubmatch(s, -1) {
		if err := check(m[0], m[2], monthNumbers[strings.ToLower(m[1])], m[3]); err != nil {
			return err
		}
	}
	for _, m := range reNumeric.FindAllStringSubmatch(s, -1) {
		month, _ := strconv.Atoi(m[2])
		text := m[1] + "/" + m[2]
		if m[3] != "" {
			text += "/" + m[3]
		}
		if err := check(text, m[1], time.Month(month), m[3]); err != nil {
			return err
		}
	}
	return nil
}

// DefaultHour is the time of a reminder given a day but no time: the start
// of the working day.
const DefaultHour = 9

// Result is a reminder request understood.
type Result struct {
	// At is when to remind, in now's zone.
	At time.Time
	// Task is what to remember, as the member wrote it.
	Task string
	// Phrase is the date phrase as read (after smoothing), for logs and
	// tests.
	Phrase string
}

// Parse reads input (the request without "rappelle-moi" / "remind me") in
// lang ("fr" or "en"; the other is tried next), relative to now. On
// ErrPast the Result still holds the date understood.
func Parse(input, lang string, now time.Time) (Result, error) {
	input = strings.TrimSpace(input)
	if err := CheckCalendar(input); err != nil {
		return Result{}, err
	}
	langs := []string{"fr", "en"}
	if lang == "en" {
		langs = []string{"en", "fr"}
	}
	var firstErr error
	for _, l := range langs {
		r, err := parseLang(input, l, now)
		if err == nil {
			return r, nil
		}
		if firstErr == nil || (errors.Is(firstErr, ErrNoDate) && !errors.Is(err, ErrNoDate)) {
			firstErr = err
			if !errors.Is(err, ErrNoDate) {
				return r, err
			}
		}
	}
	return Result{}, firstErr
}

// separators between a date phrase and a task, tried in this order.
var separators = map[string][]string{
	"fr": {" : ", ": ", " – ", " - ", ", ", " d'", " d’", " de ", " que ", " pour "},
	"en": {" : ", ": ", " – ", " - ", ", ", " to ", " that ", " about ", " for "},
}

// leading words of a task written before its date ("d'appeler X demain").
var leaders = map[string][]string{
	"fr": {"de ", "d'", "d’", "que ", "qu'", "qu’", "pour "},
	"en": {"to ", "that ", "about ", "for "},
}

func parseLang(input, lang string, now time.Time) (Result, error) {
	cands := candidates(input, lang)
	for _, c := range cands {
		at, ok := readDate(c.date, lang, now)
		if !ok {
			continue
		}
		task := cleanTask(c.task, lang)
		r := Result{At: at, Task: task, Phrase: smooth(c.date, lang)}
		switch {
		case task == "":
			return r, ErrNoTask
		case !at.After(now):
			return r, ErrPast
		}
		return r, nil
	}
	return Result{}, ErrNoDate
}

type split struct{ date, task string }

// candidates lists the ways to split input into a date phrase and a task,
// the most likely first: at a separator (date first), then the task first
// with the date at the end, then the longest leading words that make a
// date.
func candidates(input, lang string) []split {
	var out []split
	lower := strings.ToLower(input)
	for _, l := range leaders[lang] {
		if strings.HasPrefix(lower, l) {
			// Task first: the date is a suffix, longest first.
			words := wordStarts(input)
			for _, i := range words[1:] {
				out = append(out, split{date: input[i:], task: input[:i]})
			}
			break
		}
	}
	for _, sep := range separators[lang] {
		if i := strings.Index(lower, sep); i > 0 {
			out = append(out, split{date: input[:i], task: input[i+len(sep):]})
		}
	}
	out = append(out, split{date: input}) // a date alone: nothing to remember
	words := wordStarts(input)
	for k := len(words) - 1; k >= 1; k-- {
		out = append(out, split{date: input[:words[k]], task: input[words[k]:]})
	}
	return out
}

// wordStarts returns the byte offsets where words start.
func wordStarts(s string) []int {
	var out []int
	prevSpace := true
	for i, r := range s {
		if unicode.IsSpace(r) {
			prevSpace = true
			continue
		}
		if prevSpace {
			out = append(out, i)
		}
		prevSpace = false
	}
	return out
}

var (
	reDansH   = regexp.MustCompile(`(?i)\b(dans|in)\s+(\d+)\s*h\b`)
	reFrHour  = regexp.MustCompile(`(?i)\b(\d{1,2})\s*h\s*(\d{2})?\b`)
	reNext    = regexp.MustCompile(`(?i)\b(prochain|prochaine)\b|\bnext\s+`)
	reSpaces  = regexp.MustCompile(`\s+`)
	reBareFr  = regexp.MustCompile(`^(à |a |vers )?\d{1,2}:\d{2}$`)
	reBareEn  = regexp.MustCompile(`(?i)^(at |around )?\d{1,2}(:\d{2})?\s*(am|pm)?$`)
	reRelativ = regexp.MustCompile(`(?i)^(dans|in)\b`)
)

var frMoments = []struct{ word, time string }{
	{"après-midi", "14:00"}, {"apres-midi", "14:00"}, {"matin", "9:00"}, {"soir", "18:00"},
	{"midi", "12:00"}, {"minuit", "0:00"},
}

var enMoments = []struct{ word, time string }{
	{"afternoon", "2:00 pm"}, {"morning", "9:00 am"}, {"evening", "6:00 pm"}, {"noon", "12:00 pm"}, {"midnight", "0:00"},
}

// smooth rewrites a date phrase into forms the date parser reads well.
func smooth(s, lang string) string {
	s = strings.TrimSpace(strings.Trim(s, " ,;:.!–-"))
	s = strings.ReplaceAll(s, "’", "'")
	s = reSpaces.ReplaceAllString(s, " ")
	s = reNext.ReplaceAllString(s, "")
	if lang == "fr" {
		s = reDansH.ReplaceAllString(s, "$1 $2 heures")
		s = reFrHour.ReplaceAllStringFunc(s, func(m string) string {
			sm := reFrHour.FindStringSubmatch(m)
			if sm[2] == "" {
				return sm[1] + ":00"
			}
			return sm[1] + ":" + sm[2]
		})
		lower := strings.ToLower(s)
		for _, mo := range frMoments {
			if i := strings.Index(lower, mo.word); i >= 0 {
				repl := mo.time
				if strings.Contains(lower, ":") {
					repl = "" // an explicit hour wins: "demain matin à 8h"
				}
				s = s[:i] + repl + s[i+len(mo.word):]
				break
			}
		}
		s = strings.NewReplacer(" à ", " ", " a ", " ", " vers ", " ", " au ", " ", " ce ", " aujourd'hui ", " cet ", " aujourd'hui ").Replace(" " + s)
	} else {
		lower := strings.ToLower(s)
		for _, mo := range enMoments {
			if i := strings.Index(lower, mo.word); i >= 0 {
				repl := mo.time
				if strings.ContainsAny(lower, ":") || strings.Contains(lower, "am") || strings.Contains(lower, "pm") {
					repl = ""
				}
				s = s[:i] + repl + s[i+len(mo.word):]
				break
			}
		}
		s = strings.NewReplacer(" this ", " today ", " in the ", " ", " around ", " ").Replace(" " + s)
	}
	s = reSpaces.ReplaceAllString(s, " ")
	return strings.TrimSpace(strings.Trim(s, " ,"))
}

// readDate reads a date phrase; a day without a time is at DefaultHour,
// and a bare time already past today means tomorrow.
func readDate(phrase, lang string, now time.Time) (time.Time, bool) {
	s := smooth(phrase, lang)
	if s == "" || !strings.ContainsFunc(s, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
		return time.Time{}, false
	}
	cfg := &dps.Configuration{
		Languages:           []string{lang},
		CurrentTime:         now,
		DefaultTimezone:     now.Location(),
		PreferredDateSource: dps.Future,
		ReturnTimeAsPeriod:  true,
	}
	d, err := dps.Parse(cfg, s)
	if err != nil || d.Time.IsZero() {
		return time.Time{}, false
	}
	at := d.Time.In(now.Location())
	if d.Period >= date.Day && !reRelativ.MatchString(s) {
		y, m, day := at.Date()
		at = time.Date(y, m, day, DefaultHour, 0, 0, 0, now.Location())
	}
	if !at.After(now) && (reBareFr.MatchString(s) || reBareEn.MatchString(s)) {
		at = at.AddDate(0, 0, 1)
	}
	if reRelativ.MatchString(s) {
		// "dans 30 secondes" is 30 seconds from now, to the second.
		return at.Truncate(time.Second), true
	}
	return at.Truncate(time.Minute), true
}

// cleanTask removes the words that join the task to the date.
func cleanTask(task, lang string) string {
	t := strings.TrimSpace(strings.TrimLeft(task, " :,;–-"))
	lower := strings.ToLower(t)
	for _, l := range leaders[lang] {
		if strings.HasPrefix(lower, l) {
			t = t[len(l):]
			break
		}
	}
	return strings.TrimSpace(strings.TrimRight(strings.TrimSpace(t), " ,;:–-."))
}
