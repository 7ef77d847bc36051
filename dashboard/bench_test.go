package dashboard_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/sndgct/maillage/adapters/bolt"
	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/bottest"
	"github.com/sndgct/maillage/bot/core"
	signin "github.com/sndgct/maillage/bot/dashboard"
	"github.com/sndgct/maillage/dashboard"
	"github.com/sndgct/maillage/internal/fakeclock"
)

// benchNetwork stores 10,000 members (real collectivities' sizes and
// régions, interests, topics followed), 50 weekly rounds of 5,000 pairs
// each, and the members' answers (about half answer each round), on bolt.
func benchNetwork(b *testing.B) (*core.Bot, *fakeclock.Clock) {
	b.Helper()
	const members, rounds = 10_000, 50
	start := time.Date(2025, 12, 4, 10, 0, 0, 0, bottest.Paris)
	now := start.AddDate(0, 0, 7*rounds)
	clock := fakeclock.New(now)
	store, err := bolt.Open(b.Context(), b.TempDir()+"/m.db", bolt.Options{Clock: clock})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	pops := []int{800, 2500, 6000, 12000, 25000, 48000, 90000, 160000, 320000, 1_100_000}
	regions := []string{"11", "24", "27", "28", "32", "44", "52", "53", "75", "76", "84", "93", "94"}
	interests := []string{"ia", "rh", "qvt"}
	refs := make([]bot.UserRef, members)
	batch := make([]bot.Member, 0, members)
	for i := range members {
		refs[i] = bottest.SlackUser(i)
		c := bot.Collectivity{Kind: bot.KindCommune, Code: fmt.Sprintf("%05d", i), Name: fmt.Sprintf("Commune %d", i),
			Population: pops[rng.IntN(len(pops))], Departement: "91", Region: regions[rng.IntN(len(regions))]}
		m := bot.Member{Ref: refs[i], Name: fmt.Sprintf("Membre %d", i), Collectivity: &c, Role: "dgs",
			Interests: []string{interests[i%3], interests[(i+1)%3]}, Created: start, Updated: start}
		switch {
		case i%50 == 0: // invited, not registered
			m.Imported, m.Invited = start, start
		default:
			m.Onboarded, m.OptedIn = start, start
			if i%40 == 1 {
				m.PausedUntil = now.AddDate(0, 1, 0)
			}
		}
		batch = append(batch, m)
	}
	if err := store.SaveMembers(ctx, batch); err != nil {
		b.Fatal(err)
	}
	answers := make([][]bot.MatchAnswer, members)
	for r := range rounds {
		created := start.AddDate(0, 0, 7*r)
		round := bot.MatchRound{ID: fmt.Sprintf("tour|%d", created.UnixMilli()), Job: "tour", Slot: created, Created: created, FollowedUp: created.AddDate(0, 0, 5)}
		perm := rng.Perm(members)
		for k := 0; k+1 < len(perm); k += 2 {
			a, c := perm[k], perm[k+1]
			round.Groups = append(round.Groups, bot.MatchGroup{Members: []bot.UserRef{refs[a], refs[c]}, Score: 500})
			for _, x := range []int{a, c} {
				if rng.IntN(2) == 0 {
					answer := bot.AnswerMet
					if rng.IntN(4) == 0 {
						answer = bot.AnswerNotNow
					}
					answers[x] = append(answers[x], bot.MatchAnswer{Round: round.ID, Answer: answer, At: created.AddDate(0, 0, 6)})
				}
			}
		}
		if _, err := store.CreateRound(ctx, round); err != nil {
			b.Fatal(err)
		}
	}
	for i, as := range answers {
		if err := store.SaveMatchRecord(ctx, bot.MatchRecord{Member: refs[i], Answers: as, Updated: now}); err != nil {
			b.Fatal(err)
		}
		if i%3 == 0 {
			if err := store.SaveHighlightFollows(ctx, bot.HighlightFollows{Member: refs[i], Topics: []string{interests[i%3]}, Updated: now}); err != nil {
				b.Fatal(err)
			}
		}
	}
	s := bottest.MatchSettings(bot.MatchSettings{})
	s.Dashboard.URL = publicURL
	bt, err := bottest.New(s, store, []bot.ChatAdapter{&bottest.MtChat{Plat: bot.PlatformTerminal}},
		core.Options{Clock: clock, Directory: bottest.NewFakeDirectory()})
	if err != nil {
		b.Fatal(err)
	}
	return bt, clock
}

// BenchmarkDashboard measures, on 10,000 members and 50 rounds of 5,000
// pairs: counting the figures (what the first page after a minute sets
// off, in the background), and each page as served from the counted
// figures (what an organizer waits for).
func BenchmarkDashboard(b *testing.B) {
	bt, clock := benchNetwork(b)
	b.Run("Figures", func(b *testing.B) {
		for b.Loop() {
			if _, err := dashboard.Compute(b.Context(), bt.Store.(dashboard.Store), &bt.Settings, bt.MatchRules(), clock.Now()); err != nil {
				b.Fatal(err)
			}
		}
	})
	d, err := dashboard.New(bt, dashboard.Options{MaxAge: 24 * time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	mux := http.NewServeMux()
	d.RegisterRoutes(mux)
	auth, _ := signin.Of(bt)
	orga := bottest.User("orga")
	link, err := auth.IssueLink(b.Context(), orga, bot.French)
	if err != nil {
		b.Fatal(err)
	}
	token := link[len(link)-43:]
	sess, err := auth.Redeem(b.Context(), token)
	if err != nil {
		b.Fatal(err)
	}
	serve := func(b *testing.B, path string) {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.AddCookie(&http.Cookie{Name: dashboard.CookieName, Value: sess.Token})
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("%s: %d\n%s", path, w.Code, w.Body)
		}
	}
	serve(b, "/tableau-de-bord/") // counts the figures once
	for _, path := range []string{"", "tours", "membres", "congres", "diffusions", "csv/rounds.csv"} {
		b.Run("Page/"+path, func(b *testing.B) {
			for b.Loop() {
				serve(b, "/tableau-de-bord/"+path)
			}
		})
	}
}
