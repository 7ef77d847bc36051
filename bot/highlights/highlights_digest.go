package highlights

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/congress"
	"github.com/sndgct/maillage/bot/core"
	"github.com/sndgct/maillage/bot/outbox"
	"github.com/sndgct/maillage/internal/content"
)

// HighlightsDigestJob is the scheduler job kind that runs runDigest (weekly).
const HighlightsDigestJob = "digest"

// jobDigest runs one slot of a digest schedule (kind "digest").
func (b *Feature) jobDigest(ctx context.Context, run bot.JobRun) error {
	return b.runDigest(ctx, run.Slot)
}

// digestItem is one new highlight for a member's digest.
type digestItem struct {
	event     *content.Event
	session   *content.Session
	highlight *content.Highlight
}

// runDigest sends each member who follows something the highlights
// published since their last digest (and at the latest at slot) on what
// they follow. Nothing is sent to a member with nothing new. It is
// idempotent per (slot, member): a member whose digest for slot (or a
// later one) went out is skipped, and a store record taken before sending
// makes sure that two replicas never both send it. A digest that fails to
// send is not retried for this slot; its highlights stay new and go in the
// next one. It returns the joined errors of the members it could not serve.
func (b *Feature) runDigest(ctx context.Context, slot time.Time) error {
	b.Core.Congress.RefreshContent()
	snap := b.Core.Congress.Content(ctx)
	var subs []bot.HighlightFollows
	if err := b.store.EachHighlightFollows(ctx, func(s bot.HighlightFollows) error { subs = append(subs, s); return nil }); err != nil {
		return fmt.Errorf("digest: list subscriptions: %w", err)
	}
	var errs []error
	sent := 0
	for _, sub := range subs {
		if len(sub.Topics) == 0 && len(sub.Sessions) == 0 || !sub.LastDigest.Before(slot) {
			continue
		}
		items := newHighlights(snap, sub, slot)
		if len(items) == 0 {
			continue
		}
		// A keyed hash stands for the member: the key outlives an erasure.
		key := "hl-digest:" + slot.UTC().Format(time.RFC3339) + ":" + b.Core.Outbox.RefHash(sub.Member)
		first, err := b.store.FirstSeen(ctx, key, 40*24*time.Hour)
		if err != nil {
			errs = append(errs, fmt.Errorf("digest for %s: %w", b.Core.Pseudonym(sub.Member), err))
			continue
		}
		if !first {
			continue
		}
		r := b.Core.Printer(b.followerLang(ctx, sub))
		// Held for the member's working hours by the outbox if need be.
		if err := b.Core.Outbox.Deliver(ctx, outbox.Delivery{To: sub.Member, Reply: b.digestReply(r, items), Key: key, Consent: consentDigest}); err != nil {
			b.Log.Error("sending a digest", "member", b.Core.Pseudonym(sub.Member), "err", err)
			errs = append(errs, fmt.Errorf("digest for %s: %w", b.Core.Pseudonym(sub.Member), err))
			continue
		}
		if err := b.markSubscription(ctx, sub.Member, func(s *bot.HighlightFollows) {
			s.DigestCursor, s.LastDigest = slot, slot
		}); err != nil {
			errs = append(errs, fmt.Errorf("digest for %s: %w", b.Core.Pseudonym(sub.Member), err))
		}
		sent++
	}
	b.Log.Info("highlights digest", "slot", slot, "members", len(subs), "sent", sent, "errors", len(errs))
	return errors.Join(errs...)
}

// markSubscription applies change to the member's current record (read
// again, so that a follow made meanwhile is kept) and stores it.
func (b *Feature) markSubscription(ctx context.Context, ref bot.UserRef, change func(*bot.HighlightFollows)) error {
	sub, err := b.store.HighlightFollows(ctx, ref)
	if errors.Is(err, bot.ErrNotFound) {
		return nil // erased meanwhile: nothing to keep
	}
	if err != nil {
		return err
	}
	change(&sub)
	return b.store.SaveHighlightFollows(ctx, sub)
}

// newHighlights returns the highlights published in (sub.DigestCursor,
// slot] on the sessions and topics sub follows, in programme order.
func newHighlights(snap *congress.Snapshot, sub bot.HighlightFollows, slot time.Time) []digestItem {
	var items []digestItem
	for _, ev := range snap.Set.Events {
		for _, s := range ev.Sessions {
			followed := slices.Contains(sub.Sessions, congress.SessionKey(ev, s)) ||
				slices.ContainsFunc(s.Topics, func(t string) bool { return slices.Contains(sub.Topics, t) })
			if !followed {
				continue
			}
			for _, h := range s.Highlights {
				p := h.PublishedAt()
				if !p.IsZero() && p.After(sub.DigestCursor) && !p.After(slot) {
					items = append(items, digestItem{event: ev, session: s, highlight: h})
				}
			}
		}
	}
	return items
}

// followerLang is the language to write first to a member in.
func (b *Feature) followerLang(ctx context.Context, sub bot.HighlightFollows) bot.Lang {
	if m, err := b.store.Member(ctx, sub.Member); err == nil && m.Language != "" {
		return m.Language
	}
	if sub.Lang != "" {
		return sub.Lang
	}
	return b.Settings.DefaultLang
}

func (b *Feature) digestReply(r core.Printer, items []digestItem) bot.Reply {
	lines := []string{r.T("highlights.digest_header", "count", strconv.Itoa(len(items)))}
	var last *content.Session
	for _, it := range items {
		if it.session != last {
			last = it.session
			lines = append(lines, "", r.T("highlights.digest_session", "event", it.event.Name,
				"number", strconv.Itoa(it.session.Number), "title", it.session.Title))
		}
		lines = append(lines, b.highlightLines(r, it.highlight)...)
	}
	lines = append(lines, "", r.T("highlights.digest_footer"))
	return bot.Reply{Text: strings.Join(lines, "\n")}
}

// consentDigest: a digest held for the member's working hours is sent only
// if they still follow something then.
const consentDigest bot.Consent = "highlights-digest"

// stillFollows is the check of consentDigest.
func (b *Feature) stillFollows(ctx context.Context, ref bot.UserRef) (string, error) {
	sub, err := b.store.HighlightFollows(ctx, ref)
	switch {
	case errors.Is(err, bot.ErrNotFound):
		return "unfollowed", nil
	case err != nil:
		return "", err
	case len(sub.Topics) == 0 && len(sub.Sessions) == 0:
		return "unfollowed", nil
	}
	return "", nil
}
