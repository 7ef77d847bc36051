package config

import (
	"fmt"
	"github.com/sndgct/maillage/internal/placeholder"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sndgct/maillage/internal/schedule"
)

// Job kinds a schedule may name. Which of them this binary can run is the
// core's business (bot.JobKinds); CheckJobKinds refuses the others.
const (
	JobAnnouncement = "announcement"
	JobPurge        = "purge"
	JobDigest       = "digest"
	JobRound        = "round"
	JobFollowup     = "followup"
	// JobSummary posts the network statistics to the organizers' channel.
	JobSummary = "summary"
)

// JobKinds lists every kind the configuration knows, available or not.
var JobKinds = []string{JobAnnouncement, JobPurge, JobDigest, JobRound, JobFollowup, JobSummary}

// Schedule is one recurring job (schedules[i]).
type Schedule struct {
	// Name identifies the job for good: its slots are remembered under it.
	Name string `yaml:"name"`
	// Kind is one of JobKinds.
	Kind string `yaml:"kind"`
	// Spec is a cron spec read by robfig/cron/v3 (five fields, @weekly,
	// @every 2h, CRON_TZ=...), in bot.timezone unless it names a zone.
	Spec string `yaml:"spec"`
	// Target, Text and Urgent are for announcements only.
	Target *Target `yaml:"target"`
	Text   *Text   `yaml:"text"`
	// Urgent announcements ignore working hours.
	Urgent bool `yaml:"urgent"`
}

// Target is who receives an announcement: exactly one of a channel or the
// opted-in members (optionally filtered).
type Target struct {
	Channel *ChannelTarget `yaml:"channel"`
	Members *MembersTarget `yaml:"members"`
}

// ChannelTarget is a channel on one platform and workspace.
type ChannelTarget struct {
	Platform  string `yaml:"platform"`
	Workspace string `yaml:"workspace"`
	ID        string `yaml:"id"`
}

// MembersTarget selects the opted-in members; each non-empty list keeps
// only the members matching one of its entries.
type MembersTarget struct {
	// Roles are ids from member_roles.
	Roles []string `yaml:"roles"`
	// Regions are INSEE region codes ("84" for Auvergne-Rhône-Alpes).
	Regions []string `yaml:"regions"`
	// Interests are ids from interests.
	Interests []string `yaml:"interests"`
}

// Text is a message in both languages.
type Text struct {
	FR string `yaml:"fr"`
	EN string `yaml:"en"`
}

// Scheduler tunes the job runner.
type Scheduler struct {
	// Grace is how late a slot missed during downtime may still run once
	// at start; older missed slots are skipped (and logged).
	Grace Duration `yaml:"grace"`
}

// defaultSchedules: the nightly purge of expired records, the weekly
// digest, the weekly introduction round and its daily follow-up check.
func defaultSchedules() []Schedule {
	return []Schedule{
		{Name: "purge", Kind: JobPurge, Spec: "0 3 * * *"},
		{Name: "digest", Kind: JobDigest, Spec: "30 9 * * mon"}, // the weekly highlights digest
		{Name: "tour", Kind: JobRound, Spec: "0 10 * * mon"},    // the weekly introduction round
		{Name: "suivi", Kind: JobFollowup, Spec: "30 10 * * *"}, // the follow-up, once its delay has passed
	}
}

var jobNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,63}$`)

// regionCodes are the INSEE codes of the French regions (2016 onwards).
var regionCodes = []string{"01", "02", "03", "04", "06", "11", "24", "27", "28", "32", "44", "52", "53", "75", "76", "84", "93", "94"}

// ScheduleSpec parses the spec of s in the configured time zone.
func (c *Config) ScheduleSpec(s Schedule) (schedule.Schedule, error) {
	return schedule.Parse(s.Spec, c.Location())
}

func (c *Config) validateSchedules(ch *checker) {
	ch.rangeDuration("scheduler.grace", c.Scheduler.Grace, time.Minute, 7*24*time.Hour)
	seen := map[string]int{}
	for i, s := range c.Schedules {
		p := fmt.Sprintf("schedules[%d]", i)
		if !jobNameRE.MatchString(s.Name) {
			ch.add(p+".name", "must be 1 to 64 characters among a-z, 0-9, _, . and -, starting with a letter or digit, got %s", quote(s.Name))
		} else if first, dup := seen[s.Name]; dup {
			ch.add(p+".name", "duplicate name %s (first at schedules[%d])", quote(s.Name), first)
		} else {
			seen[s.Name] = i
		}
		ch.oneOf(p+".kind", s.Kind, JobKinds...)
		if _, err := c.ScheduleSpec(s); err != nil {
			ch.add(p+".spec", "%v", err)
		}
		if s.Kind == JobAnnouncement {
			c.validateAnnouncement(ch, p, s)
			continue
		}
		switch {
		case s.Kind == JobSummary && (s.Target == nil || s.Target.Channel == nil):
			ch.add(p+".target", "a summary needs the organizers' channel: target: {channel: {platform, workspace, id}}")
		case s.Kind == JobSummary && s.Target.Members != nil:
			ch.add(p+".target.members", "a summary goes to a channel only, not to members")
		case s.Kind == JobSummary:
			c.validateChannel(ch, p+".target.channel", s.Target.Channel)
		case s.Target != nil:
			ch.add(p+".target", "is only for kinds %s and %s", JobAnnouncement, JobSummary)
		}
		if s.Text != nil {
			ch.add(p+".text", "is only for kind %s", JobAnnouncement)
		}
		if s.Urgent {
			ch.add(p+".urgent", "is only for kind %s", JobAnnouncement)
		}
	}
}

func (c *Config) validateAnnouncement(ch *checker, p string, s Schedule) {
	t := s.Target
	switch {
	case t == nil || (t.Channel == nil && t.Members == nil):
		ch.add(p+".target", "an announcement needs a target: channel: {platform, workspace, id} or members: {} (optionally with roles, regions, interests)")
	case t.Channel != nil && t.Members != nil:
		ch.add(p+".target", "give either channel or members, not both")
	case t.Channel != nil:
		c.validateChannel(ch, p+".target.channel", t.Channel)
	default:
		mp := p + ".target.members"
		closed := []struct {
			key     string
			values  []string
			allowed []string
		}{
			{"roles", t.Members.Roles, labelIDs(c.MemberRoles)},
			{"regions", t.Members.Regions, regionCodes},
			{"interests", t.Members.Interests, labelIDs(c.Interests)},
		}
		for _, f := range closed {
			for j, v := range f.values {
				if !slices.Contains(f.allowed, v) {
					ch.add(fmt.Sprintf("%s.%s[%d]", mp, f.key, j), "must be one of %s, got %s", strings.Join(f.allowed, ", "), quote(v))
				}
			}
		}
	}
	if s.Text == nil {
		ch.add(p+".text", "an announcement needs a text: {fr: \"...\", en: \"...\"}")
		return
	}
	for _, l := range []struct{ key, v string }{{"fr", s.Text.FR}, {"en", s.Text.EN}} {
		if ch.nonEmpty(p+".text."+l.key, l.v) {
			if n := utf8.RuneCountInString(l.v); n > 4000 {
				ch.add(p+".text."+l.key, "must be at most 4000 characters, got %d", n)
			}
			// The chat's rule for broadcasts (internal/placeholder); a
			// channel has no recipient to fill them for.
			switch bad, brace := placeholder.Check(l.v); {
			case brace:
				ch.add(p+".text."+l.key, "holds a stray %s: write {prenom} or {collectivite} whole, braces included", quote(bad))
			case bad != "" && t != nil && t.Channel != nil:
				ch.add(p+".text."+l.key, "holds %s, which a channel announcement cannot replace: only announcements to members replace {prenom} and {collectivite}", quote(bad))
			case bad != "":
				ch.add(p+".text."+l.key, "holds %s, which is not replaced: only {prenom} and {collectivite} are, as in the chat's broadcasts", quote(bad))
			case t != nil && t.Channel != nil && strings.Contains(l.v, "{"):
				ch.add(p+".text."+l.key, "holds a placeholder, which a channel announcement cannot replace: only announcements to members replace {prenom} and {collectivite}")
			}
		}
	}
}

// validateChannel checks a channel target at path cp.
func (c *Config) validateChannel(ch *checker, cp string, t *ChannelTarget) {
	if ch.oneOf(cp+".platform", t.Platform, AdapterTerminal, AdapterSlack, AdapterMattermost, AdapterMatrix) &&
		!slices.Contains(c.Chat.Adapters, t.Platform) {
		ch.add(cp+".platform", "%s is not among chat.adapters (%s)", t.Platform, strings.Join(c.Chat.Adapters, ", "))
	}
	ch.nonEmpty(cp+".workspace", t.Workspace)
	if ch.nonEmpty(cp+".id", t.ID) {
		ch.noSpace(cp+".id", t.ID)
	}
}

// CheckJobKinds refuses the schedules whose kind this binary cannot run:
// available comes from the core's job registry (bot.JobKinds). It returns
// nil or a *Problems naming each schedule's kind by its path.
func (c *Config) CheckJobKinds(available []string) error {
	var list []Problem
	for i, s := range c.Schedules {
		if slices.Contains(available, s.Kind) || !slices.Contains(JobKinds, s.Kind) {
			continue // unknown kinds are Validate's
		}
		list = append(list, Problem{
			Path: fmt.Sprintf("schedules[%d].kind", i),
			Message: fmt.Sprintf("the %s job is not available in this version of maillage (available: %s)",
				s.Kind, strings.Join(available, ", ")),
		})
	}
	if len(list) > 0 {
		return &Problems{List: list}
	}
	return nil
}
