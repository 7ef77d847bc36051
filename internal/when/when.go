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
	"regexp"
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
)

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
