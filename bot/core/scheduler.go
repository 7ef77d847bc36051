package core

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"maps"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/outbox"
)

// jobFunc runs one slot of a job. Its effects must be idempotent per
// (job, slot, recipient): after a crash another replica may run the slot
// again. deliver with a Key built by deliveryKey does that.
type JobFunc func(ctx context.Context, run bot.JobRun) error

// Scheduler tuning.
const (
	// jobLease is how long a job's claim lasts without being extended; a
	// running job's claim is extended at every tick.
	jobLease = 2 * time.Minute
	// maxTickWait bounds the scheduler's sleep between ticks, so that due
	// pending messages go out within seconds.
	maxTickWait = 5 * time.Second
	// defaultGrace applies when Settings.Grace is not positive.
	defaultGrace = time.Hour
)

// runner is the scheduler state of one replica.
type runner struct {
	mu      sync.Mutex
	running map[string]time.Time // job name -> slot, for the jobs this replica runs
	wg      sync.WaitGroup
	tokens  atomic.Int64
}

// claimToken is a claim owner unique to one attempt, also across restarts
// of a replica that keeps its name (a container's host name and PID 1): a
// delivery claim must never be "extended" by a second attempt.
func (b *Bot) ClaimToken() string {
	return b.Replica + "#" + strconv.FormatInt(b.started.UnixNano(), 36) + "." + strconv.FormatInt(b.sched.tokens.Add(1), 36)
}

// defaultReplica names this replica when Options.Replica is empty: unique
// within the process, and in practice among processes started apart.
func defaultReplica(now time.Time) string {
	return "replica-" + strconv.FormatInt(now.UnixNano(), 36) + "-" + strings.ToLower(rand.Text()[:8])
}

func (b jobRunner) checkJobs() error {
	reg := b.reg.jobs
	seen := map[string]bool{}
	for _, j := range b.Settings.Jobs {
		switch {
		case j.Name == "":
			return errors.New("bot: a job has no name")
		case seen[j.Name]:
			return fmt.Errorf("bot: two jobs named %q", j.Name)
		case reg[j.Kind] == nil:
			return fmt.Errorf("bot: job %q: kind %q is not available in this version (available: %v)", j.Name, j.Kind, slices.Sorted(maps.Keys(reg)))
		case j.Schedule.IsZero():
			return fmt.Errorf("bot: job %q has no schedule", j.Name)
		case j.Kind == "announcement" && (j.Announcement == nil || j.Announcement.Text[b.Settings.DefaultLang] == ""):
			return fmt.Errorf("bot: job %q: an announcement needs a text in %s", j.Name, b.Settings.DefaultLang)
		case j.Kind == "summary" && j.Channel == nil:
			return fmt.Errorf("bot: job %q: a summary needs the organizers' channel", j.Name)
		}
		seen[j.Name] = true
	}
	return nil
}

// RunScheduler ticks until ctx ends, waking at the next slot or every few
// seconds at most, then waits for the jobs it started. Every replica runs
// it: claims in the store make each slot run once.
func (b *Bot) RunScheduler(ctx context.Context) error {
	defer b.WaitJobs()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		}
		b.Tick(ctx)
		timer.Reset(b.jobs().nextWake(b.Clock.Now()))
	}
}

// nextWake returns how long to sleep: until just after the next slot, at
// most maxTickWait.
func (b jobRunner) nextWake(now time.Time) time.Duration {
	wait := maxTickWait
	for _, j := range b.Settings.Jobs {
		if next := j.Schedule.Next(now); !next.IsZero() {
			wait = min(wait, next.Sub(now)+10*time.Millisecond)
		}
	}
	return max(wait, 10*time.Millisecond)
}

// WaitJobs waits for the jobs this replica has started.
func (b *Bot) WaitJobs() { b.sched.wg.Wait() }

