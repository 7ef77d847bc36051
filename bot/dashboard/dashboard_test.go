package dashboard_test

import (
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/bottest"
	"github.com/sndgct/maillage/bot/core"
	"github.com/sndgct/maillage/bot/dashboard"
	"github.com/sndgct/maillage/internal/fakeclock"
)

func harness(t *testing.T, public string) (*bottest.MtHarness, *dashboard.Feature) {
	t.Helper()
	s := bottest.MatchSettings(bot.MatchSettings{})
	s.Dashboard.URL = public
	h := bottest.NewMT(t, s, nil, nil)
	f, ok := dashboard.Of(h.Bot)
	if !ok {
		t.Fatal("no dashboard feature")
	}
	return h, f
}

func token(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get(dashboard.TokenParam[bot.French])
}

// Erasing an organizer's data removes their links and sessions; another
// organizer's stay.
func TestErasureRemovesLinksAndSessions(t *testing.T) {
	h, f := harness(t, "https://maillage.example.fr/")
	ctx := t.Context()
	orga, admin := bottest.User("orga"), bottest.User("admin")
	l1, err := f.IssueLink(ctx, orga, bot.French)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(l1, "https://maillage.example.fr/tableau-de-bord/connexion?jeton=") {
		t.Errorf("link %q", l1)
	}
	sess, err := f.Redeem(ctx, token(t, l1))
	if err != nil {
		t.Fatal(err)
	}
	l2, _ := f.IssueLink(ctx, orga, bot.French)
	l3, _ := f.IssueLink(ctx, admin, bot.English)
	if !strings.Contains(l3, "/dashboard/sign-in?token=") {
		t.Errorf("English link %q", l3)
	}
	// The right of access shows them (kind and dates), never a token nor
	// its hash.
	ex, err := h.Bot.ExportMember(ctx, orga)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(ex.Data["dashboard"])
	if got := string(data); strings.Count(got, `"kind"`) != 2 || !strings.Contains(got, `"session"`) || !strings.Contains(got, `"link"`) ||
		strings.Contains(got, token(t, l2)) || strings.Contains(got, f.Hash(token(t, l2))) || strings.Contains(got, sess.Token) {
		t.Errorf("export: %s", got)
	}
	if err := h.Bot.EraseMember(ctx, orga); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Session(ctx, sess.Token); !errors.Is(err, dashboard.ErrRefused) {
		t.Errorf("session after erasure: %v", err)
	}
	if _, err := h.Store.DashboardGrant(ctx, bot.GrantLink, f.Hash(token(t, l2))); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("link after erasure: %v", err)
	}
	u, _ := url.Parse(l3)
	if _, err := h.Store.DashboardGrant(ctx, bot.GrantLink, f.Hash(u.Query().Get("token"))); err != nil {
		t.Errorf("another organizer's link after the erasure: %v", err)
	}
}

// The store holds the keyed hash of a token, never the token; the hash
// depends on the deployment's key.
func TestStoredUnderAKeyedHash(t *testing.T) {
	_, f := harness(t, "https://maillage.example.fr")
	l, err := f.IssueLink(t.Context(), bottest.User("orga"), bot.French)
	if err != nil {
		t.Fatal(err)
	}
	tok := token(t, l)
	if len(tok) != 43 || f.Hash(tok) == tok || len(f.Hash(tok)) != 64 {
		t.Errorf("token %q, hash %q", tok, f.Hash(tok))
	}
	s := bottest.MatchSettings(bot.MatchSettings{})
	s.Dashboard = bot.DashboardSettings{URL: "https://maillage.example.fr", Key: []byte("another deployment")}
	other := bottest.NewMT(t, s, nil, nil)
	g, _ := dashboard.Of(other.Bot)
	if g.Hash(tok) == f.Hash(tok) {
		t.Error("two keys give the same hash")
	}
	// A session is bound to its person and language, and ends at 8 hours.
	sess, err := f.Redeem(t.Context(), tok)
	if err != nil || sess.Member != bottest.User("orga") || sess.Lang != bot.French || sess.Expires.Sub(sess.Created) != dashboard.SessionTTL {
		t.Errorf("session %+v, %v", sess.DashboardGrant, err)
	}
	if !f.CheckCSRF(sess, f.CSRF(sess)) || f.CheckCSRF(sess, "") || f.CheckCSRF(dashboard.Session{Token: "other"}, f.CSRF(sess)) {
		t.Error("CSRF tokens are not bound to their session")
	}
}

func TestNoLinkWithoutAPublicAddress(t *testing.T) {
	h, f := harness(t, "")
	if _, err := f.IssueLink(t.Context(), bottest.User("orga"), bot.French); !errors.Is(err, dashboard.ErrNotConfigured) {
		t.Errorf("IssueLink without an address: %v", err)
	}
	h.Bot.Handle(t.Context(), bot.Message{From: bottest.User("orga"), Conversation: bottest.Dm(bottest.User("orga")), Text: "tableau de bord"})
	if got := h.Take(); len(got) != 1 || got[0].Reply.Text != bottest.Fr("dashboard.not_configured") {
		t.Errorf("command without an address: %+v", got)
	}
	s := bottest.MatchSettings(bot.MatchSettings{})
	s.Dashboard.URL = "maillage.example.fr"
	if _, err := bottest.New(s, bottest.OpenBolt(t, fakeclock.New(bottest.Thursday10)), nil, core.Options{}); err == nil {
		t.Error("New accepted a public address without a scheme")
	}
}
