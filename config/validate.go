package config

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/sndgct/maillage/internal/yamlpos"
)

// Validate checks every value and returns a *Problems listing all that is
// wrong, or nil. Load and Parse call it; call it again after changing a
// Config in code.
func (c *Config) Validate() error {
	if list := c.validate(nil); len(list) > 0 {
		return &Problems{List: list}
	}
	return nil
}

// checker collects problems, giving each the line of its path in the file,
// or naming the environment variable the value came from.
type checker struct {
	o        *origin
	problems []Problem
}

func (ch *checker) add(path, format string, args ...any) {
	p := Problem{Path: path, Message: fmt.Sprintf(format, args...)}
	if ch.o != nil {
		if v, ok := ch.o.env[path]; ok {
			p.Path = v
		} else {
			p.Line = ch.o.lineOf(path)
		}
	}
	ch.problems = append(ch.problems, p)
}

// lineOf returns the line of path in the file or, for a key the file leaves
// out, the line of its nearest enclosing key or list item; 0 if none.
func (o *origin) lineOf(path string) int { return yamlpos.LineOf(o.lines, path) }

func (ch *checker) rangeInt(path string, v, lo, hi int) {
	if v < lo || v > hi {
		ch.add(path, "must be between %d and %d, got %d", lo, hi, v)
	}
}

func (ch *checker) rangeDuration(path string, v Duration, lo, hi time.Duration) {
	if d := v.Std(); d < lo || d > hi {
		ch.add(path, "must be between %s and %s, got %s", shortDuration(lo), shortDuration(hi), d)
	}
}

func (ch *checker) oneOf(path, v string, allowed ...string) bool {
	for _, a := range allowed {
		if v == a {
			return true
		}
	}
	ch.add(path, "must be one of %s, got %s", strings.Join(allowed, ", "), quote(v))
	return false
}

func (ch *checker) nonEmpty(path, v string) bool {
	if strings.TrimSpace(v) == "" {
		ch.add(path, "must not be empty")
		return false
	}
	return true
}

func (ch *checker) noSpace(path, v string) {
	if strings.IndexFunc(v, unicode.IsSpace) >= 0 {
		ch.add(path, "must not contain spaces, got %s", quote(v))
	}
}

func (ch *checker) timezone(path, name string) {
	if !ch.nonEmpty(path, name) {
		return
	}
	if name == "Local" {
		ch.add(path, "must be an IANA time zone such as \"Europe/Paris\", not \"Local\"")
		return
	}
	if _, err := time.LoadLocation(name); err != nil {
		ch.add(path, "unknown time zone %s (expected an IANA name such as \"Europe/Paris\")", quote(name))
	}
}

// shortDuration prints 1m0s as 1m and 100ms as 100ms.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

var labelIDRE = regexp.MustCompile(`^[a-z0-9_-]{1,32}$`)

var emailRE = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)