// Tick does the scheduler's work due at the clock's now: it extends the
// claims of the jobs running here, starts the due slots this replica
// claims (each in its own goroutine; WaitJobs waits for them), and sends
// the pending messages that are due. Tests call it after advancing a fake
// clock; RunScheduler calls it in production.
func (b *Bot) Tick(ctx context.Context) {
	now := b.Clock.Now()
	b.jobs().extendLeases(ctx)
	for _, j := range b.Settings.Jobs {
		if err := b.jobs().tickJob(ctx, j, now); err != nil {
			if ctx.Err() != nil {
				return // shutting down: the next start takes the slot up again
			}
			b.Log.Error("scheduling a job", "job", j.Name, "err", err)
		}
	}
	b.Outbox.Flush(ctx, now)
	for _, tick := range b.reg.tickers {
		tick(ctx, now)
	}
}

func jobClaimKey(name string) string { return "job:" + name }

func (b jobRunner) extendLeases(ctx context.Context) {
	b.sched.mu.Lock()
	names := slices.Collect(maps.Keys(b.sched.running))
	b.sched.mu.Unlock()
	for _, name := range names {
		if ok, err := b.Store.Claim(ctx, jobClaimKey(name), b.Replica, jobLease); err != nil || !ok {
			b.Log.Warn("could not extend a running job's claim", "job", name, "held", ok, "err", err)
		}
	}
}

func (b jobRunner) runningHere(name string) bool {
	b.sched.mu.Lock()
	defer b.sched.mu.Unlock()
	_, ok := b.sched.running[name]
	return ok
}

// tickJob starts j's latest slot if it is due, not run yet, young enough,
// and this replica wins the job's claim.
func (b jobRunner) tickJob(ctx context.Context, j bot.Job, now time.Time) error {
	latest := j.Schedule.Latest(now)
	if latest.IsZero() {
		return nil
	}
	last, err := b.Store.LastSlot(ctx, j.Name)
	switch {
	case errors.Is(err, bot.ErrNotFound):
		// A new job starts with its next slot: what came before it
		// existed was not missed.
		b.Log.Info("new scheduled job", "job", j.Name, "kind", j.Kind, "next", j.Schedule.Next(now))
		return b.Store.SetLastSlot(ctx, j.Name, latest)
	case err != nil:
		return err
	case !latest.After(last) || b.runningHere(j.Name):
		return nil
	}
	if late := now.Sub(latest); late > b.grace() {
		b.logMissed(j, last, latest)
		b.Obs.JobSkipped(j.Name, bot.SkipLate, 1)
		b.Log.Warn("missed slot older than the grace period skipped", "job", j.Name, "slot", latest,
			"late", late.Round(time.Second), "grace", b.grace())
		return b.Store.SetLastSlot(ctx, j.Name, latest)
	}
	got, err := b.Store.Claim(ctx, jobClaimKey(j.Name), b.Replica, jobLease)
	if err != nil || !got {
		return err // another replica runs it (this slot, or the previous one still)
	}
	// Another replica may have run the slot between our read and our claim.
	if last, err := b.Store.LastSlot(ctx, j.Name); err != nil || !latest.After(last) {
		if rerr := b.Store.ReleaseClaim(ctx, jobClaimKey(j.Name), b.Replica); rerr != nil {
			b.Log.Warn("releasing a job claim", "job", j.Name, "err", rerr)
		}
		return err
	}
	b.logMissed(j, last, latest)
	b.sched.mu.Lock()
	b.sched.running[j.Name] = latest
	b.sched.mu.Unlock()
	b.sched.wg.Go(func() { b.runJob(ctx, j, latest) })
	return nil
}

// logMissed logs the slots between last and latest that will never run.
func (b jobRunner) logMissed(j bot.Job, last, latest time.Time) {
	missed, more := j.Schedule.Between(last, latest.Add(-time.Nanosecond), 1000)
	if len(missed) == 0 {
		return
	}
	b.Obs.JobSkipped(j.Name, bot.SkipMissed, len(missed))
	count := strconv.Itoa(len(missed))
	if more {
		count = "more than " + count
	}
	b.Log.Warn("missed slots skipped", "job", j.Name, "count", count, "first", missed[0], "last", missed[len(missed)-1])
}

