package reminders_test

import (
	"strings"
	"testing"
	"time"

	"github.com/sndgct/maillage/bot/bottest"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/internal/fakeclock"
)

func TestRemindersSetListCancelDeliver(t *testing.T) {
	// Thursday 26 November 2026, 10:00 in Paris.
	clock := fakeclock.New(time.Date(2026, 11, 26, 10, 0, 0, 0, bottest.Paris))
	store := bottest.OpenBolt(t, clock)
	r := bottest.NewReplica(t, bottest.SchedSettings(), store, clock, "a")
	vous := bottest.User("vous")

	got := r.Say(t, vous, "rappelle-moi le 12 décembre à 14h30 : CODIR")
	if want := bottest.Fr("reminders.set", "date", "samedi 12 décembre 2026 à 14 h 30", "task", "CODIR", "number", "1"); got != want {
		t.Errorf("set:\n got %q\nwant %q", got, want)
	}
	got = r.Say(t, vous, "Rappelle-moi demain à 9h d'appeler Véronique")
	if want := bottest.Fr("reminders.set", "date", "vendredi 27 novembre 2026 à 9 h", "task", "appeler Véronique", "number", "2"); got != want {
		t.Errorf("set:\n got %q\nwant %q", got, want)
	}
	got = r.Say(t, vous, "rappelle-moi dans 2 heures de relire la note")
	if !strings.Contains(got, "jeudi 26 novembre 2026 à 12 h") || !strings.Contains(got, "n° 3") {
		t.Errorf("set in 2 hours: %q", got)
	}
	got = r.Say(t, vous, "mes rappels")
	lines := strings.Split(got, "\n")
	if len(lines) != 5 || !strings.Contains(lines[1], "n° 3 : jeudi 26 novembre 2026 à 12 h — relire la note") ||
		!strings.Contains(lines[3], "n° 1 : samedi 12 décembre 2026 à 14 h 30 — CODIR") {
		t.Errorf("list, by date:\n%s", got)
	}
	got = r.Say(t, vous, "annuler rappel 2")
	if want := bottest.Fr("reminders.cancelled", "number", "2", "task", "appeler Véronique", "date", "vendredi 27 novembre 2026 à 9 h"); got != want {
		t.Errorf("cancel:\n got %q\nwant %q", got, want)
	}
	if got := r.Say(t, vous, "annuler rappel 2"); got != bottest.Fr("reminders.cancel_unknown", "number", "2") {
		t.Errorf("cancel again: %q", got)
	}
	if got := r.Say(t, vous, "annuler rappel"); got != bottest.Fr("reminders.cancel_usage") {
		t.Errorf("cancel without a number: %q", got)
	}
	// The freed number is reused.
	if got := r.Say(t, vous, "rappelle-moi lundi à 8h de préparer le bureau"); !strings.Contains(got, "n° 2") {
		t.Errorf("number reuse: %q", got)
	}
	// Another member sees none of them.
	if got := r.Say(t, bottest.User("autre"), "mes rappels"); got != bottest.Fr("reminders.none") {
		t.Errorf("another member's list: %q", got)
	}

	// Not yet due at 11:59; due at 12:00, within a tick, even after a
	// restart of the bot (a new replica over the same store).
	bottest.At(clock, time.Date(2026, 11, 26, 11, 59, 0, 0, bottest.Paris))
	r.Tick(t)
	if got := r.Chat.Take(); len(got) != 0 {
		t.Fatalf("sent before due: %+v", got)
	}
	restarted := bottest.NewReplica(t, bottest.SchedSettings(), store, clock, "b")
	clock.Advance(time.Minute + 5*time.Second)
	restarted.Tick(t)
	restarted.Tick(t)
	sentNow := restarted.Chat.Take()
	if len(sentNow) != 1 || sentNow[0].Conv.ID != "dm:vous" ||
		sentNow[0].Reply.Text != bottest.Fr("reminders.deliver", "task", "relire la note", "created", "jeudi 26 novembre 2026 à 10 h") {
		t.Fatalf("at 12:00:05 sent %+v, want the reminder once", sentNow)
	}

	// Saturday 12 December 14:30 is outside working hours: a reminder the
	// member asked for is delivered anyway.
	bottest.At(clock, time.Date(2026, 12, 12, 14, 30, 20, 0, bottest.Paris))
	restarted.Tick(t)
	got2 := restarted.Chat.Take()
	if len(got2) != 2 { // Monday's (overdue) and CODIR
		t.Fatalf("on 12 December sent %d messages, want 2: %+v", len(got2), got2)
	}
	if !strings.Contains(got2[1].Reply.Text, "CODIR") {
		t.Errorf("last delivered = %q, want CODIR", got2[1].Reply.Text)
	}
	if got := restarted.Say(t, vous, "mes rappels"); got != bottest.Fr("reminders.none") {
		t.Errorf("after delivery: %q", got)
	}
}