func (c *Config) validate(o *origin) []Problem {
	ch := &checker{o: o}

	// bot
	if ch.nonEmpty("bot.name", c.Bot.Name) {
		if n := utf8.RuneCountInString(c.Bot.Name); n > 40 {
			ch.add("bot.name", "must be at most 40 characters, got %d", n)
		}
	}
	ch.oneOf("bot.default_language", c.Bot.DefaultLanguage, "fr", "en")
	ch.timezone("bot.timezone", c.Bot.Timezone)
	ch.rangeInt("bot.max_message_length", c.Bot.MaxMessageLength, 100, 40000)

	ch.nonEmpty("data_dir", c.DataDir)

	// store
	if ch.oneOf("store.backend", c.Store.Backend, BackendAuto, BackendBolt, BackendRedis) &&
		c.Store.Backend == BackendRedis && c.Secrets.RedisURL == "" {
		ch.add("store.backend", "is redis but %s is not set in the environment", EnvRedisURL)
	}
	ch.nonEmpty("store.bolt.file", c.Store.Bolt.File)
	ch.rangeDuration("store.bolt.lock_timeout", c.Store.Bolt.LockTimeout, 100*time.Millisecond, time.Minute)
	if n := utf8.RuneCountInString(c.Store.Redis.KeyPrefix); n < 1 || n > 64 {
		ch.add("store.redis.key_prefix", "must be 1 to 64 characters, got %d", n)
	} else {
		ch.noSpace("store.redis.key_prefix", c.Store.Redis.KeyPrefix)
	}
	ch.rangeDuration("store.redis.timeout", c.Store.Redis.Timeout, 50*time.Millisecond, time.Minute)

	// chat
	c.validateAdapters(ch)
	if len(c.Chat.Adapters) == 0 {
		c.validateSlack(ch, false)
	}
	if ch.nonEmpty("chat.terminal.user", c.Chat.Terminal.User) {
		ch.noSpace("chat.terminal.user", c.Chat.Terminal.User)
	}
	ch.nonEmpty("chat.terminal.workspace", c.Chat.Terminal.Workspace)

	// roles
	validateRoleEntries(ch, "roles.admins", c.Roles.Admins)
	validateRoleEntries(ch, "roles.organizers", c.Roles.Organizers)

	// closed lists
	validateLabels(ch, "member_roles", c.MemberRoles)
	validateLabels(ch, "interests", c.Interests)

	// working hours
	c.validateWorkingHours(ch)

	// matching (matching.go)
	c.validateMatching(ch)

	// privacy
	ch.nonEmpty("privacy.controller", c.Privacy.Controller)
	if c.Privacy.Contact != "" && !validContact(c.Privacy.Contact) {
		ch.add("privacy.contact", "must be an e-mail address or an http(s) URL, got %s", quote(c.Privacy.Contact))
	}
	ch.rangeInt("privacy.retention_months", c.Privacy.RetentionMonths, 1, 120)

	// schedules, scheduler
	c.validateSchedules(ch)

	// http
	if c.HTTP.Listen != "" {
		if err := checkListen(c.HTTP.Listen); err != nil {
			ch.add("http.listen", "%v, got %s", err, quote(c.HTTP.Listen))
		}
	}

	if c.HTTP.PublicURL != "" && !validBaseURL(c.HTTP.PublicURL) {
		ch.add("http.public_url", "must be an http(s) address without query, such as https://maillage.example.fr, got %s", quote(c.HTTP.PublicURL))
	}

	// log
	ch.oneOf("log.level", c.Log.Level, "debug", "info", "warn", "error")
	ch.oneOf("log.format", c.Log.Format, "text", "json")

	c.validateContent(ch)
	c.validateRateLimit(ch)
	c.validateBroadcasts(ch)

	return ch.problems
}

// availableAdapters lists the adapters this version has.
const availableAdapters = AdapterTerminal + ", " + AdapterSlack + ", " + AdapterMattermost + ", " + AdapterMatrix

func (c *Config) validateAdapters(ch *checker) {
	if len(c.Chat.Adapters) == 0 {
		ch.add("chat.adapters", "must list at least one adapter (available: %s)", availableAdapters)
		return
	}
	seen := map[string]int{}
	for i, a := range c.Chat.Adapters {
		path := fmt.Sprintf("chat.adapters[%d]", i)
		if first, dup := seen[a]; dup {
			ch.add(path, "duplicate of chat.adapters[%d]", first)
			continue
		}
		seen[a] = i
		switch a {
		case AdapterTerminal, AdapterSlack:
		case AdapterMattermost:
			c.validateMattermost(ch, path)
		case AdapterMatrix:
			c.validateMatrixSecrets(ch, path)
		default:
			ch.oneOf(path, a, AdapterTerminal, AdapterSlack, AdapterMattermost, AdapterMatrix)
		}
	}
	c.validateSlack(ch, slices.Contains(c.Chat.Adapters, AdapterSlack))
	c.validateMatrix(ch)
}

