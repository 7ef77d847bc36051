package core_test

import (
	"strings"
	"testing"
	"time"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/bottest"
	"github.com/sndgct/maillage/bot/core"
	"github.com/sndgct/maillage/bot/outbox"
	"github.com/sndgct/maillage/internal/fakeclock"
)

// An introduction held outside working hours is re-checked when its window
// opens: dropped (and its pending record deleted) for a member who has
// since left introductions, paused them or been erased; sent to one who
// still wants it. Without consent asked, a held message is sent as before.
func TestHeldMessageCheckedForConsentAtSendTime(t *testing.T) {
	// Saturday 28 November 2026, 10:00 in Paris: held until Monday 9:00.
	clock := fakeclock.New(time.Date(2026, 11, 28, 10, 0, 0, 0, bottest.Paris))
	store := bottest.OpenBoltClock(t, clock)
	chat := &bottest.Outbox{}
	b, err := bottest.New(bot.Settings{Location: bottest.Paris,
		WorkingHours: bot.WorkingHours{Days: bottest.Weekdays, Start: 9 * 60, End: 18 * 60, Location: bottest.Paris}},
		store, []bot.ChatAdapter{chat}, core.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	members := map[string]func(*bot.Member){
		"stays":     func(*bot.Member) {},
		"leaves":    func(m *bot.Member) { m.OptedIn = time.Time{} },
		"pauses":    func(m *bot.Member) { m.PausedUntil = clock.Now().AddDate(0, 0, 14) },
		"is-erased": nil,
		"no-check":  func(m *bot.Member) { m.OptedIn = time.Time{} },
	}
	for id := range members {
		bottest.SaveMember(t, store, bot.Member{Ref: bottest.User(id), Role: "dgs", Onboarded: clock.Now(), OptedIn: clock.Now()})
		c := bot.ConsentIntroductions
		if id == "no-check" {
			c = ""
		}
		if err := b.Outbox.Deliver(ctx, outbox.Delivery{To: bottest.User(id), Reply: bot.Reply{Text: "Présentation pour " + id},
			Key: "test-intro|" + id, Consent: c}); err != nil {
			t.Fatal(err)
		}
	}
	if got := chat.Take(); len(got) != 0 {
		t.Fatalf("sent on a Saturday: %+v", got)
	}
	// What the members do over the weekend.
	for id, change := range members {
		ref := bottest.User(id)
		if change == nil {
			if err := store.DeleteMember(ctx, ref); err != nil { // erased, the held message read already
				t.Fatal(err)
			}
			continue
		}
		m, err := store.Member(ctx, ref)
		if err != nil {
			t.Fatal(err)
		}
		change(&m)
		if err := store.SaveMember(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	clock.Set(time.Date(2026, 11, 30, 9, 1, 0, 0, bottest.Paris))
	b.Outbox.Flush(ctx, clock.Now())
	var sent []string
	for _, s := range chat.Take() {
		sent = append(sent, s.Reply.Text)
	}
	if strings.Join(sent, "|") != "Présentation pour no-check|Présentation pour stays" &&
		strings.Join(sent, "|") != "Présentation pour stays|Présentation pour no-check" {
		t.Errorf("sent on Monday: %q, want only the introductions of stays and no-check", sent)
	}
	due, err := store.DuePending(ctx, clock.Now().Add(time.Hour), 100)
	if err != nil || len(due) != 0 {
		t.Errorf("pending after the flush: %+v (%v), want none (the dropped ones deleted)", due, err)
	}
}
