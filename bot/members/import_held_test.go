package members_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/bottest"
)

// Outside working hours the invitations wait in the outbox until each
// recipient's own working hours (La Réunion is 3 hours ahead of Paris in
// November): the organizer is told when they leave, in the organizer's
// own zone, named; those that went at once are said sent.
func TestImportSaysWhenHeldInvitationsLeave(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	// Claire heads a mainland commune (INSEE 91573), Marc one in La
	// Réunion (Saint-Denis, 97411).
	const csv = "platform,workspace,user,name,collectivity,role\nterminal,local,claire,Claire Martin,91573,dgs\nterminal,local,marc,Marc Leroy,97411,dgs\n"
	for _, c := range []struct {
		name     string
		at       time.Time
		orgaZone string // the organizer's own zone, when they are a member
		want     func() string
	}{
		{"both held", time.Date(2026, 11, 25, 19, 0, 0, 0, paris), "", func() string { // Wednesday 19:00 (22:00 in La Réunion)
			return bottest.Fr("members.import.invited_held", "count", "2", "when", bottest.Fr("members.import.held_between",
				"first", "jeudi 26 novembre 2026 à 6 h", "last", "jeudi 26 novembre 2026 à 9 h", "zone", "heure de Paris"))
		}},
		{"Réunion sent, mainland held", time.Date(2026, 11, 26, 7, 0, 0, 0, paris), "", func() string { // 10:00 in La Réunion
			return bottest.Fr("members.import.invited_some_held", "sent", "1", "held", "1", "when", bottest.Fr("members.import.held_at",
				"date", "jeudi 26 novembre 2026 à 9 h", "zone", "heure de Paris"))
		}},
		{"organizer in La Réunion", time.Date(2026, 11, 25, 19, 0, 0, 0, paris), "Indian/Reunion", func() string {
			return bottest.Fr("members.import.invited_held", "count", "2", "when", bottest.Fr("members.import.held_between",
				"first", "jeudi 26 novembre 2026 à 9 h", "last", "jeudi 26 novembre 2026 à 12 h", "zone", "heure de La Réunion"))
		}},
		{"all sent", time.Date(2026, 11, 26, 10, 0, 0, 0, paris), "", func() string {
			return bottest.Fr("members.import.invited", "count", "2")
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := bottest.NewMembers(t, func(s *bot.Settings) {
				s.WorkingHours = bot.WorkingHours{Days: []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday},
					Start: 9 * 60, End: 18 * 60, Location: paris}
			})
			h.Clock.Set(c.at)
			orga := bottest.User("orga")
			if c.orgaZone != "" {
				h.Onboard(orga)
				m := h.Member(orga)
				m.TimeZone = c.orgaZone
				if err := h.Store.SaveMember(t.Context(), m); err != nil {
					t.Fatal(err)
				}
			}
			dir := t.TempDir()
			t.Chdir(dir)
			if err := os.WriteFile(filepath.Join(dir, "m.csv"), []byte(csv), 0o600); err != nil {
				t.Fatal(err)
			}
			got := bottest.Last(t, h.Say(orga, "importer m.csv")).Text
			if want := c.want(); got != want {
				t.Errorf("got  %q\nwant %q", got, want)
			}
			if strings.Contains(got, "au plus tôt") {
				t.Errorf("vague departure: %q", got)
			}
		})
	}
}
