package outbox

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/internal/schedule"
	"github.com/sndgct/maillage/internal/territory"
)

// Delivery is a message the bot writes first to a member.
type Delivery struct {
	To    bot.UserRef
	Reply bot.Reply
	// Urgent messages, and those the member asked for, ignore working
	// hours; the others wait for the member's next working window.
	Urgent bool
	// Key makes the delivery idempotent across replicas and retries: one
	// message per key, ever (within deliveryMemory). Build it from what
	// identifies the effect, e.g. deliveryKey(run, member) for a job.
	Key string
	// Consent is what the member must still want when the message is
	// sent, now or once held (empty: nothing checked).
	Consent bot.Consent
}

// deliveryMemory is how long a delivery key is remembered: longer than any
// hold (a long weekend) plus the scheduler's grace.
const DeliveryMemory = 15 * 24 * time.Hour

// pendingGiveUp is how long an overdue pending message is retried before
// it is dropped (the member left the workspace, the bot was removed...).
const PendingGiveUp = 24 * time.Hour

// DeliveryKey identifies a job's effect on one member without holding the
// member's id (keys outlive an erasure until they expire).
func (b *Outbox) DeliveryKey(run bot.JobRun, to bot.UserRef) string {
	return run.Name + "|" + strconv.FormatInt(run.Slot.UnixMilli(), 10) + "|" + b.RefHash(to)
}

// RefHash stands for a member in store keys: a keyed hash under the
// deployment's secret (Options.Keys), which nobody can recompute from the
// member's id without the secret.
func (b *Outbox) RefHash(u bot.UserRef) string { return b.keys.Ref(u) }

// sendToMember writes first to a member, respecting their working hours:
// the message waits for the next working window if need be. Every feature
// that writes first goes through it (or deliver, with an idempotency key).
func (b *Outbox) SendToMember(ctx context.Context, ref bot.UserRef, reply bot.Reply) error {
	now := b.Clock.Now()
	sum := sha256.Sum256([]byte(ref.Key() + "\x00" + reply.Text + "\x00" + strconv.FormatInt(now.UnixNano(), 10)))
	return b.Deliver(ctx, Delivery{To: ref, Reply: reply, Key: "member|" + hex.EncodeToString(sum[:])})
}

// deliver sends d now if it is urgent or the member is within working
// hours, else stores it to be sent when their next window opens. It does
// nothing for a key already delivered (or being delivered elsewhere).
func (b *Outbox) Deliver(ctx context.Context, d Delivery) error {
	return b.DeliverIn(ctx, d, nil)
}

// deliverIn is deliver for a caller that knows the member's zone already
// (nil: look the member up).
func (b *Outbox) DeliverIn(ctx context.Context, d Delivery, loc *time.Location) error {
	if err := d.To.Valid(); err != nil {
		return fmt.Errorf("deliver: %w", err)
	}
	if d.Key == "" {
		return errors.New("deliver: no idempotency key")
	}
	now := b.Clock.Now()
	if !d.Urgent {
		if open := b.NextWindow(ctx, d.To, loc, now); open.After(now) {
			_, err := b.Store.SavePending(ctx, bot.Pending{
				Key: "held:" + d.Key, To: d.To, Kind: bot.PendingHeld, Due: open, Reply: d.Reply, Created: now, Consent: d.Consent,
			})
			if err != nil {
				return fmt.Errorf("holding a delivery: %w", err)
			}
			b.Log.Debug("delivery held until working hours", "member", b.Pseudonym(d.To), "until", open)
			return nil
		}
	}
	if ok, err := b.consents(ctx, d.To, d.Consent, now); err != nil || !ok {
		return err
	}
	_, err := b.sendOnce(ctx, d.To, d.Reply, d.Key)
	return err
}

