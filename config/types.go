package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Duration is a time.Duration written in YAML as a Go duration string such
// as "2s", "90m" or "1h30m".
type Duration time.Duration

// Std returns d as a time.Duration.
func (d Duration) Std() time.Duration { return time.Duration(d) }

// String returns d in Go duration syntax, e.g. "2s".
func (d Duration) String() string { return time.Duration(d).String() }

// MarshalYAML writes d as a duration string.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// UnmarshalYAML reads a duration string. A bare number is refused: the unit
// must be explicit.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("must be a duration such as \"2s\" or \"90m\", got %s", describe(n))
	}
	v, err := time.ParseDuration(strings.TrimSpace(n.Value))
	if err != nil {
		if _, nerr := strconv.ParseFloat(strings.TrimSpace(n.Value), 64); nerr == nil {
			return fmt.Errorf("must be a duration with a unit such as \"2s\" or \"90m\", got %s", describe(n))
		}
		return fmt.Errorf("must be a duration such as \"2s\" or \"90m\", got %s", describe(n))
	}
	*d = Duration(v)
	return nil
}

// ClockTime is a time of day in minutes since midnight (0..1440), written in
// YAML as "HH:MM" ("09:00"); "9h00" is accepted too. 24:00 means the end of
// the day.
type ClockTime int

// ParseClockTime parses "HH:MM" or "HHhMM" (hours 0..24, minutes 0..59, and
// no minute past 24:00).
func ParseClockTime(s string) (ClockTime, error) {
	errBad := errors.New("must be a time of day as HH:MM, e.g. \"09:00\"")
	s = strings.TrimSpace(s)
	h, m, ok := strings.Cut(s, ":")
	if !ok {
		h, m, ok = strings.Cut(s, "h")
	}
	if !ok || len(h) < 1 || len(h) > 2 || len(m) != 2 || !allDigits(h) || !allDigits(m) {
		return 0, errBad
	}
	hh, _ := strconv.Atoi(h)
	mm, _ := strconv.Atoi(m)
	if hh > 24 || mm > 59 || (hh == 24 && mm != 0) {
		return 0, errBad
	}
	return ClockTime(hh*60 + mm), nil
}

// Minutes returns the number of minutes since midnight.
func (t ClockTime) Minutes() int { return int(t) }

// String returns t as "HH:MM".
func (t ClockTime) String() string { return fmt.Sprintf("%02d:%02d", int(t)/60, int(t)%60) }

// MarshalYAML writes t as "HH:MM".
func (t ClockTime) MarshalYAML() (any, error) { return t.String(), nil }

// UnmarshalYAML reads "HH:MM".
func (t *ClockTime) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("must be a time of day as HH:MM, e.g. \"09:00\", got %s", describe(n))
	}
	v, err := ParseClockTime(n.Value)
	if err != nil {
		return fmt.Errorf("%w, got %s", err, describe(n))
	}
	*t = v
	return nil
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

var weekdayNames = map[string]time.Weekday{
	"monday": time.Monday, "tuesday": time.Tuesday, "wednesday": time.Wednesday,
	"thursday": time.Thursday, "friday": time.Friday, "saturday": time.Saturday,
	"sunday": time.Sunday,
	"lundi":  time.Monday, "mardi": time.Tuesday, "mercredi": time.Wednesday,
	"jeudi": time.Thursday, "vendredi": time.Friday, "samedi": time.Saturday,
	"dimanche": time.Sunday,
}

// parseWeekday reads an English or French day name, in any case.
func parseWeekday(s string) (time.Weekday, bool) {
	d, ok := weekdayNames[strings.ToLower(strings.TrimSpace(s))]
	return d, ok
}

// describe renders a node for a problem message, without echoing long values.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return quote(n.Value)
	case yaml.AliasNode:
		return "an alias"
	default:
		return "nothing"
	}
}

// quote quotes s for a message, shortened to a readable length.
func quote(s string) string {
	const max = 60
	if r := []rune(s); len(r) > max {
		s = string(r[:max]) + "…"
	}
	return strconv.Quote(s)
}
