package bot

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/sndgct/maillage/internal/content"
	"github.com/sndgct/maillage/internal/matching"
	"github.com/sndgct/maillage/internal/schedule"
	"github.com/sndgct/maillage/internal/textnorm"
)

// Settings are the core's knobs. cmd/maillage fills them from the config.
type Settings struct {
	// Name is the bot's name, as members see it.
	Name string
	// DefaultLang is used for members who chose no language and whose
	// platform locale is unknown.
	DefaultLang Lang
	// MaxMessageRunes bounds what a member may send in one message.
	MaxMessageRunes int
	// Admins and Organizers grant roles; anyone else is a member.
	Admins     []RoleRule
	Organizers []RoleRule
	// Privacy is what the greeting tells members about their data.
	Privacy Privacy
	// Version of the running binary, shown to admins.
	Version string
	// StoreName ("bolt", "redis") is shown to admins.
	StoreName string
	// DialogueTTL bounds how long an unanswered question waits.
	DialogueTTL time.Duration
	// Location is the zone of the dates shown to members (default UTC).
	Location *time.Location
	// Scheduler: the recurring jobs, how late a missed slot may still run,
	// and the working hours of the right to disconnect (bot/core).
	Jobs         []Job
	Grace        time.Duration
	WorkingHours WorkingHours
	// Highlights configure the congress content (bot/highlights).
	Highlights HighlightSettings
	// MemberRoles and Interests are the closed lists members choose from
	// (config member_roles and interests), in the order shown.
	MemberRoles []Label
	Interests   []Label
	// Matching configures the introductions (bot/introductions).
	Matching MatchSettings
	// ImportWorkspaces is the workspace of imported members whose CSV line
	// leaves it empty, per platform (the terminal's configured workspace).
	ImportWorkspaces map[Platform]string
	// RateLimit bounds how many messages a member may send (bot/core).
	RateLimit  RateLimit
	Broadcasts BroadcastSettings // organizer broadcasts (bot/broadcasts)
	Dashboard  DashboardSettings // the organizers' web dashboard (bot/dashboard)
}

// DashboardSettings configure the organizers' web dashboard.
type DashboardSettings struct {
	// URL is the address organizers' browsers reach the bot's HTTP server
	// at (http.public_url); empty: no dashboard.
	URL string
	// Key keys the hashes under which sign-in links and sessions are
	// stored (a secret of the deployment, shared by its replicas).
	Key []byte
}

// Privacy describes the processing of personal data, as the greeting
// tells it to members.
type Privacy struct {
	Controller      string
	Contact         string
	RetentionMonths int
}

// BroadcastSettings tune the broadcasts.
type BroadcastSettings struct {
	// ApprovalThreshold: a broadcast to more recipients needs a second
	// organizer's approval (default 500).
	ApprovalThreshold int
	// BatchSize is the number of recipients a replica claims at a time
	// (default 50).
	BatchSize int
	// MaxAttempts bounds the attempts at a recipient whose failures are
	// transient (default 3).
	MaxAttempts int
	// BatchLease is how long a batch claim lasts unless extended (default
	// 2 minutes): a batch of a replica that died is free again after it.
	BatchLease time.Duration
	// ReconcileAfter is how long a post recorded "sending" may still be in
	// flight (default 30 s): after it, a replica settles the recipient.
	ReconcileAfter time.Duration
	// Pace per platform; a platform without one is not paced.
	Pace map[Platform]Pace
}

func (s BroadcastSettings) Threshold() int {
	if s.ApprovalThreshold > 0 {
		return s.ApprovalThreshold
	}
	return 500
}

func (s BroadcastSettings) Batch() int {
	if s.BatchSize > 0 {
		return s.BatchSize
	}
	return 50
}

func (s BroadcastSettings) Attempts() int {
	if s.MaxAttempts > 0 {
		return s.MaxAttempts
	}
	return 3
}

func (s BroadcastSettings) Lease() time.Duration {
	if s.BatchLease > 0 {
		return s.BatchLease
	}
	return batchLease
}