func TestReminderErrors(t *testing.T) {
	clock := fakeclock.New(time.Date(2026, 11, 26, 10, 0, 0, 0, bottest.Paris))
	r := bottest.NewReplica(t, bottest.SchedSettings(), bottest.OpenBolt(t, clock), clock, "a")
	vous := bottest.User("vous")
	tests := []struct{ in, want string }{
		{"rappelle-moi", bottest.Fr("reminders.usage")},
		{"rappelle-moi d'appeler Véronique", bottest.Fr("reminders.no_date", "input", "d'appeler Véronique")},
		{"rappelle-moi demain à 9h", bottest.Fr("reminders.no_task", "date", "vendredi 27 novembre 2026 à 9 h")},
		{"rappelle-moi hier à 9h de voter", bottest.Fr("reminders.past", "date", "mercredi 25 novembre 2026 à 9 h")},
		{"rappelle-moi demain de " + strings.Repeat("x", 301), bottest.Fr("reminders.too_long", "max", "300")},
	}
	for _, tt := range tests {
		if got := r.Say(t, vous, tt.in); got != tt.want {
			t.Errorf("%q:\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

func TestReminderEnglishAndZone(t *testing.T) {
	clock := fakeclock.New(time.Date(2026, 11, 26, 10, 0, 0, 0, bottest.Paris)) // 20:00 in Nouméa
	store := bottest.OpenBolt(t, clock)
	r := bottest.NewReplica(t, bottest.SchedSettings(), store, clock, "a")
	me := bottest.User("me")
	bottest.SaveMember(t, store, bot.Member{Ref: me, Language: bot.English, TimeZone: "Pacific/Noumea"})
	got := r.Say(t, me, "remind me on Friday at 10am to call the prefecture")
	want := bottest.En("reminders.set", "date", "Friday 27 November 2026 at 10 am (New Caledonia time)", "task", "call the prefecture", "number", "1")
	if got != want {
		t.Errorf("English in Nouméa:\n got %q\nwant %q", got, want)
	}
	list, _ := store.PendingFor(t.Context(), me)
	if len(list) != 1 || !list[0].Due.Equal(time.Date(2026, 11, 27, 10, 0, 0, 0, bottest.MustZone("Pacific/Noumea"))) {
		t.Errorf("stored %+v, want due Friday 10:00 in Nouméa", list)
	}
	if n, err := store.ErasePending(t.Context(), me); n != 1 || err != nil {
		t.Errorf("ErasePending = %d, %v; want the reminder erased", n, err)
	}
}

// A DGS of Saint-Denis (La Réunion, UTC+4) whose platform gives no zone:
// the zone comes from her collectivity. « Demain à 9h » is 9:00 for her,
// 6:00 in Paris, and the reminder arrives then.
func TestReminderInTheZoneOfAnOverseasCollectivity(t *testing.T) {
	clock := fakeclock.New(time.Date(2026, 12, 7, 10, 0, 0, 0, bottest.Paris)) // Monday, 13:00 in La Réunion
	store := bottest.OpenBolt(t, clock)
	r := bottest.NewReplica(t, bottest.SchedSettings(), store, clock, "a")
	sd := bottest.User("saint-denis")
	c := bottest.Sdenis974
	now := clock.Now()
	bottest.SaveMember(t, store, bot.Member{Ref: sd, Collectivity: &c, Created: now, Onboarded: now})
	got := r.Say(t, sd, "rappelle-moi demain à 9h d'appeler la préfecture")
	want := bottest.Fr("reminders.set", "date", "mardi 8 décembre 2026 à 9 h (heure de La Réunion)", "task", "appeler la préfecture", "number", "1")
	if got != want {
		t.Errorf("set:\n got %q\nwant %q", got, want)
	}
	reunion := bottest.MustZone("Indian/Reunion")
	list, _ := store.PendingFor(t.Context(), sd)
	if len(list) != 1 || !list[0].Due.Equal(time.Date(2026, 12, 8, 9, 0, 0, 0, reunion)) {
		t.Fatalf("stored %+v, want due Tuesday 9:00 in La Réunion", list)
	}
	if got := r.Say(t, sd, "mes rappels"); !strings.Contains(got, "mardi 8 décembre 2026 à 9 h — appeler la préfecture") {
		t.Errorf("list: %q", got)
	}
	// 5:59 in Paris is 8:59 in La Réunion: not yet; 6:00 is 9:00 there.
	bottest.At(clock, time.Date(2026, 12, 8, 5, 59, 0, 0, bottest.Paris))
	r.Tick(t)
	if sent := r.Chat.Take(); len(sent) != 0 {
		t.Fatalf("sent at 8:59 her time: %+v", sent)
	}
	bottest.At(clock, time.Date(2026, 12, 8, 6, 0, 5, 0, bottest.Paris))
	r.Tick(t)
	sent := r.Chat.Take()
	if len(sent) != 1 || sent[0].Reply.Text != bottest.Fr("reminders.deliver", "task", "appeler la préfecture",
		"created", "lundi 7 décembre 2026 à 13 h") {
		t.Fatalf("at 9:00 her time sent %+v, want the reminder written in her time", sent)
	}
}