func validateRoleEntries(ch *checker, path string, entries []RoleEntry) {
	seen := map[RoleEntry]int{}
	for i, e := range entries {
		p := fmt.Sprintf("%s[%d]", path, i)
		ch.oneOf(p+".platform", e.Platform, AdapterTerminal, AdapterSlack, AdapterMattermost, AdapterMatrix)
		ch.noSpace(p+".workspace", e.Workspace)
		switch {
		case e.User != "" && e.Email != "":
			ch.add(p, "give user or email, not both")
		case e.Email != "":
			if !emailRE.MatchString(e.Email) {
				ch.add(p+".email", "must be an e-mail address, got %s", quote(e.Email))
			}
		case ch.nonEmpty(p+".user", e.User):
			ch.noSpace(p+".user", e.User)
		}
		if first, dup := seen[e]; dup {
			ch.add(p, "duplicate of %s[%d]", path, first)
			continue
		}
		seen[e] = i
	}
}

func validateLabels(ch *checker, path string, labels []Label) {
	if len(labels) == 0 {
		ch.add(path, "must list at least one entry")
		return
	}
	seen := map[string]int{}
	for i, l := range labels {
		p := fmt.Sprintf("%s[%d]", path, i)
		if !labelIDRE.MatchString(l.ID) {
			ch.add(p+".id", "must be 1 to 32 characters among a-z, 0-9, _ and -, got %s", quote(l.ID))
		} else if first, dup := seen[l.ID]; dup {
			ch.add(p+".id", "duplicate id %s (first at %s[%d])", quote(l.ID), path, first)
		} else {
			seen[l.ID] = i
		}
		for j, a := range l.Aliases {
			if n := utf8.RuneCountInString(strings.TrimSpace(a)); n == 0 || n > 100 {
				ch.add(fmt.Sprintf("%s.aliases[%d]", p, j), "must be 1 to 100 characters, got %s", quote(a))
			}
		}
		for _, lang := range []struct{ key, v string }{{"fr", l.FR}, {"en", l.EN}} {
			if ch.nonEmpty(p+"."+lang.key, lang.v) {
				if n := utf8.RuneCountInString(lang.v); n > 100 {
					ch.add(p+"."+lang.key, "must be at most 100 characters, got %d", n)
				}
			}
		}
	}
}

func (c *Config) validateWorkingHours(ch *checker) {
	wh := c.WorkingHours
	ch.timezone("working_hours.timezone", wh.Timezone)
	if len(wh.DayNames) == 0 {
		ch.add("working_hours.days", "must list at least one day")
	}
	seen := map[time.Weekday]int{}
	for i, name := range wh.DayNames {
		p := fmt.Sprintf("working_hours.days[%d]", i)
		d, ok := parseWeekday(name)
		if !ok {
			ch.add(p, "must be a day name in English or French (monday or lundi, ...), got %s", quote(name))
			continue
		}
		if first, dup := seen[d]; dup {
			ch.add(p, "duplicate of working_hours.days[%d] (%s)", first, d)
			continue
		}
		seen[d] = i
	}
	if wh.Start < 0 || wh.Start >= 24*60 {
		ch.add("working_hours.start", "must be between 00:00 and 23:59, got %s", wh.Start)
	} else if wh.End <= wh.Start || wh.End > 24*60 {
		ch.add("working_hours.end", "must be after start (%s) and at most 24:00, got %s", wh.Start, wh.End)
	}
}

func validContact(s string) bool {
	if strings.IndexFunc(s, unicode.IsSpace) < 0 && strings.Contains(s, "@") && !strings.Contains(s, "://") {
		if a, err := mail.ParseAddress(strings.TrimPrefix(s, "mailto:")); err == nil && a.Name == "" {
			return true
		}
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

func checkListen(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return errors.New("must be host:port such as \":8080\" or \"127.0.0.1:8080\"")
	}
	if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		return errors.New("must end with a port number between 0 and 65535")
	}
	return nil
}
