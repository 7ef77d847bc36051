package members_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sndgct/maillage/adapters/bolt"
	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/bottest"
	"github.com/sndgct/maillage/bot/catalog"
	"github.com/sndgct/maillage/bot/members"
	"github.com/sndgct/maillage/internal/fakeclock"
)

// The optional columns « je peux aider » / « je cherche » (offers, needs)
// take configured interests, by id or label, checked like the interests;
// a bad value rejects the line with its own reason, in French and in
// English; a file without them keeps what a member's lists hold.
func TestImportOffersAndNeeds(t *testing.T) {
	ctx := context.Background()
	clock := fakeclock.New(time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC))
	store, err := bolt.Open(ctx, t.TempDir()+"/m.db", bolt.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	im := members.Importer{Store: store, Directory: bottest.NewFakeDirectory(), MemberRoles: bottest.MemberRoles,
		Interests: bottest.Interests, Workspaces: map[bot.Platform]string{bot.PlatformTerminal: "local"}, Clock: clock}
	run := func(csv string) members.ImportReport {
		t.Helper()
		rep, err := im.Import(ctx, strings.NewReader(csv), false)
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	rep := run("plateforme;utilisateur;nom;Je peux aider;Je cherche\n" +
		"terminal;claire;Claire;Finances locales, IA;management\n" +
		"terminal;marc;Marc;;ia|finances\n" +
		"terminal;lea;Léa;urbanisme;\n" +
		"terminal;paul;Paul;;Gestion de crise\n")
	if rep.Created != 2 || len(rep.Rejected) != 2 {
		t.Fatalf("report %+v", rep)
	}
	member := func(user string) bot.Member {
		t.Helper()
		m, err := store.Member(ctx, bot.UserRef{Platform: bot.PlatformTerminal, Workspace: "local", User: user})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	if c := member("claire"); !slices.Equal(c.Offers, []string{"finances", "ia"}) || !slices.Equal(c.Needs, []string{"management"}) {
		t.Errorf("claire: offers %v, needs %v", c.Offers, c.Needs)
	}
	if m := member("marc"); m.Offers != nil || !slices.Equal(m.Needs, []string{"finances", "ia"}) {
		t.Errorf("marc: offers %v, needs %v", m.Offers, m.Needs)
	}
	for _, tt := range []struct {
		lang, want string
	}{
		{"fr", "Ligne 4 : sujet « urbanisme » inconnu dans la colonne « je peux aider » : indiquez des centres d'intérêt configurés (valeurs possibles : ia, management, finances)"},
		{"en", "Line 4: unknown subject \"urbanisme\" in the column \"offers\" (I can help): give configured interests (possible values: ia, management, finances)"},
	} {
		text := members.FormatImportReport(func(key string, args ...string) string { return catalog.Default().T(tt.lang, key, args...) }, rep)
		if !strings.Contains(strings.ToLower(text), strings.ToLower(tt.want)) {
			t.Errorf("%s report:\n%s\nlacks\n%s", tt.lang, text, tt.want)
		}
		need := catalog.Default().T(tt.lang, "members.import.reason.need", "value", "Gestion de crise", "known", "ia, management, finances")
		if !strings.Contains(text, need) {
			t.Errorf("%s report:\n%s\nlacks\n%s", tt.lang, text, need)
		}
	}
	// English headers; a change is an update; the same file again changes
	// nothing.
	again := "platform,user,name,offers,needs\nterminal,claire,Claire,management,\n"
	if rep := run(again); rep.Updated != 1 {
		t.Errorf("update: %+v", rep)
	}
	if c := member("claire"); !slices.Equal(c.Offers, []string{"management"}) || c.Needs != nil {
		t.Errorf("claire after update: offers %v, needs %v", c.Offers, c.Needs)
	}
	if rep := run(again); rep.Unchanged != 1 || rep.Updated != 0 {
		t.Errorf("same file again: %+v", rep)
	}
	// Without the columns, the lists stay.
	if rep := run("platform,user,name\nterminal,claire,Claire Martin\n"); rep.Updated != 1 {
		t.Errorf("rename: %+v", rep)
	}
	if c := member("claire"); !slices.Equal(c.Offers, []string{"management"}) {
		t.Errorf("claire's offers lost by a file without the column: %v", c.Offers)
	}
}
