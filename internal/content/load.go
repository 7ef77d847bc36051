package content

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/sndgct/maillage/internal/textnorm"
	"github.com/sndgct/maillage/internal/yamlpos"
)

//go:embed demo/*.yaml
var demoFS embed.FS

// Demo returns the embedded demo content (Territorialis 2024), as a
// directory of event files for LoadDir.
func Demo() fs.FS {
	sub, err := fs.Sub(demoFS, "demo")
	if err != nil {
		return demoFS // unreachable: the directory is embedded
	}
	return sub
}

// Problem is one thing wrong in a content file.
type Problem struct {
	File string
	Line int // 1-based, 0 when unknown
	// Path is the dotted path of the value ("sessions[2].topics[0]").
	Path    string
	Message string
}

func (p Problem) String() string {
	var b strings.Builder
	if p.File != "" {
		b.WriteString(p.File)
		if p.Line > 0 {
			b.WriteString(":" + strconv.Itoa(p.Line))
		}
		b.WriteString(": ")
	}
	if p.Path != "" {
		b.WriteString(p.Path + ": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Problems is the error returned when content does not load: every
// problem found, by file and line.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Set is the loaded content: every event, by start date.
type Set struct {
	Events []*Event
	// Questions are the conversation starters' bank: the built-in one
	// and those of questions*.yaml files (or only theirs, if one of them
	// replaces it).
	Questions []Question
}

// Event returns the event with this id.
func (s *Set) Event(id string) (*Event, bool) {
	for _, e := range s.Events {
		if e.ID == id {
			return e, true
		}
	}
	return nil, false
}

// Current returns the event members browse at now: the one under way,
// else the next to come, else the last one held. Nil for an empty set.
func (s *Set) Current(now time.Time) *Event {
	var next, last *Event
	for _, e := range s.Events {
		switch {
		case !now.Before(e.start) && now.Before(e.end):
			return e
		case now.Before(e.start):
			if next == nil || e.start.Before(next.start) {
				next = e
			}
		default:
			if last == nil || e.end.After(last.end) {
				last = e
			}
		}
	}
	if next != nil {
		return next
	}
	return last
}

// Highlights returns the number of highlights of the set.
func (s *Set) Highlights() int {
	n := 0
	for _, e := range s.Events {
		for _, se := range e.Sessions {
			n += len(se.Highlights)
		}
	}
	return n
}

// LoadDemo loads the embedded demo. Its topics not among interests are
// dropped (and returned, sorted), so that an administrator who changed
// the interest list still gets the demo.
func LoadDemo(interests []string) (*Set, []string, error) {
	set, err := LoadDir(Demo(), nil)
	if err != nil {
		return nil, nil, fmt.Errorf("embedded demo content: %w", err)
	}
	dropped := map[string]bool{}
	for _, e := range set.Events {
		for _, s := range e.Sessions {
			s.Topics = slices.DeleteFunc(s.Topics, func(t string) bool {
				if slices.Contains(interests, t) {
					return false
				}
				dropped[t] = true
				return true
			})
		}
	}
	return set, slices.Sorted(maps.Keys(dropped)), nil
}

// LoadDir loads every *.yaml and *.yml file at the top of fsys, one event
// per file. interests are the known interest ids, in the configuration's
// order; nil accepts any topic. All problems of all files are returned together as Problems.
func LoadDir(fsys fs.FS, interests []string) (*Set, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("read content directory: %w", err)
	}
	set := &Set{}
	var problems Problems
	byID := map[string]string{}
	var added []Question
	replaced := false
	for _, de := range entries {
		name := de.Name()
		if de.IsDir() || strings.HasPrefix(name, ".") ||
			(!strings.HasSuffix(name, ".yaml") && !strings.HasSuffix(name, ".yml")) {
			continue
		}
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("read content file %s: %w", name, err)
		}
		if IsQuestionFile(name) {
			replace, qs, err := ParseQuestions(data, name, interests)
			var ps Problems
			switch {
			case errors.As(err, &ps):
				problems = append(problems, ps...)
			case err != nil:
				return nil, err
			}
			replaced = replaced || replace
			added = append(added, qs...)
			continue
		}
		e, err := Parse(data, name, interests)
		var ps Problems
		switch {
		case errors.As(err, &ps):
			problems = append(problems, ps...)
			continue
		case err != nil:
			return nil, err
		}
		if first, dup := byID[e.ID]; dup {
			problems = append(problems, Problem{File: name, Path: "id",
				Message: fmt.Sprintf("event %q is already defined in %s", e.ID, first)})
			continue
		}
		byID[e.ID] = name
		set.Events = append(set.Events, e)
	}
	if len(problems) > 0 {
		return nil, problems
	}
	if len(set.Events) == 0 {
		return nil, Problems{{Message: "no event file (*.yaml) in the content directory"}}
	}
	sort.SliceStable(set.Events, func(i, j int) bool { return set.Events[i].start.Before(set.Events[j].start) })
	if !replaced {
		set.Questions = BuiltinQuestions()
	}
	set.Questions = append(set.Questions, added...)
	return set, nil
}

// Parse decodes and validates one event file; name is used in problems.
func Parse(data []byte, name string, interests []string) (*Event, error) {
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, Problems{{File: name, Message: "the file is empty: it must describe one event"}}
		}
		return nil, Problems{{File: name, Line: yamlErrorLine(err), Message: "invalid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}}
	}
	if len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return nil, Problems{{File: name, Line: 1, Message: "the file must be a mapping of keys (id, name, sessions...)"}}
	}
	c := &checker{file: name, lines: map[string]int{}}
	c.keys(root.Content[0], reflect.TypeFor[Event](), "")
	var e Event
	if err := root.Content[0].Decode(&e); err != nil {
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			return nil, Problems{{File: name, Message: err.Error()}}
		}
		for _, msg := range te.Errors {
			line := yamlErrorLine(errors.New(msg))
			c.problems = append(c.problems, Problem{File: name, Line: line, Path: c.pathAt(line),
				Message: strings.TrimPrefix(yamlLineRE.ReplaceAllString(msg, ""), "yaml: ")})
		}
	}
	if len(c.problems) == 0 {
		c.event(&e, interests)
	}
	if len(c.problems) > 0 {
		// By line; problems without one (keys left out at the top) last.
		sort.SliceStable(c.problems, func(i, j int) bool {
			li, lj := c.problems[i].Line, c.problems[j].Line
			return li != 0 && (lj == 0 || li < lj)
		})
		return nil, Problems(c.problems)
	}
	return &e, nil
}