// consents re-reads the member just before a message is sent to them and
// reports whether they still want it (c); a message they no longer want
// is logged as dropped. A store error is returned (the caller retries).
func (b *Outbox) consents(ctx context.Context, to bot.UserRef, c bot.Consent, now time.Time) (bool, error) {
	if c == "" {
		return true, nil
	}
	reason := ""
	if check, ok := b.checks[c]; ok {
		r, err := check(ctx, to)
		if err != nil {
			return false, fmt.Errorf("checking consent before sending: %w", err)
		}
		reason = r
	} else {
		r, err := b.memberConsent(ctx, to, c, now)
		if err != nil {
			return false, err
		}
		reason = r
	}
	if reason == "" {
		return true, nil
	}
	b.Log.Info("message dropped at send time: the member no longer wants it", "member", b.Pseudonym(to),
		"consent", string(c), "reason", reason)
	return false, nil
}

// ConsentCheck tells whether a member still wants what a consent names:
// "" when they do, else why not (a word for the logs).
type ConsentCheck func(ctx context.Context, to bot.UserRef) (reason string, err error)

// CheckConsent declares how consent c is checked at send time (a feature's
// own consent, such as still following what a digest is about).
func (b *Outbox) CheckConsent(c bot.Consent, check ConsentCheck) { b.checks[c] = check }

// memberConsent checks the consents the member record holds.
func (b *Outbox) memberConsent(ctx context.Context, to bot.UserRef, c bot.Consent, now time.Time) (string, error) {
	m, err := b.Store.Member(ctx, to)
	reason := ""
	switch {
	case errors.Is(err, bot.ErrNotFound):
		reason = "erased"
	case err != nil:
		return "", fmt.Errorf("reading the member before sending: %w", err)
	case c == bot.ConsentIntroductions && m.OptedIn.IsZero():
		reason = "opted_out"
	case c == bot.ConsentIntroductions && now.Before(m.PausedUntil):
		reason = "paused"
	}
	return reason, nil
}

// nextWindow returns when the bot may next write to the member: now when
// within their working hours (or when none are set). loc is the member's
// zone, or nil to look it up.
func (b *Outbox) NextWindow(ctx context.Context, ref bot.UserRef, loc *time.Location, now time.Time) time.Time {
	wh := b.Settings.WorkingHours
	w := schedule.NewWindow(wh.Days, wh.Start, wh.End)
	if w.IsZero() {
		return now
	}
	if loc == nil {
		loc = wh.Location
		if m, err := b.Store.Member(ctx, ref); err == nil {
			loc = b.MemberLocation(m)
		}
	}
	if loc == nil {
		loc = time.UTC
	}
	return w.NextOpen(now, loc)
}

// Where a member's zone comes from (MemberZone).
const (
	ZoneFromMember       = "member"       // the platform profile, or the member's choice
	ZoneFromCollectivity = "collectivity" // an overseas collectivity
	ZoneFromSettings     = "settings"     // working_hours.timezone, else the bot's zone
)

// MemberLocation is the member's own zone: the one their platform profile
// gave or they chose, else that of their collectivity when it lies
// overseas (La Réunion, the Antilles, the Pacific...), else the
// working-hours zone, else the bot's.
func (b *Outbox) MemberLocation(m bot.Member) *time.Location {
	loc, _ := b.MemberZone(m)
	return loc
}

// MemberZone is MemberLocation and where it comes from (ZoneFrom...).
func (b *Outbox) MemberZone(m bot.Member) (*time.Location, string) {
	if loc := b.Location(m.TimeZone); loc != nil {
		return loc, ZoneFromMember
	}
	if c := m.Collectivity; c != nil {
		if loc := b.Location(territory.TimeZone(c.Departement)); loc != nil {
			return loc, ZoneFromCollectivity
		}
	}
	if b.Settings.WorkingHours.Location != nil {
		return b.Settings.WorkingHours.Location, ZoneFromSettings
	}
	if b.Settings.Location != nil {
		return b.Settings.Location, ZoneFromSettings
	}
	return time.UTC, ZoneFromSettings
}

// Location loads an IANA zone once (a round looks up thousands of
// members); nil for "" or an unknown name.
func (b *Outbox) Location(name string) *time.Location {
	if name == "" {
		return nil
	}
	if v, ok := b.zones.Load(name); ok {
		return v.(*time.Location)
	}
	loc, err := time.LoadLocation(name)
	if err != nil || name == "Local" {
		loc = nil
	}
	b.zones.Store(name, loc)
	return loc
}