func (b jobRunner) grace() time.Duration {
	if b.Settings.Grace > 0 {
		return b.Settings.Grace
	}
	return defaultGrace
}

// runJob runs one slot with panic recovery, then records it (and the
// slots that came while it ran, which are skipped) and frees the claim.
func (b jobRunner) runJob(ctx context.Context, j bot.Job, slot time.Time) {
	start := b.Clock.Now()
	err := b.callJob(ctx, j, slot)
	end := b.Clock.Now()
	sctx := context.WithoutCancel(ctx)
	defer func() {
		if err := b.Store.ReleaseClaim(sctx, jobClaimKey(j.Name), b.Replica); err != nil {
			b.Log.Warn("releasing a job claim", "job", j.Name, "err", err)
		}
		b.sched.mu.Lock()
		delete(b.sched.running, j.Name)
		b.sched.mu.Unlock()
	}()
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		// Stopped by a shutdown: the slot is not recorded, so that the
		// next start (within the grace) finishes it; what was already
		// sent is not sent again.
		b.Log.Warn("job interrupted by shutdown; it will resume at next start", "job", j.Name, "slot", slot)
		return
	}
	b.Obs.JobFired(j.Name, err)
	if err != nil {
		b.Log.Error("job failed", "job", j.Name, "kind", j.Kind, "slot", slot, "err", err)
	} else {
		b.Log.Info("job done", "job", j.Name, "kind", j.Kind, "slot", slot, "duration", end.Sub(start))
	}
	record := slot
	if l := j.Schedule.Latest(end); l.After(slot) {
		b.Log.Warn("slots skipped while the job was still running", "job", j.Name, "until", l)
		skipped, _ := j.Schedule.Between(slot, l, 1000)
		b.Obs.JobSkipped(j.Name, bot.SkipOverrun, len(skipped))
		record = l
	}
	if err := b.Store.SetLastSlot(sctx, j.Name, record); err != nil {
		b.Log.Error("recording a job's slot", "job", j.Name, "err", err)
	}
}