var yamlLineRE = regexp.MustCompile(`^(?:yaml: )?line (\d+): `)

func yamlErrorLine(err error) int {
	if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 0
}

// checker walks the node tree against the Go types, reporting unknown
// keys, and then validates the decoded values.
type checker struct {
	file     string
	lines    map[string]int // path -> line
	problems []Problem
}

func (c *checker) add(path, format string, args ...any) {
	c.problems = append(c.problems, Problem{File: c.file, Line: c.lineOf(path), Path: path,
		Message: fmt.Sprintf(format, args...)})
}

// lineOf returns the line of path or, for a key left out, of the nearest
// enclosing value.
func (c *checker) lineOf(path string) int { return yamlpos.LineOf(c.lines, path) }

// pathAt returns the path recorded at line, preferring the deepest.
func (c *checker) pathAt(line int) string {
	best := ""
	for p, l := range c.lines {
		if l == line && len(p) > len(best) {
			best = p
		}
	}
	return best
}

func yamlKeys(t reflect.Type) []string {
	var keys []string
	for i := range t.NumField() {
		f := t.Field(i)
		if name, _, _ := strings.Cut(f.Tag.Get("yaml"), ","); f.IsExported() && name != "" && name != "-" {
			keys = append(keys, name)
		}
	}
	return keys
}

// keys records the line of every path and reports unknown keys.
func (c *checker) keys(n *yaml.Node, t reflect.Type, path string) {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == nil:
	case n.Kind == yaml.MappingNode && t.Kind() == reflect.Struct:
		known := yamlKeys(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := k.Value
			if path != "" {
				p = path + "." + k.Value
			}
			c.lines[p] = k.Line
			if !slices.Contains(known, k.Value) {
				c.add(p, "unknown key%s", nearest(k.Value, known))
				continue
			}
			c.keys(v, fieldType(t, k.Value), p)
		}
	case n.Kind == yaml.SequenceNode && t.Kind() == reflect.Slice:
		for i, item := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			c.lines[p] = item.Line
			c.keys(item, t.Elem(), p)
		}
	}
}

// fieldType returns the type of the field of t tagged key.
func fieldType(t reflect.Type, key string) reflect.Type {
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); name == key {
			return t.Field(i).Type
		}
	}
	return nil
}

// nearest returns a hint naming the nearest known key, or them all.
func nearest(key string, known []string) string {
	if hint := yamlpos.DidYouMean(key, known); hint != "" {
		return hint
	}
	return "; known: " + strings.Join(known, ", ")
}

var slugRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// text cleans *s and checks its presence and length.
func (c *checker) text(path string, s *string, required bool, max int) {
	*s = strings.TrimSpace(textnorm.Clean(*s))
	switch {
	case *s == "" && required:
		c.add(path, "is required")
	case utf8.RuneCountInString(*s) > max:
		c.add(path, "is too long: %d characters, at most %d", utf8.RuneCountInString(*s), max)
	}
}

func (c *checker) slug(path, s string) {
	switch {
	case s == "":
		c.add(path, "is required")
	case len(s) > 64 || !slugRE.MatchString(s):
		c.add(path, "%q must be lower-case letters, digits and single hyphens (e.g. \"atelier-leader\"), at most 64", s)
	}
}

func (c *checker) date(path, s string, loc *time.Location) time.Time {
	t, err := time.ParseInLocation(time.DateOnly, s, loc)
	if err != nil {
		c.add(path, "%q is not a date; write YYYY-MM-DD (e.g. 2024-10-03)", s)
		return time.Time{}
	}
	return t
}

func (c *checker) clock(path, s string) (int, bool) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		c.add(path, "%q is not a time; write HH:MM on 24 hours (e.g. 09:30)", s)
		return 0, false
	}
	return t.Hour()*60 + t.Minute(), true
}

func (c *checker) link(path, s string) {
	if s == "" {
		return
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		c.add(path, "%q is not a web address; write https://...", s)
	}
}

func (c *checker) inferred(path string, list []string, allowed map[string]bool) {
	for i, f := range list {
		if !allowed[f] {
			names := make([]string, 0, len(allowed))
			for k := range allowed {
				names = append(names, k)
			}
			sort.Strings(names)
			c.add(fmt.Sprintf("%s[%d]", path, i), "unknown field %q; known: %s", f, strings.Join(names, ", "))
		}
	}
}

var (
	sessionInferable   = map[string]bool{"date": true, "time": true, "end_time": true, "room": true, "kind": true, "speakers": true, "title": true}
	highlightInferable = map[string]bool{"text": true, "author": true}
)

func (c *checker) event(e *Event, interests []string) {
	c.slug("id", e.ID)
	c.text("name", &e.Name, true, MaxTitleRunes)
	c.text("theme", &e.Theme, false, MaxTitleRunes)
	c.text("organizer", &e.Organizer, false, MaxTitleRunes)
	c.text("city", &e.City, false, MaxTitleRunes)
	c.text("venue", &e.Venue, false, MaxTitleRunes)
	c.text("summary", &e.Summary, false, 2*MaxTextRunes)
	for i := range e.Figures {
		c.text(fmt.Sprintf("figures[%d]", i), &e.Figures[i], true, MaxTitleRunes)
	}
	if e.Timezone == "" {
		e.Timezone = "Europe/Paris"
	}
	loc, err := time.LoadLocation(e.Timezone)
	if err != nil {
		c.add("timezone", "unknown time zone %q; write an IANA name such as Europe/Paris", e.Timezone)
		loc = time.UTC
	}
	e.loc = loc
	if e.Start == "" {
		c.add("start", "is required (YYYY-MM-DD)")
	} else {
		e.start = c.date("start", e.Start, loc)
	}
	e.end = e.start
	if e.End == "" {
		e.End = e.Start
	} else {
		e.end = c.date("end", e.End, loc)
	}
	if !e.start.IsZero() && !e.end.IsZero() {
		if e.end.Before(e.start) {
			c.add("end", "%s is before start %s", e.End, e.Start)
		}
		e.end = e.end.AddDate(0, 0, 1)
	}
	if s := e.Source; s != nil {
		c.text("source.title", &s.Title, true, MaxTitleRunes)
		c.text("source.publisher", &s.Publisher, false, MaxTitleRunes)
		if s.Date != "" {
			c.date("source.date", s.Date, loc)
		}
		c.link("source.url", s.URL)
	}
	if len(e.Sessions) == 0 {
		c.add("sessions", "at least one session is required")
	}
	sessionIDs := map[string]string{}
	highlightIDs := map[string]string{}
	for i, s := range e.Sessions {
		p := fmt.Sprintf("sessions[%d]", i)
		if s == nil {
			c.add(p, "is empty")
			continue
		}
		s.Number, s.Event = i+1, e.ID
		c.slug(p+".id", s.ID)
		if first, dup := sessionIDs[s.ID]; dup && s.ID != "" {
			c.add(p+".id", "%q is already the id of %s", s.ID, first)
		}
		sessionIDs[s.ID] = p
		c.session(e, s, p, interests)
		for j, h := range s.Highlights {
			hp := fmt.Sprintf("%s.highlights[%d]", p, j)
			if h == nil {
				c.add(hp, "is empty")
				continue
			}
			h.Session = s.ID
			c.slug(hp+".id", h.ID)
			if first, dup := highlightIDs[h.ID]; dup && h.ID != "" {
				c.add(hp+".id", "%q is already the id of %s", h.ID, first)
			}
			highlightIDs[h.ID] = hp
			c.highlight(h, hp)
		}
	}
}