// memberLang is the member's language, or the default.
func (b *Outbox) MemberLang(m bot.Member) bot.Lang {
	if m.Language != "" {
		return m.Language
	}
	return b.Settings.DefaultLang
}

// sendOnce sends reply to the member's direct conversation unless key was
// delivered already; it reports whether it sent. A failed send frees the
// key so that a retry may send.
func (b *Outbox) sendOnce(ctx context.Context, to bot.UserRef, reply bot.Reply, key string) (bool, error) {
	claim := "delivery:" + key
	token := b.ClaimToken()
	got, err := b.Store.Claim(ctx, claim, token, DeliveryMemory)
	if err != nil {
		return false, fmt.Errorf("claiming a delivery: %w", err)
	}
	if !got {
		return false, nil
	}
	if err := b.SendDirect(ctx, to, reply); err != nil {
		if rerr := b.Store.ReleaseClaim(context.WithoutCancel(ctx), claim, token); rerr != nil {
			b.Log.Warn("releasing a delivery claim", "member", b.Pseudonym(to), "err", rerr)
		}
		return false, err
	}
	return true, nil
}

// sendDirect writes to the member's direct conversation.
func (b *Outbox) SendDirect(ctx context.Context, to bot.UserRef, reply bot.Reply) error {
	a, ok := b.Adapters[to.Platform]
	if !ok {
		return fmt.Errorf("no %s adapter to write to a member", to.Platform)
	}
	opener, ok := a.(bot.DirectOpener)
	if !ok {
		return fmt.Errorf("the %s adapter cannot open a direct conversation", to.Platform)
	}
	// Once more when the cached conversation turns out to be gone.
	for retried := false; ; retried = true {
		conv, err := opener.OpenDirect(ctx, to)
		if err != nil {
			return fmt.Errorf("opening a direct conversation: %w", err)
		}
		sent, err := b.Post(ctx, a, conv, reply)
		if err == nil {
			return nil
		}
		if retried || !b.ForgetGoneDirect(ctx, a, to, sent, err) {
			return fmt.Errorf("sending to a member: %w", err)
		}
	}
}

// flushPending sends the pending messages that are due: held deliveries
// whose window has opened and reminders whose time has come.
func (b *Outbox) flushPending(ctx context.Context, now time.Time) {
	due, err := b.Store.DuePending(ctx, now, pendingBatch)
	if err != nil {
		if ctx.Err() == nil {
			b.Log.Error("reading due messages", "err", err)
		}
		return
	}
	for _, p := range due {
		if ctx.Err() != nil {
			return
		}
		b.sendPending(ctx, p, now)
	}
}

func (b *Outbox) sendPending(ctx context.Context, p bot.Pending, now time.Time) {
	if send, ok := b.senders[p.Kind]; ok {
		send(ctx, p, now) // a kind a feature sends its own way
		return
	}
	reply := p.Reply
	if build, ok := b.replies[p.Kind]; ok {
		reply = build(ctx, p)
	}
	// A held delivery keeps the key it would have had if sent at once.
	key := strings.TrimPrefix(p.Key, "held:")
	wanted, err := b.consents(ctx, p.To, p.Consent, now)
	sent := false
	if err == nil && wanted {
		sent, err = b.sendOnce(ctx, p.To, reply, key)
	}
	overdue := now.Sub(p.Due)
	switch {
	case err == nil && !wanted: // dropped: deleted below
	case err != nil && overdue < PendingGiveUp:
		b.Log.Warn("sending a due message; will retry", "member", b.Pseudonym(p.To), "kind", string(p.Kind), "err", err)
		return
	case err != nil:
		b.Log.Error("giving up a message undeliverable for a day", "member", b.Pseudonym(p.To), "kind", string(p.Kind), "err", err)
	case !sent && overdue < 10*time.Minute:
		return // being sent by another replica, which deletes it
	}
	if err := b.Store.DeletePending(ctx, p.Key); err != nil && !errors.Is(err, bot.ErrNotFound) {
		b.Log.Error("deleting a sent message", "member", b.Pseudonym(p.To), "err", err)
	}
}