func (s BroadcastSettings) ReconcileDelay() time.Duration {
	if s.ReconcileAfter > 0 {
		return s.ReconcileAfter
	}
	return reconcileAfter
}

// Pace is how fast broadcasts may call one platform, per workspace, all
// replicas together. Zero rates mean no limit.
type Pace struct {
	// PostsPerSecond and PostBurst bound the messages posted (Slack's
	// workspace budget for chat.postMessage; Mattermost's API rate limit,
	// which opening a direct channel also draws from when OpensPerMinute
	// is zero).
	PostsPerSecond float64
	PostBurst      int
	// OpensPerMinute and OpenBurst bound the direct conversations opened
	// (Slack's conversations.open); zero: opens draw from the posts'
	// budget.
	OpensPerMinute float64
	OpenBurst      int
}

// Directory resolves what members type to name their employer into
// collectivities of the official data (communes, EPCI, départements,
// régions). cmd/maillage passes one over internal/territory; the core
// owns the interface so that it depends on no data package.
type Directory interface {
	// Lookup resolves a name (insensitive to case, accents, hyphens,
	// "Saint"/"St"), an INSEE code, a SIREN or a postal code. Several
	// results are homonyms, most populous first; none means unknown.
	Lookup(query string) []Collectivity
	// Suggest returns at most n collectivities whose names are near the
	// query, for a query that Lookup does not resolve.
	Suggest(query string, n int) []Collectivity
	// Departement and Region return a département or a région by its
	// INSEE code ("91", "11").
	Departement(code string) (Collectivity, bool)
	Region(code string) (Collectivity, bool)
}

// Label is one entry of a closed list (member roles, interests): the id
// stored with members and what people see or type.
type Label struct {
	ID string
	FR string
	EN string
	// Aliases are other ways people write it ("DGS", "directrice générale
	// des services"); the id and the labels are always recognised.
	Aliases []string
}

// Text returns the label in lang.
func (l Label) Text(lang Lang) string {
	if lang == English && l.EN != "" {
		return l.EN
	}
	if l.FR != "" {
		return l.FR
	}
	return l.ID
}

// phrases returns the folded word sequences that name l: its id, its
// labels (inclusive forms "Directeur·rice" read as the masculine and the
// bare word), the acronyms in brackets in its labels, and its aliases.
func (l Label) Phrases() []string {
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		if f := textnorm.Fold(s); f != "" && !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	add(strings.ReplaceAll(l.ID, "_", " "))
	for _, s := range []string{l.FR, l.EN} {
		add(s)
		add(dropInclusive(s))
		if i, j := strings.IndexByte(s, '('), strings.IndexByte(s, ')'); i >= 0 && j > i {
			add(s[i+1 : j])
			add(dropInclusive(s[:i]))
		}
	}
	for _, a := range l.Aliases {
		add(a)
	}
	return out
}

// HighlightSettings configure the congress content features.
type HighlightSettings struct {
	// Topics are the configured interests, in order: the topics members
	// follow and sessions are tagged with.
	Topics []HighlightTopic
	// ReminderBefore is how long before a session registered members are
	// reminded of it (default 15 minutes).
	ReminderBefore time.Duration
	// Channel is where published highlights are posted; an empty ID means
	// no channel.
	Channel Conversation
	// RefreshEvery bounds how stale the highlights published on another
	// replica may be (default 30 seconds).
	RefreshEvery time.Duration
}

// HighlightTopic is one interest: its id and labels.
type HighlightTopic struct {
	ID, FR, EN string
}

// Label returns the topic's label in lang.
func (t HighlightTopic) Label(lang Lang) string {
	return Label{ID: t.ID, FR: t.FR, EN: t.EN}.Text(lang)
}

// ContentLoader loads the congress content again (admin command « recharger
// contenu », SIGHUP). It returns content.Problems for a broken file.
type ContentLoader func(ctx context.Context) (*content.Set, error)

