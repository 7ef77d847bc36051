package introductions_test

import (
	"context"
	"strings"
	"testing"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/bottest"
	"github.com/sndgct/maillage/bot/catalog"
	"github.com/sndgct/maillage/bot/introductions"
	"github.com/sndgct/maillage/internal/content"
	"github.com/sndgct/maillage/internal/fakeclock"
)

// The attendance file is read like the members import (internal/csvtable):
// a refused file or line is explained in the organizer's language, never
// with Go's English text.
func TestAttendanceFileProblemsAreTranslated(t *testing.T) {
	clock := fakeclock.New(bottest.Thursday10)
	store := bottest.OpenBolt(t, clock)
	ctx := context.Background()
	if err := store.SaveMember(ctx, bot.Member{Ref: bottest.User("alice"), Email: "alice@example.org", Created: clock.Now(), Updated: clock.Now()}); err != nil {
		t.Fatal(err)
	}
	a := introductions.Attendance{Store: store.(introductions.AttendanceStore), Clock: clock}
	ev := &content.Event{ID: "congres"}
	s := &content.Session{ID: "atelier"}
	cat := catalog.Default()
	for _, tt := range []struct{ csv, fr, en string }{
		{"courriel;téléphone\n", "la colonne « téléphone » est inconnue ; colonnes possibles : plateforme, espace de travail, utilisateur, courriel, nom",
			"the column \"téléphone\" is unknown; possible columns: platform, workspace, user, email, name"},
		{"nom\nAlice\n", "l'en-tête doit nommer la colonne du courriel", "the header must name the email column"},
		{"email,courriel\n", "la colonne « email » figure deux fois", "the column \"email\" appears twice"},
	} {
		_, err := a.Import(ctx, strings.NewReader(tt.csv), ev, s, true)
		for lang, want := range map[string]string{"fr": tt.fr, "en": tt.en} {
			got := introductions.ExplainAttendanceFileError(func(key string, args ...string) string { return cat.T(lang, key, args...) }, err)
			if !strings.HasPrefix(got, want) {
				t.Errorf("%q in %s: %q, want it to start with %q", tt.csv, lang, got, want)
			}
		}
	}
	rep, err := a.Import(ctx, strings.NewReader("\uFEFFcourriel\nalice@example.org\nbob\"@example.org\n"), ev, s, true)
	if err != nil {
		t.Fatal(err)
	}
	text := introductions.FormatAttendanceReport(func(key string, args ...string) string { return cat.T("fr", key, args...) }, "la séance 1", rep)
	if rep.Recorded != 1 || !strings.Contains(text, "- ligne 3 : "+cat.T("fr", "csv.reason.bare_quote")) || strings.Contains(text, "bare") {
		t.Errorf("report %+v:\n%s", rep, text)
	}
}