// callJob runs the job's function, turning a panic into an error.
func (b jobRunner) callJob(ctx context.Context, j bot.Job, slot time.Time) (err error) {
	defer func() {
		if p := recover(); p != nil {
			b.Obs.Error(bot.ErrorKindPanic)
			b.Log.Error("panic in a job", "job", j.Name, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			err = fmt.Errorf("job %s panicked: %v", j.Name, p)
		}
	}()
	fn := b.reg.jobs[j.Kind]
	if fn == nil {
		return fmt.Errorf("job kind %q is not available", j.Kind)
	}
	return fn(ctx, bot.JobRun{Name: j.Name, Slot: slot, Job: j})
}

func (b *Bot) AnnounceToChannel(ctx context.Context, run bot.JobRun, conv bot.Conversation, text string) error {
	a, ok := b.Adapters[conv.Platform]
	if !ok {
		return fmt.Errorf("no %s adapter for the announcement's channel", conv.Platform)
	}
	key := "delivery:" + run.Name + "|" + strconv.FormatInt(run.Slot.UnixMilli(), 10) + "|channel"
	token := b.ClaimToken()
	got, err := b.Store.Claim(ctx, key, token, outbox.DeliveryMemory)
	if err != nil || !got {
		return err // already sent for this slot
	}
	if _, err := b.Outbox.Post(ctx, a, conv, bot.Reply{Text: text}); err != nil {
		if rerr := b.Store.ReleaseClaim(context.WithoutCancel(ctx), key, token); rerr != nil {
			b.Log.Warn("releasing a delivery claim", "err", rerr)
		}
		return fmt.Errorf("sending to channel: %w", err)
	}
	b.Log.Info("announcement sent to a channel", "job", run.Name, "slot", run.Slot.UTC().Format(time.RFC3339), "platform", string(conv.Platform))
	return nil
}

// purger is a store that keeps expired records until told to remove them.
type purger interface {
	Purge(ctx context.Context) (int, error)
}

// jobPurge removes expired records (claims, seen events, dialogues) from a
// store that keeps them (the embedded one; Redis expires keys itself).
func (b jobRunner) jobPurge(ctx context.Context, run bot.JobRun) error {
	n := 0
	if p, ok := b.Store.(purger); ok {
		var err error
		if n, err = p.Purge(ctx); err != nil {
			return fmt.Errorf("purging expired records: %w", err)
		}
	}
	// The retention period of personal data (privacy.go).
	retained, err := b.PurgeRetention(ctx, run.Slot)
	if err != nil {
		return err
	}
	b.Log.Info("purge done", "job", run.Name, "expired_records", n, "retention_removed", retained)
	return nil
}

// schedulerCommands are the administrators' list of jobs.
func (b jobRunner) schedulerCommands() []*Command {
	return []*Command{{ID: "jobs", Role: bot.RoleAdmin, Run: b.cmdJobs,
		Names: map[bot.Lang][]string{bot.French: {"tâches", "tâches planifiées"}, bot.English: {"jobs", "scheduled jobs"}}}}
}

// cmdJobs shows the administrators each job, its last and next slot.
func (b jobRunner) cmdJobs(ctx context.Context, r *Turn) []bot.Reply {
	if len(b.Settings.Jobs) == 0 {
		return []bot.Reply{r.Reply("jobs.none")}
	}
	now := b.Clock.Now()
	lines := []string{r.T("jobs.header")}
	for _, j := range b.Settings.Jobs {
		last := ""
		switch t, err := b.Store.LastSlot(ctx, j.Name); {
		case err == nil:
			last = b.FormatDateTime(r.Lang, t, b.Settings.Location)
		case !errors.Is(err, bot.ErrNotFound):
			b.Log.Error("reading a job's last slot", "job", j.Name, "err", err)
			return []bot.Reply{r.Reply("error.unavailable")}
		}
		next := r.T("jobs.never")
		if t := j.Schedule.Next(now); !t.IsZero() {
			next = b.FormatDateTime(r.Lang, t, b.Settings.Location)
		}
		state := ""
		if b.runningHere(j.Name) {
			state = " " + r.T("jobs.running")
		}
		// The kind in words ("mise en relation", not "round"); a job that
		// never ran has no last slot to show.
		kind := j.Kind
		if k := "jobs.kind." + j.Kind; b.Cat.Has(string(r.Lang), k) {
			kind = r.T(k)
		}
		if last == "" {
			lines = append(lines, r.T("jobs.line_never_ran", "name", j.Name, "kind", kind, "spec", j.Schedule.String(),
				"next", next)+state)
			continue
		}
		lines = append(lines, r.T("jobs.line", "name", j.Name, "kind", kind, "spec", j.Schedule.String(),
			"last", last, "next", next)+state)
	}
	return []bot.Reply{{Text: strings.Join(lines, "\n")}}
}

// Go runs f in a goroutine that WaitJobs (and so a graceful stop) waits
// for: a feature's long work started from a tick.
func (b *Bot) Go(f func()) { b.sched.wg.Go(f) }

// jobRunner is the core seen as the runner of the configured jobs: it
// claims each slot once among the replicas, runs it, and records it.
type jobRunner struct{ *Bot }

// jobs returns the core's job runner.
func (b *Bot) jobs() jobRunner { return jobRunner{b} }

// RunJobNow runs the registered job of kind once for slot, outside the
// schedule (its run is named "now-<kind>"): what the scheduler would do at
// that slot, for the command line and the tests.
func (b *Bot) RunJobNow(ctx context.Context, kind string, slot time.Time) error {
	f, ok := b.reg.jobs[kind]
	if !ok {
		return fmt.Errorf("no job of kind %q", kind)
	}
	return f(ctx, bot.JobRun{Name: "now-" + kind, Slot: slot, Job: bot.Job{Name: "now-" + kind, Kind: kind}})
}