// MatchSettings configure the introductions (config "matching").
type MatchSettings struct {
	// Rules score pairs and plan rounds (zero: matching.DefaultRules).
	Rules matching.Rules
	// FollowupAfter is how long after a round the follow-up asks whether
	// the members met (default 7 days).
	FollowupAfter time.Duration
	// PauseAfterIgnored pauses a member who ignored that many rounds in a
	// row (0: never).
	PauseAfterIgnored int
}

// WorkingHours is the right to disconnect: when the bot may write first.
type WorkingHours struct {
	Days       []time.Weekday
	Start, End int // minutes since midnight, Start < End <= 1440
	// Location applies to members whose time zone is unknown.
	Location *time.Location
}

// RateLimit bounds how many messages one member may address to the bot: a
// token bucket per member, refilled at PerMinute tokens a minute up to
// Burst. A member over the limit gets one polite notice, then their
// messages are dropped (counted, never handled) until the bucket is full
// again. The limit protects the other members: a flood from one is
// dropped before it costs a store call. Each replica keeps its own
// buckets (a member's events mostly reach one replica).
type RateLimit struct {
	// PerMinute is the sustained rate; 0 disables the limit.
	PerMinute int
	// Burst is how many messages may come at once (at least 1).
	Burst int
}

// Job is one recurring job of the configuration (schedules[i]).
type Job struct {
	// Name identifies the job; its last slot is stored under it.
	Name string
	// Kind selects the jobFunc in the registry (JobKinds).
	Kind string
	// Schedule designates the slots.
	Schedule schedule.Schedule
	// Announcement is set for kind "announcement".
	Announcement *Announcement
	// Channel is the organizers' channel of kind "summary".
	Channel *Conversation
}

// Announcement is a recurring message written by the administrators.
type Announcement struct {
	// Channel, when set, receives the announcement (in the default
	// language); otherwise the opted-in members matching Members do (each
	// in their language).
	Channel *Conversation
	Members MemberFilter
	// Text per language; the default language's is required.
	Text map[Lang]string
	// Urgent announcements ignore working hours.
	Urgent bool
}

// MemberFilter keeps the members matching one entry of each non-empty list.
type MemberFilter struct {
	Roles     []string // Member.Role ids
	Regions   []string // Collectivity.Region INSEE codes
	Interests []string // Member.Interests ids
}

// Matches reports whether m passes the filter.
func (f MemberFilter) Matches(m Member) bool {
	if len(f.Roles) > 0 && !slices.Contains(f.Roles, m.Role) {
		return false
	}
	if len(f.Regions) > 0 && (m.Collectivity == nil || !slices.Contains(f.Regions, m.Collectivity.Region)) {
		return false
	}
	if len(f.Interests) > 0 && !slices.ContainsFunc(m.Interests, func(i string) bool { return slices.Contains(f.Interests, i) }) {
		return false
	}
	return true
}

// JobRun is one run of a job: its slot and its configuration.
type JobRun struct {
	Name string
	Slot time.Time
	Job  Job
}

// dropInclusive removes the inclusive endings "·rice", "·e": "Directeur·rice
// général·e" gives "Directeur général".
func dropInclusive(s string) string {
	var b strings.Builder
	skip := false
	for _, r := range s {
		switch {
		case r == '·' || r == '•':
			skip = true
		case skip && (r == ' ' || r == ')' || r == '(' || r == ','):
			skip = false
			b.WriteRune(r)
		case !skip:
			b.WriteRune(r)
		}
	}
	return b.String()
}

const (
	// batchLease: a batch claim not extended for this long is free again
	// (its replica died); extended before each send. The default of
	// BroadcastSettings.BatchLease.
	batchLease = 2 * time.Minute
)

const (
	// reconcileAfter: a "sending" recipient younger than this is left
	// alone (its post may still be in flight on another replica). The
	// default of BroadcastSettings.ReconcileAfter.
	reconcileAfter = 30 * time.Second
)
