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

// Outside working hours the invitations wait in the outbox: the organizer
// is told until when, not that they were sent.
func TestImportSaysWhenHeldInvitationsLeave(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	h := bottest.NewMembers(t, func(s *bot.Settings) {
		s.WorkingHours = bot.WorkingHours{Days: []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday},
			Start: 9 * 60, End: 18 * 60, Location: paris}
	})
	h.Clock.Set(time.Date(2026, 11, 26, 7, 0, 0, 0, paris)) // Thursday, 7:00
	dir := t.TempDir()
	t.Chdir(dir)
	file := filepath.Join(dir, "m.csv")
	csv := "platform,workspace,user,name,collectivity,role\nterminal,local,claire,Claire Martin,91573,dgs\nterminal,local,marc,Marc Leroy,91573,dgs\n"
	if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	replies := h.Say(bottest.User("orga"), "importer m.csv")
	got := bottest.Last(t, replies).Text
	if want := bottest.Fr("members.import.invited_held", "count", "2", "date", "jeudi 26 novembre 2026 à 9 h"); got != want {
		t.Errorf("at 7:00:\n got %q\nwant %q", got, want)
	}
	if strings.Contains(got, "envoyées") {
		t.Errorf("held invitations are said to be sent: %q", got)
	}
}
