package core_test

import (
	"strings"
	"testing"
	"time"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/internal/fakeclock"
)

func (r *replica) say(t *testing.T, u bot.UserRef, text string) string {
	t.Helper()
	r.bot.Handle(t.Context(), bot.Message{From: u, Conversation: dm(u), Text: text})
	var out []string
	for _, s := range r.chat.take() {
		out = append(out, s.reply.Text)
	}
	if len(out) != 1 {
		t.Fatalf("%q: got %d replies %q, want 1", text, len(out), out)
	}
	return out[0]
}

func TestRemindersSetListCancelDeliver(t *testing.T) {
	// Thursday 26 November 2026, 10:00 in Paris.
	clock := fakeclock.New(time.Date(2026, 11, 26, 10, 0, 0, 0, paris))
	store := openBolt(t, clock)
	r := newReplica(t, schedSettings(), store, clock, "a")
	vous := user("vous")

	got := r.say(t, vous, "rappelle-moi le 12 décembre à 14h30 : CODIR")
	if want := fr("reminders.set", "date", "samedi 12 décembre 2026 à 14 h 30", "task", "CODIR", "number", "1"); got != want {
		t.Errorf("set:\n got %q\nwant %q", got, want)
	}
	got = r.say(t, vous, "Rappelle-moi demain à 9h d'appeler Véronique")
	if want := fr("reminders.set", "date", "vendredi 27 novembre 2026 à 9 h", "task", "appeler Véronique", "number", "2"); got != want {
		t.Errorf("set:\n got %q\nwant %q", got, want)
	}
	got = r.say(t, vous, "rappelle-moi dans 2 heures de relire la note")
	if !strings.Contains(got, "jeudi 26 novembre 2026 à 12 h") || !strings.Contains(got, "n° 3") {
		t.Errorf("set in 2 hours: %q", got)
	}
	got = r.say(t, vous, "mes rappels")
	lines := strings.Split(got, "\n")
	if len(lines) != 5 || !strings.Contains(lines[1], "n° 3 : jeudi 26 novembre 2026 à 12 h — relire la note") ||
		!strings.Contains(lines[3], "n° 1 : samedi 12 décembre 2026 à 14 h 30 — CODIR") {
		t.Errorf("list, by date:\n%s", got)
	}
	got = r.say(t, vous, "annuler rappel 2")
	if want := fr("reminders.cancelled", "number", "2", "task", "appeler Véronique", "date", "vendredi 27 novembre 2026 à 9 h"); got != want {
		t.Errorf("cancel:\n got %q\nwant %q", got, want)
	}
	if got := r.say(t, vous, "annuler rappel 2"); got != fr("reminders.cancel_unknown", "number", "2") {
		t.Errorf("cancel again: %q", got)
	}
	if got := r.say(t, vous, "annuler rappel"); got != fr("reminders.cancel_usage") {
		t.Errorf("cancel without a number: %q", got)
	}
	// The freed number is reused.
	if got := r.say(t, vous, "rappelle-moi lundi à 8h de préparer le bureau"); !strings.Contains(got, "n° 2") {
		t.Errorf("number reuse: %q", got)
	}
	// Another member sees none of them.
	if got := r.say(t, user("autre"), "mes rappels"); got != fr("reminders.none") {
		t.Errorf("another member's list: %q", got)
	}

	// Not yet due at 11:59; due at 12:00, within a tick, even after a
	// restart of the bot (a new replica over the same store).
	at(clock, time.Date(2026, 11, 26, 11, 59, 0, 0, paris))
	r.tick(t)
	if got := r.chat.take(); len(got) != 0 {
		t.Fatalf("sent before due: %+v", got)
	}
	restarted := newReplica(t, schedSettings(), store, clock, "b")
	clock.Advance(time.Minute + 5*time.Second)
	restarted.tick(t)
	restarted.tick(t)
	sentNow := restarted.chat.take()
	if len(sentNow) != 1 || sentNow[0].conv.ID != "dm:vous" ||
		sentNow[0].reply.Text != fr("reminders.deliver", "task", "relire la note", "created", "jeudi 26 novembre 2026 à 10 h") {
		t.Fatalf("at 12:00:05 sent %+v, want the reminder once", sentNow)
	}

	// Saturday 12 December 14:30 is outside working hours: a reminder the
	// member asked for is delivered anyway.
	at(clock, time.Date(2026, 12, 12, 14, 30, 20, 0, paris))
	restarted.tick(t)
	got2 := restarted.chat.take()
	if len(got2) != 2 { // Monday's (overdue) and CODIR
		t.Fatalf("on 12 December sent %d messages, want 2: %+v", len(got2), got2)
	}
	if !strings.Contains(got2[1].reply.Text, "CODIR") {
		t.Errorf("last delivered = %q, want CODIR", got2[1].reply.Text)
	}
	if got := restarted.say(t, vous, "mes rappels"); got != fr("reminders.none") {
		t.Errorf("after delivery: %q", got)
	}
}

func TestReminderErrors(t *testing.T) {
	clock := fakeclock.New(time.Date(2026, 11, 26, 10, 0, 0, 0, paris))
	r := newReplica(t, schedSettings(), openBolt(t, clock), clock, "a")
	vous := user("vous")
	tests := []struct{ in, want string }{
		{"rappelle-moi", fr("reminders.usage")},
		{"rappelle-moi d'appeler Véronique", fr("reminders.no_date", "input", "d'appeler Véronique")},
		{"rappelle-moi demain à 9h", fr("reminders.no_task", "date", "vendredi 27 novembre 2026 à 9 h")},
		{"rappelle-moi hier à 9h de voter", fr("reminders.past", "date", "mercredi 25 novembre 2026 à 9 h")},
		{"rappelle-moi demain de " + strings.Repeat("x", 301), fr("reminders.too_long", "max", "300")},
	}
	for _, tt := range tests {
		if got := r.say(t, vous, tt.in); got != tt.want {
			t.Errorf("%q:\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

func TestReminderEnglishAndZone(t *testing.T) {
	clock := fakeclock.New(time.Date(2026, 11, 26, 10, 0, 0, 0, paris)) // 20:00 in Nouméa
	store := openBolt(t, clock)
	r := newReplica(t, schedSettings(), store, clock, "a")
	me := user("me")
	saveMember(t, store, bot.Member{Ref: me, Language: bot.English, TimeZone: "Pacific/Noumea"})
	got := r.say(t, me, "remind me on Friday at 10am to call the prefecture")
	want := en("reminders.set", "date", "Friday 27 November 2026 at 10 am (Pacific/Noumea time)", "task", "call the prefecture", "number", "1")
	if got != want {
		t.Errorf("English in Nouméa:\n got %q\nwant %q", got, want)
	}
	list, _ := store.PendingFor(t.Context(), me)
	if len(list) != 1 || !list[0].Due.Equal(time.Date(2026, 11, 27, 10, 0, 0, 0, mustZone("Pacific/Noumea"))) {
		t.Errorf("stored %+v, want due Friday 10:00 in Nouméa", list)
	}
	if n, err := store.ErasePending(t.Context(), me); n != 1 || err != nil {
		t.Errorf("ErasePending = %d, %v; want the reminder erased", n, err)
	}
}
