package outbox_test

import (
	"testing"
	"time"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/bottest"
	"github.com/sndgct/maillage/bot/outbox"
	"github.com/sndgct/maillage/internal/fakeclock"
)

// What the bot writes first waits for each member's own working window
// (9:00-18:00 on weekdays in bottest.SchedSettings): the zone of their
// platform profile, else of their collectivity, else the configured one.
func TestDeliveryWaitsForTheMemberWindowInTheirZone(t *testing.T) {
	// Monday 7 December 2026, 10:00 in Paris: 05:00 in Guadeloupe, 13:00 in La Réunion.
	clock := fakeclock.New(time.Date(2026, 12, 7, 10, 0, 0, 0, bottest.Paris))
	store := bottest.OpenBolt(t, clock)
	r := bottest.NewReplica(t, bottest.SchedSettings(), store, clock, "a")
	guadeloupe := bot.Collectivity{Kind: bot.KindCommune, Code: "97105", Name: "Basse-Terre", Population: 10000, Departement: "971", Region: "01"}
	reunion, spp := bottest.Sdenis974, bottest.Spp
	gp, re, mainland := bottest.User("basse-terre"), bottest.User("saint-denis"), bottest.User("spp")
	fromProfile := bottest.User("gp-on-paris-time") // a Guadeloupe DGS whose platform profile says Paris
	now := clock.Now()
	for _, m := range []bot.Member{
		{Ref: gp, Collectivity: &guadeloupe},
		{Ref: re, Collectivity: &reunion},
		{Ref: mainland, Collectivity: &spp},
		{Ref: fromProfile, Collectivity: &guadeloupe, TimeZone: "Europe/Paris"},
	} {
		m.Created, m.Onboarded = now, now
		bottest.SaveMember(t, store, m)
	}
	ob := r.Bot.Outbox
	for _, c := range []struct {
		u      bot.UserRef
		zone   string
		source string
	}{
		{gp, "America/Guadeloupe", outbox.ZoneFromCollectivity},
		{re, "Indian/Reunion", outbox.ZoneFromCollectivity},
		{mainland, "Europe/Paris", outbox.ZoneFromSettings},
		{fromProfile, "Europe/Paris", outbox.ZoneFromMember},
	} {
		m, err := store.Member(t.Context(), c.u)
		if err != nil {
			t.Fatal(err)
		}
		if loc, src := ob.MemberZone(m); loc.String() != c.zone || src != c.source {
			t.Errorf("%s: zone %s from %s, want %s from %s", c.u.User, loc, src, c.zone, c.source)
		}
		if err := ob.SendToMember(t.Context(), c.u, bot.Reply{Text: "bonjour " + c.u.User}); err != nil {
			t.Fatal(err)
		}
	}
	sentTo := func() []string {
		var out []string
		for _, s := range r.Chat.Take() {
			out = append(out, s.Conv.ID)
		}
		return out
	}
	if got := sentTo(); len(got) != 3 || got[0] != "dm:saint-denis" || got[1] != "dm:spp" || got[2] != "dm:gp-on-paris-time" {
		t.Fatalf("at 10:00 in Paris sent to %v, want La Réunion, the mainland and the Paris profile at once", got)
	}
	// 13:59 in Paris is 8:59 in Guadeloupe; 14:00 is 9:00 there.
	bottest.At(clock, time.Date(2026, 12, 7, 13, 59, 0, 0, bottest.Paris))
	r.Tick(t)
	if got := sentTo(); len(got) != 0 {
		t.Fatalf("sent to %v at 8:59 in Guadeloupe", got)
	}
	bottest.At(clock, time.Date(2026, 12, 7, 14, 0, 5, 0, bottest.Paris))
	r.Tick(t)
	if got := sentTo(); len(got) != 1 || got[0] != "dm:basse-terre" {
		t.Fatalf("at 9:00 in Guadeloupe sent to %v, want the held message", got)
	}
	// 17:30 in Paris is 20:30 in La Réunion: held until Tuesday 9:00 there (6:00 in Paris).
	bottest.At(clock, time.Date(2026, 12, 7, 17, 30, 0, 0, bottest.Paris))
	if err := ob.SendToMember(t.Context(), re, bot.Reply{Text: "ce soir"}); err != nil {
		t.Fatal(err)
	}
	if got := sentTo(); len(got) != 0 {
		t.Fatalf("sent to %v at 20:30 in La Réunion", got)
	}
	m, _ := store.Member(t.Context(), re)
	if open := ob.NextWindow(t.Context(), re, nil, clock.Now()); !open.Equal(time.Date(2026, 12, 8, 9, 0, 0, 0, ob.MemberLocation(m))) {
		t.Errorf("next window %v, want Tuesday 9:00 in La Réunion", open)
	}
	bottest.At(clock, time.Date(2026, 12, 8, 6, 0, 5, 0, bottest.Paris))
	r.Tick(t)
	if got := sentTo(); len(got) != 1 || got[0] != "dm:saint-denis" {
		t.Fatalf("at 9:00 in La Réunion sent to %v", got)
	}
}