// timeOfDay checks the time hhmm at path, which needs the field holding
// need (named what), and returns it on day (zero when unknown).
func (c *checker) timeOfDay(path, hhmm, need, what string, day time.Time) time.Time {
	if hhmm == "" {
		return time.Time{}
	}
	m, ok := c.clock(path, hhmm)
	switch {
	case need == "":
		c.add(path, "needs %s", what)
	case ok && !day.IsZero():
		return time.Date(day.Year(), day.Month(), day.Day(), m/60, m%60, 0, 0, day.Location())
	}
	return time.Time{}
}

func (c *checker) session(e *Event, s *Session, p string, interests []string) {
	c.text(p+".title", &s.Title, true, MaxTitleRunes)
	s.folded = textnorm.Fold(s.Title)
	switch {
	case s.Kind == "":
		c.add(p+".kind", "is required; one of: %s", strings.Join(Kinds, ", "))
	case !slices.Contains(Kinds, s.Kind):
		c.add(p+".kind", "unknown kind %q%s", s.Kind, nearest(s.Kind, Kinds))
	}
	c.text(p+".room", &s.Room, false, MaxTitleRunes)
	c.text(p+".summary", &s.Summary, false, 2*MaxTextRunes)
	c.text(p+".note", &s.Note, false, MaxTextRunes)
	if s.Date != "" {
		s.day = c.date(p+".date", s.Date, e.Location())
		if !s.day.IsZero() && !e.start.IsZero() && !e.end.IsZero() && (s.day.Before(e.start) || !s.day.Before(e.end)) {
			c.add(p+".date", "%s is outside the event (%s to %s)", s.Date, e.Start, e.End)
		}
	}
	s.starts = c.timeOfDay(p+".time", s.Time, s.Date, "a date", s.day)
	s.ends = c.timeOfDay(p+".end_time", s.EndTime, s.Time, "a time", s.day)
	if !s.starts.IsZero() && !s.ends.IsZero() && !s.ends.After(s.starts) {
		c.add(p+".end_time", "%s is not after time %s", s.EndTime, s.Time)
	}
	for i, sp := range s.Speakers {
		sp2 := fmt.Sprintf("%s.speakers[%d]", p, i)
		if sp == nil {
			c.add(sp2, "is empty")
			continue
		}
		c.text(sp2+".name", &sp.Name, true, MaxTitleRunes)
		c.text(sp2+".role", &sp.Role, false, MaxTitleRunes)
		c.text(sp2+".organisation", &sp.Organisation, false, MaxTitleRunes)
	}
	seen := map[string]bool{}
	for i, t := range s.Topics {
		tp := fmt.Sprintf("%s.topics[%d]", p, i)
		switch {
		case interests != nil && !slices.Contains(interests, t):
			c.add(tp, "unknown interest %q; known: %s", t, strings.Join(interests, ", "))
		case seen[t]:
			c.add(tp, "%q is listed twice", t)
		}
		seen[t] = true
	}
	c.inferred(p+".inferred", s.Inferred, sessionInferable)
	for i, f := range s.Inferred {
		empty := map[string]bool{"date": s.Date == "", "time": s.Time == "", "end_time": s.EndTime == "",
			"room": s.Room == "", "speakers": len(s.Speakers) == 0}
		if empty[f] {
			c.add(fmt.Sprintf("%s.inferred[%d]", p, i), "%q is marked inferred but not given; leave it out or give it", f)
		}
	}
}

func (c *checker) highlight(h *Highlight, p string) {
	c.text(p+".text", &h.Text, true, MaxTextRunes)
	c.text(p+".quote", &h.Quote, false, MaxQuoteRunes)
	c.text(p+".author", &h.Author, false, MaxTitleRunes)
	switch {
	case h.Quote != "" && h.Author == "":
		c.add(p+".author", "is required with a quote")
	case h.Quote == "" && h.Author != "":
		c.add(p+".quote", "is missing: author %q is given without a quote", h.Author)
	}
	c.link(p+".source", h.Source)
	c.inferred(p+".inferred", h.Inferred, highlightInferable)
	if h.Published != "" {
		t, err := time.Parse(time.RFC3339, h.Published)
		if err != nil {
			c.add(p+".published", "%q is not a date and time; write RFC 3339 (e.g. 2024-10-03T14:30:00+02:00)", h.Published)
		}
		h.published = t
	}
}
