package highlights_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/sndgct/maillage/bot/highlights"

	"github.com/sndgct/maillage/bot/bottest"

	"github.com/sndgct/maillage/adapters/bolt"
	"github.com/sndgct/maillage/adapters/terminal"
	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/core"
	"github.com/sndgct/maillage/internal/content"
)

// The whole member path through the terminal adapter: browse, search,
// follow; an organizer publishes; the weekly digest reaches the member.
func TestBrowseFollowDigestThroughTheTerminal(t *testing.T) {
	ctx := context.Background()
	clock := &bottest.TickingClock{T: time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)}
	store, err := bolt.Open(ctx, t.TempDir()+"/m.db", bolt.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	set, _, err := content.LoadDemo(bottest.TopicIDs())
	if err != nil {
		t.Fatal(err)
	}
	input := strings.Join([]string{
		"temps forts",
		"temps forts déconnexion",
		"1", // the first button: see the session
		"1", // its first button: follow it
		"suivre IA",
		"mes suivis",
		"/as orga",
		"publier temps fort",
		"5",
		"Trois questions à se poser avant d'envoyer un message le soir.",
		"non",
		"publier",
		"/as vous",
	}, "\n") + "\n"
	var out bytes.Buffer
	term := terminal.New(strings.NewReader(input), &out, terminal.Options{Clock: clock})
	b, err := bottest.New(bot.Settings{
		Organizers: []bot.RoleRule{{Platform: bot.PlatformTerminal, User: "orga"}},
		Highlights: bot.HighlightSettings{Topics: bottest.Topics},
	}, store, []bot.ChatAdapter{term}, core.Options{Clock: clock, Content: set})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Run(ctx); err != nil {
		t.Fatal(err)
	}
	session := out.String()
	for _, want := range []string{
		"1. Ouverture des assises",
		"Résultats pour « déconnexion »",
		"5. Leader connecté/déconnecté : comment rester en lien avec l'humain ?",
		"vous suivez la séance 5 « Leader connecté/déconnecté",
		"vous suivez le thème « Intelligence artificielle »",
		"Thèmes suivis : Intelligence artificielle",
		"Le temps fort est publié pour la séance « Leader connecté/déconnecté",
	} {
		if !strings.Contains(session, want) {
			t.Errorf("terminal session lacks %q", want)
		}
	}
	if t.Failed() {
		t.Fatalf("terminal session:\n%s", session)
	}
	out.Reset()
	if err := highlights.RunDigest(b, ctx, clock.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	digest := out.String()
	for _, want := range []string{
		"Nouveaux temps forts sur ce que vous suivez (1)",
		"Territorialis 2024 — séance 5 : Leader connecté/déconnecté",
		"- Trois questions à se poser avant d'envoyer un message le soir.",
	} {
		if !strings.Contains(digest, want) {
			t.Errorf("digest lacks %q:\n%s", want, digest)
		}
	}
	if strings.Contains(digest, "orga") {
		t.Errorf("the organizer, who follows nothing, got a digest:\n%s", digest)
	}
}
