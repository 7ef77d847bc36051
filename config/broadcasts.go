package config

import "time"

// Broadcasts tunes the organizers' broadcasts: when a second organizer must
// approve, and how fast each platform may be called (per workspace, all
// replicas together).
type Broadcasts struct {
	// ApprovalThreshold: a broadcast to more recipients waits for a
	// second organizer's approval.
	ApprovalThreshold int `yaml:"approval_threshold"`
	// BatchSize is how many recipients a replica claims at a time.
	BatchSize int `yaml:"batch_size"`
	// MaxAttempts bounds the attempts at a recipient after transient
	// failures (a 429 is not a failure: it is waited for).
	MaxAttempts int `yaml:"max_attempts"`
	// BatchLease is how long a replica holds a batch without extending
	// its claim; a batch of a replica that died is taken over after it.
	BatchLease Duration `yaml:"batch_lease"`
	// ReconcileAfter is how long a post recorded "sending" may still be
	// in flight; after it, a replica that finds it settles it (sent, or
	// pending again when the platform can tell, else "unknown").
	ReconcileAfter Duration         `yaml:"reconcile_after"`
	Pace           BroadcastsPacing `yaml:"pace"`
}

// BroadcastsPacing is the pace per platform.
type BroadcastsPacing struct {
	Slack      Pace `yaml:"slack"`
	Mattermost Pace `yaml:"mattermost"`
	Matrix     Pace `yaml:"matrix"`
	// Terminal paces the terminal adapter (no limit by default); the
	// fault tests use it to let a broadcast last a few seconds.
	Terminal Pace `yaml:"terminal"`
}

// Pace bounds the calls a broadcast makes to a platform. A zero rate is no
// limit.
type Pace struct {
	// PostsPerMinute and PostBurst: messages posted.
	PostsPerMinute int `yaml:"posts_per_minute"`
	PostBurst      int `yaml:"post_burst"`
	// OpensPerMinute and OpenBurst: direct conversations opened; 0 = they
	// count against the posts' budget (Mattermost's single API limit).
	OpensPerMinute int `yaml:"opens_per_minute"`
	OpenBurst      int `yaml:"open_burst"`
}

func defaultBroadcasts() Broadcasts {
	return Broadcasts{
		ApprovalThreshold: 500,
		BatchSize:         50,
		MaxAttempts:       3,
		BatchLease:        Duration(2 * time.Minute),
		ReconcileAfter:    Duration(30 * time.Second),
		Pace: BroadcastsPacing{
			// Slack: chat.postMessage, several hundred a minute per
			// workspace; conversations.open, tier 3 (50 a minute).
			Slack: Pace{PostsPerMinute: 240, PostBurst: 10, OpensPerMinute: 50, OpenBurst: 5},
			// Mattermost: the server's rate limit, when enabled, counts
			// every API call (10 a second, a burst of 100 by default).
			Mattermost: Pace{PostsPerMinute: 600, PostBurst: 50},
			// Matrix: homeservers limit each account's messages (Synapse:
			// about 10 a second, Tchap less); opening a direct room is a
			// creation and an invitation, about one a second on Tchap.
			Matrix: Pace{PostsPerMinute: 120, PostBurst: 10, OpensPerMinute: 30, OpenBurst: 3},
		},
	}
}

func (c *Config) validateBroadcasts(ch *checker) {
	b := c.Broadcasts
	ch.rangeInt("broadcasts.approval_threshold", b.ApprovalThreshold, 1, 10_000_000)
	ch.rangeInt("broadcasts.batch_size", b.BatchSize, 1, 1000)
	ch.rangeInt("broadcasts.max_attempts", b.MaxAttempts, 1, 20)
	ch.rangeDuration("broadcasts.batch_lease", b.BatchLease, time.Second, time.Hour)
	ch.rangeDuration("broadcasts.reconcile_after", b.ReconcileAfter, time.Second, time.Hour)
	for _, pp := range []struct {
		name string
		p    Pace
	}{{"slack", b.Pace.Slack}, {"mattermost", b.Pace.Mattermost}, {"matrix", b.Pace.Matrix}, {"terminal", b.Pace.Terminal}} {
		p, path := pp.p, "broadcasts.pace."+pp.name
		ch.rangeInt(path+".posts_per_minute", p.PostsPerMinute, 0, 60000)
		ch.rangeInt(path+".opens_per_minute", p.OpensPerMinute, 0, 60000)
		lo := 0
		if p.PostsPerMinute > 0 {
			lo = 1
		}
		ch.rangeInt(path+".post_burst", p.PostBurst, lo, 10000)
		lo = 0
		if p.OpensPerMinute > 0 {
			lo = 1
		}
		ch.rangeInt(path+".open_burst", p.OpenBurst, lo, 10000)
	}
}
