package dashboard_test

import (
	"cmp"
	"encoding/csv"
	"fmt"
	"html"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/bottest"
	"github.com/sndgct/maillage/bot/catalog"
	"github.com/sndgct/maillage/dashboard"
)

// The sign-in journey: the chat gives an organizer a link; its page shows
// a button (a GET never uses the link); the button opens a session whose
// cookie is HttpOnly, SameSite=Strict and Secure behind HTTPS; the link
// then no longer works.
func TestSignInWithTheChatLink(t *testing.T) {
	e := newEnv(t)
	orga := bottest.User("orga")
	link := e.link(orga, "tableau de bord")
	if !strings.Contains(link, "/tableau-de-bord/connexion?jeton=") {
		t.Fatalf("link %q", link)
	}
	c := e.browser()
	// Opening the page twice (a link preview, then the organizer) does
	// not use the link.
	for range 2 {
		p := e.get(c, link)
		if p.Status != http.StatusOK || hidden(p, "jeton") == "" || !strings.Contains(p.Body, fr("dashboard.signin.button")) {
			t.Fatalf("sign-in page: %d\n%s", p.Status, p.Body)
		}
		if p.Header.Get("Referrer-Policy") != "no-referrer" || p.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("sign-in page headers: %v", p.Header)
		}
	}
	u, _ := url.Parse(link)
	token := u.Query().Get("jeton")
	// The same link in English, from the language switch.
	if p := e.get(c, link); !strings.Contains(p.Body, `href="/dashboard/sign-in?token=`+token+`"`) {
		t.Errorf("no English version of the link:\n%s", p.Body)
	}
	resp := e.post(c, e.Srv.URL+u.Path, url.Values{"jeton": {token}})
	if resp.Status != http.StatusSeeOther {
		t.Fatalf("sign-in: %d\n%s", resp.Status, resp.Body)
	}
	cookie := resp.Header.Get("Set-Cookie")
	for _, want := range []string{dashboard.CookieName + "=", "HttpOnly", "SameSite=Strict", "Secure", "Max-Age=28800", "Path=/"} {
		if !strings.Contains(cookie, want) {
			t.Errorf("cookie %q lacks %q", cookie, want)
		}
	}
	// The session cookie is Secure (the public address is HTTPS): the
	// test server is plain HTTP, so the test hands it over itself.
	value := strings.TrimPrefix(strings.SplitN(cookie, ";", 2)[0], dashboard.CookieName+"=")
	srvURL, _ := url.Parse(e.Srv.URL)
	c.Jar.SetCookies(srvURL, []*http.Cookie{{Name: dashboard.CookieName, Value: value, Path: "/"}})
	home := e.get(c, e.Srv.URL+"/tableau-de-bord/")
	if home.Status != http.StatusOK || !strings.Contains(home.Body, fr("dashboard.title.overview")) {
		t.Fatalf("overview: %d\n%s", home.Status, home.Body)
	}
	// The token is stored only as its hash.
	if strings.Contains(home.Body, token) || strings.Contains(home.Body, value) {
		t.Error("the page shows a token")
	}
	// Used once: the same link is refused afterwards.
	again := e.post(e.browser(), e.Srv.URL+u.Path, url.Values{"jeton": {token}})
	if again.Status != http.StatusForbidden || !strings.Contains(again.Body, fr("dashboard.refused.how")) {
		t.Errorf("second use: %d\n%s", again.Status, again.Body)
	}
}

// Every way in without a valid link or session is refused with the same
// page: no cookie, a bad cookie, a used link, an expired link, the link of
// someone who is not (or no longer) an organizer.
func TestRefusals(t *testing.T) {
	e := newEnv(t)
	orga := bottest.User("orga")
	home := e.Srv.URL + "/tableau-de-bord/"
	refused := func(what string, p page, status int) {
		t.Helper()
		if p.Status != status || !strings.Contains(p.Body, fr("dashboard.refused.text")) {
			t.Errorf("%s: %d, want %d and the refusal\n%s", what, p.Status, status, p.Body)
		}
		if strings.Contains(p.Body, "<nav") {
			t.Errorf("%s: the refusal shows the navigation", what)
		}
	}
	refused("no cookie", e.get(e.browser(), home), http.StatusUnauthorized)
	for _, path := range []string{"tours", "membres", "congres", "diffusions", "csv/members.csv"} {
		refused("no cookie on "+path, e.get(e.browser(), home+path), http.StatusUnauthorized)
	}
	c := e.browser()
	srvURL, _ := url.Parse(e.Srv.URL)
	c.Jar.SetCookies(srvURL, []*http.Cookie{{Name: dashboard.CookieName, Value: "forged", Path: "/"}})
	refused("forged cookie", e.get(c, home), http.StatusUnauthorized)

	// Expired: 15 minutes and one second later.
	link := e.link(orga, "tableau de bord")
	e.Clock.Advance(15*time.Minute + time.Second)
	u, _ := url.Parse(link)
	refused("expired link", e.post(e.browser(), e.Srv.URL+u.Path, url.Values{"jeton": {u.Query().Get("jeton")}}), http.StatusForbidden)
	// Expired links are used up too: not valid again when the clock goes back.
	e.Clock.Advance(-15*time.Minute - time.Second)
	refused("expired link, again", e.post(e.browser(), e.Srv.URL+u.Path, url.Values{"jeton": {u.Query().Get("jeton")}}), http.StatusForbidden)

	// A member gets no link in the chat…
	member := bottest.User("alice")
	if got := e.say(member, "tableau de bord"); got != bottest.Fr("error.forbidden.organizer") {
		t.Errorf("a member asked for a link: %q", got)
	}
	// …and a link made for someone who is not an organizer (one whose
	// role was withdrawn since) opens nothing.
	auth := signinOf(t, e)
	memberLink, err := auth.IssueLink(t.Context(), member, bot.French)
	if err != nil {
		t.Fatal(err)
	}
	mu, _ := url.Parse(memberLink)
	refused("member's link", e.post(e.browser(), e.Srv.URL+mu.Path, url.Values{"jeton": {mu.Query().Get("jeton")}}), http.StatusForbidden)

	// A session expires after 8 hours.
	c = e.signIn(e.link(orga, "tableau de bord"))
	copySecureCookie(t, e, c)
	if p := e.get(c, home); p.Status != http.StatusOK {
		t.Fatalf("signed in: %d", p.Status)
	}
	e.Clock.Advance(8*time.Hour + time.Second)
	refused("session after 8 hours", e.get(c, home), http.StatusUnauthorized)

	// A sign-in page without a token, and a form from another site.
	refused("no token", e.get(e.browser(), e.Srv.URL+"/tableau-de-bord/connexion"), http.StatusForbidden)
	link = e.link(orga, "tableau de bord")
	u, _ = url.Parse(link)
	req, _ := http.NewRequest(http.MethodPost, e.Srv.URL+u.Path, strings.NewReader(url.Values{"jeton": {u.Query().Get("jeton")}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://elsewhere.example")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	refused("cross-site form", readPage(t, resp), http.StatusForbidden)
}

// copySecureCookie checks that the client holds the session cookie
// (signIn keeps it).
func copySecureCookie(t *testing.T, e *env, c *http.Client) {
	t.Helper()
	srvURL, _ := url.Parse(e.Srv.URL)
	if len(c.Jar.Cookies(srvURL)) == 0 {
		t.Fatal("no session cookie")
	}
}

// The sign-out form needs its CSRF token; once signed out, the cookie is
// cleared and the session refused even if replayed.
func TestSignOutNeedsTheCSRFToken(t *testing.T) {
	e := newEnv(t)
	c := e.signIn(e.link(bottest.User("orga"), "tableau de bord"))
	copySecureCookie(t, e, c)
	home := e.get(c, e.Srv.URL+"/tableau-de-bord/")
	csrf := hidden(home, "csrf")
	if csrf == "" {
		t.Fatalf("no CSRF token on the page:\n%s", home.Body)
	}
	for _, bad := range []string{"", "0000", csrf[:len(csrf)-1] + "x"} {
		p := e.post(c, e.Srv.URL+"/tableau-de-bord/deconnexion", url.Values{"csrf": {bad}})
		if p.Status != http.StatusForbidden || !strings.Contains(p.Body, fr("dashboard.csrf.text")) {
			t.Errorf("sign-out with CSRF %q: %d\n%s", bad, p.Status, p.Body)
		}
	}
	if p := e.get(c, e.Srv.URL+"/tableau-de-bord/"); p.Status != http.StatusOK {
		t.Fatalf("still signed in after refused sign-outs: %d", p.Status)
	}
	srvURL, _ := url.Parse(e.Srv.URL)
	session := c.Jar.Cookies(srvURL)[0].Value
	out := e.post(c, e.Srv.URL+"/tableau-de-bord/deconnexion", url.Values{"csrf": {csrf}})
	if out.Status != http.StatusOK || !strings.Contains(out.Body, fr("dashboard.signed_out.text")) {
		t.Fatalf("sign-out: %d\n%s", out.Status, out.Body)
	}
	if sc := out.Header.Get("Set-Cookie"); !strings.Contains(sc, "Max-Age=0") {
		t.Errorf("sign-out does not clear the cookie: %q", sc)
	}
	replay := e.browser()
	replay.Jar.SetCookies(srvURL, []*http.Cookie{{Name: dashboard.CookieName, Value: session, Path: "/"}})
	if p := e.get(replay, e.Srv.URL+"/tableau-de-bord/"); p.Status != http.StatusUnauthorized {
		t.Errorf("replayed session after sign-out: %d", p.Status)
	}
}

// The overview's figures are those of « statistiques », and no name shows
// anywhere; small counts are « < 5 ».
func TestFiguresEqualStatistics(t *testing.T) {
	e := newEnv(t)
	e.seedNetwork()
	orga := bottest.User("orga")
	stats := e.say(orga, "statistiques")
	c := e.signIn(e.link(orga, "tableau de bord"))
	copySecureCookie(t, e, c)
	home := e.get(c, e.Srv.URL+"/tableau-de-bord/")
	m := rows(t, home, "members")
	cell := func(tbl map[string][]string, key string) string {
		t.Helper()
		v, ok := tbl[bottest.Fr(key)]
		if !ok || len(v) != 1 {
			t.Fatalf("no row %q: %v", bottest.Fr(key), tbl)
		}
		return v[0]
	}
	want := bottest.Fr("stats.members", "total", cell(m, "dashboard.members.total"), "onboarded", cell(m, "dashboard.members.onboarded"),
		"matchable", cell(m, "dashboard.members.matchable"), "paused", "1", "invited", "1")
	if !strings.Contains(stats, want) {
		t.Errorf("statistiques:\n%s\nlack the dashboard's members line:\n%s", stats, want)
	}
	if cell(m, "dashboard.members.total") != "14" || cell(m, "dashboard.members.onboarded") != "13" || cell(m, "dashboard.members.paused") != "<\u00a05" {
		t.Errorf("members table: %v", m)
	}
	month := rows(t, home, "month")
	wantMonth := bottest.Fr("stats.month", "rounds", cell(month, "dashboard.month.rounds"), "groups", cell(month, "dashboard.month.groups"),
		"members", cell(month, "dashboard.month.members"), "answered", cell(month, "dashboard.month.answered"),
		"met", cell(month, "dashboard.month.met"), "rate", cell(month, "dashboard.month.rate"))
	if !strings.Contains(stats, wantMonth) {
		t.Errorf("statistiques:\n%s\nlack the dashboard's month:\n%s", stats, wantMonth)
	}
	if cell(month, "dashboard.month.rounds") != "1" || cell(month, "dashboard.month.members") != "12" || cell(month, "dashboard.month.met") != "6" {
		t.Errorf("month table: %v", month)
	}
	for _, path := range []string{"", "tours", "membres", "congres", "diffusions"} {
		p := e.get(c, e.Srv.URL+"/tableau-de-bord/"+path)
		if p.Status != http.StatusOK {
			t.Errorf("/%s: %d\n%s", path, p.Status, p.Body)
		}
		for _, name := range []string{"Membre A", "Pauline", "Inès", "Évry", "Créteil"} {
			if strings.Contains(p.Body, name) {
				t.Errorf("/%s shows %q", path, name)
			}
		}
	}
	r := rows(t, e.get(c, e.Srv.URL+"/tableau-de-bord/tours"), "rounds")
	if len(r) != 2 {
		t.Errorf("rounds table: %v", r)
	}
	for date, cells := range r {
		if cells[len(cells)-1] != "0" {
			t.Errorf("round of %s: %s repeats", date, cells[len(cells)-1])
		}
	}
	regions := rows(t, e.get(c, e.Srv.URL+"/tableau-de-bord/membres"), "regions")
	if got := regions["Île-de-France"]; len(got) != 1 || got[0] != "9" {
		t.Errorf("Île-de-France: %v in %v", got, regions)
	}
	congress := e.get(c, e.Srv.URL+"/tableau-de-bord/congres")
	if got := rows(t, congress, "misses")["velo cargo"]; len(got) != 1 || got[0] != "<\u00a05" {
		t.Errorf("missed search: %v", got)
	}
	if got := rows(t, congress, "topics")["Intelligence artificielle"]; len(got) != 1 || got[0] != "6" {
		t.Errorf("topic: %v", got)
	}
}

// The rounds page and its CSV count the members left out by the reason
// stored with the round, « < 5 » for 1 to 4; a round stored before reasons
// were kept counts them as « not recorded ».
func TestSitOutReasonsOnTheRoundsPage(t *testing.T) {
	e := newEnv(t)
	e.seedNetwork()
	ctx := t.Context()
	round := bot.MatchRound{ID: "manual|1", Created: e.Clock.Now().Add(24 * time.Hour)}
	for i := range 9 {
		round.SatOut = append(round.SatOut, bottest.User(fmt.Sprintf("s%d", i)))
	}
	// 6 for their size preference, 1 odd, 1 unknown reason, 1 without any.
	round.SatOutWhy = []string{"own_size", "own_size", "odd", "own_size", "own_size", "own_size", "own_size", "later"}
	if _, err := e.H.Store.CreateRound(ctx, round); err != nil {
		t.Fatal(err)
	}
	old := bot.MatchRound{ID: "manual|0", Created: e.Clock.Now().Add(-70 * 24 * time.Hour), SatOut: []bot.UserRef{bottest.User("s0")}}
	if _, err := e.H.Store.CreateRound(ctx, old); err != nil {
		t.Fatal(err)
	}
	c := e.signIn(e.link(bottest.User("orga"), "tableau de bord"))
	copySecureCookie(t, e, c)
	page := e.get(c, e.Srv.URL+"/tableau-de-bord/tours")
	r := rows(t, page, "rounds")
	head := []string{"odd", "own_size", "own_region", "own_prefs", "no_partner", "taken", "unrecorded"}
	for _, k := range head {
		if !strings.Contains(page.Body, ">"+html.EscapeString(bottest.Fr("dashboard.rounds.satout."+k))+"<") {
			t.Errorf("no column %q", bottest.Fr("dashboard.rounds.satout."+k))
		}
	}
	for _, c := range []struct {
		date string
		want []string
	}{
		{"01/01/2027", []string{"<\u00a05", "6", "0", "0", "0", "0", "<\u00a05"}},
		{"22/10/2026", []string{"0", "0", "0", "0", "0", "0", "<\u00a05"}},
	} {
		cells := r[c.date]
		if len(cells) < 2+len(c.want) || !slices.Equal(cells[2:2+len(c.want)], c.want) {
			t.Errorf("round of %s: %q, want sit-outs %q", c.date, cells, c.want)
		}
	}
	resp, err := c.Get(e.Srv.URL + "/tableau-de-bord/csv/rounds.csv")
	if err != nil {
		t.Fatal(err)
	}
	csvPage := readPage(t, resp)
	rd := csv.NewReader(strings.NewReader(strings.TrimPrefix(csvPage.Body, "\ufeff")))
	rd.Comma = ';'
	recs, err := rd.ReadAll()
	if err != nil || len(recs) < 2 {
		t.Fatalf("CSV: %v\n%s", err, csvPage.Body)
	}
	if got := recs[0][3:10]; got[1] != bottest.Fr("dashboard.rounds.satout.own_size") || got[6] != bottest.Fr("dashboard.rounds.satout.unrecorded") {
		t.Errorf("CSV header: %q", recs[0])
	}
	i := slices.IndexFunc(recs, func(rec []string) bool { return rec[0] == "01/01/2027" })
	if i < 0 || !slices.Equal(recs[i][3:10], []string{"<\u00a05", "6", "0", "0", "0", "0", "<\u00a05"}) {
		t.Errorf("CSV: no row of 01/01/2027 with its sit-outs: %q", recs)
	}
}

// A search that found nothing is counted, with the folded text only.
func TestMissedSearchesAreCounted(t *testing.T) {
	e := newEnv(t)
	alice := bottest.User("alice")
	for _, q := range []string{"temps forts Vélo-Cargo", "temps forts vélo cargo", "temps forts management"} {
		e.say(alice, q)
	}
	got := map[string]int{}
	if err := e.H.Store.SearchMisses(t.Context(), func(q string, n int) error {
		got[q] = n
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got["velo cargo"] != 2 {
		t.Errorf("searches that found nothing: %v, want velo cargo twice (management finds sessions)", got)
	}
}

// A running broadcast's page shows its progress and reloads itself
// (meta refresh, no script); once done, it no longer reloads.
func TestBroadcastProgress(t *testing.T) {
	e := newEnv(t)
	e.seedNetwork()
	c := e.signIn(e.link(bottest.User("orga"), "tableau de bord"))
	copySecureCookie(t, e, c)
	// The engine posts by groups of 1, 2, 4… and records a group's
	// outcomes when the group is done: blocked on the 8th post, the
	// first three groups (7 recipients) are recorded as delivered.
	e.Gate.after, e.Gate.blocked, e.Gate.release = 7, make(chan struct{}), make(chan struct{})
	bc := e.broadcast()
	e.H.Bot.Tick(t.Context())
	<-e.Gate.blocked
	p := e.get(c, e.Srv.URL+"/tableau-de-bord/diffusions")
	row := rows(t, p, "broadcasts")[bc.ID]
	if len(row) < 11 || row[3] != bottest.Fr("broadcasts.state.running") || row[4] != "14" || row[5] != "7" {
		t.Errorf("running broadcast row: %q", row)
	}
	if !strings.Contains(p.Body, `<meta http-equiv="refresh" content="5">`) || !strings.Contains(p.Body, `<progress value="8" max="14">`) {
		t.Errorf("running broadcast page:\n%s", p.Body)
	}
	// The organizer may stop the reloading (RGAA 13.1), and resume it.
	pause := regexp.MustCompile(`<p class="control"><a href="([^"]+)">` + regexp.QuoteMeta(fr("dashboard.broadcasts.pause")) + `</a></p>`).FindStringSubmatch(p.Body)
	if pause == nil {
		t.Fatalf("no link to stop the reloading:\n%s", p.Body)
	}
	stopped := e.get(c, e.Srv.URL+html.UnescapeString(pause[1]))
	if strings.Contains(stopped.Body, `http-equiv="refresh"`) || !strings.Contains(stopped.Body, fr("dashboard.broadcasts.resume")) ||
		rows(t, stopped, "broadcasts")[bc.ID][3] != bottest.Fr("broadcasts.state.running") {
		t.Errorf("page with the reloading stopped:\n%s", stopped.Body)
	}
	close(e.Gate.release)
	e.H.Bot.WaitJobs()
	e.H.Bot.Tick(t.Context())
	e.H.Bot.WaitJobs()
	e.H.Take() // the broadcast's messages
	p = e.get(c, e.Srv.URL+"/tableau-de-bord/diffusions")
	row = rows(t, p, "broadcasts")[bc.ID]
	if len(row) < 11 || row[3] != bottest.Fr("broadcasts.state.done") || row[5] != "13" || row[10] != "100,0\u00a0%" {
		t.Errorf("finished broadcast row: %q", row)
	}
	if strings.Contains(p.Body, `http-equiv="refresh"`) {
		t.Error("the page still reloads once the broadcast is done")
	}
	// Its CSV export is the table.
	resp, err := c.Get(e.Srv.URL + "/tableau-de-bord/csv/broadcasts.csv")
	if err != nil {
		t.Fatal(err)
	}
	if resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" || !strings.Contains(resp.Header.Get("Content-Disposition"), "maillage-broadcasts.csv") {
		t.Errorf("CSV headers: %v", resp.Header)
	}
	r := csv.NewReader(resp.Body)
	r.Comma = ';'
	recs, err := r.ReadAll()
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || strings.TrimPrefix(recs[0][0], "\ufeff") != bottest.Fr("dashboard.broadcasts.id") || recs[1][0] != bc.ID || recs[1][5] != "14" {
		t.Errorf("CSV: %q", recs)
	}
}

// Every table of every page has its CSV, in both languages; an unknown
// table is a 404 page.
func TestCSVExportOfEveryTable(t *testing.T) {
	e := newEnv(t)
	e.seedNetwork()
	e.broadcast()
	for _, lang := range []struct{ command, base string }{{"tableau de bord", "/tableau-de-bord/"}, {"dashboard", "/dashboard/"}} {
		c := e.signIn(e.link(bottest.User("orga"), lang.command))
		copySecureCookie(t, e, c)
		n := 0
		for _, path := range []string{"", "tours", "membres", "congres", "diffusions", "rounds", "members", "congress", "broadcasts"} {
			p := e.get(c, e.Srv.URL+lang.base+path)
			if p.Status == http.StatusNotFound {
				continue // the other language's slug
			}
			for _, m := range regexp.MustCompile(`href="(/[a-z-]+/csv/[a-z-]+\.csv)"`).FindAllStringSubmatch(p.Body, -1) {
				resp, err := c.Get(e.Srv.URL + m[1])
				if err != nil {
					t.Fatal(err)
				}
				page := readPage(t, resp)
				if page.Status != http.StatusOK || !strings.HasPrefix(page.Body, "\ufeff") || strings.Count(page.Body, "\n") < 2 {
					t.Errorf("%s: %d\n%s", m[1], page.Status, page.Body)
				}
				n++
			}
		}
		if n < 10 {
			t.Errorf("%s: %d CSV exports, want one per table (at least 10)", lang.base, n)
		}
		if p := e.get(c, e.Srv.URL+lang.base+"csv/nothing.csv"); p.Status != http.StatusNotFound {
			t.Errorf("unknown CSV: %d", p.Status)
		}
	}
}

// The English alias serves the same pages in English; the accessibility
// statement is public.
func TestEnglishAliasAndAccessibilityStatement(t *testing.T) {
	e := newEnv(t)
	// The link is in the organizer's language.
	e.say(bottest.User("orga"), "language english")
	link := e.link(bottest.User("orga"), "dashboard")
	if !strings.Contains(link, "/dashboard/sign-in?token=") {
		t.Fatalf("English link %q", link)
	}
	c := e.signIn(link)
	copySecureCookie(t, e, c)
	p := e.get(c, e.Srv.URL+"/dashboard/")
	if p.Status != http.StatusOK || !strings.Contains(p.Body, `<html lang="en">`) || !strings.Contains(p.Body, html.EscapeString(bottest.En("dashboard.title.overview"))) {
		t.Errorf("English overview: %d\n%s", p.Status, p.Body)
	}
	if !strings.Contains(p.Body, `href="/tableau-de-bord/" lang="fr" hreflang="fr"`) {
		t.Errorf("no link to the French page:\n%s", p.Body)
	}
	for _, path := range []string{"/tableau-de-bord/accessibilite", "/dashboard/accessibility"} {
		a := e.get(e.browser(), e.Srv.URL+path)
		if a.Status != http.StatusOK || !strings.Contains(a.Body, "RGAA") || !strings.Contains(a.Body, "dpo@sndgct.example") {
			t.Errorf("%s: %d\n%s", path, a.Status, a.Body)
		}
	}
}

// The structure RGAA asks for, on every page: lang, a title, a skip link
// to the main content, one h1 then h2s, tables with caption and scoped
// headers, each chart a named image followed by its table, no script, no
// external resource.
func TestPagesStructure(t *testing.T) {
	e := newEnv(t)
	e.seedNetwork()
	e.broadcast()
	c := e.signIn(e.link(bottest.User("orga"), "tableau de bord"))
	copySecureCookie(t, e, c)
	for _, path := range []string{"", "tours", "membres", "congres", "diffusions", "accessibilite"} {
		p := e.get(c, e.Srv.URL+"/tableau-de-bord/"+path)
		b := p.Body
		check := func(ok bool, what string) {
			t.Helper()
			if !ok {
				t.Errorf("/%s: %s", path, what)
			}
		}
		check(strings.Contains(b, `<html lang="fr">`), "lang")
		check(regexp.MustCompile(`<title>[^<]+</title>`).MatchString(b), "title")
		check(strings.Contains(b, `<a class="skip" href="#contenu">`) && strings.Contains(b, `<main id="contenu"`), "skip link")
		check(strings.Count(b, "<h1") == 1, "one h1")
		check(!strings.Contains(b, "<h3") && !strings.Contains(b, "<script") && !strings.Contains(b, "http://") && !strings.Contains(b, "https://"), "no h3, script or external resource")
		check(strings.Count(b, "<table") == strings.Count(b, "<caption"), "a caption per table")
		check(strings.Count(b, "<th>") == 0, "every th scoped")
		check(strings.Count(b, `<svg`) == strings.Count(b, `role="img"`), "charts are named images")
		if strings.Contains(b, "<svg") {
			check(strings.Contains(b, "aria-labelledby=\"c-"), "chart named")
		}
		check(p.Header.Get("Content-Security-Policy") != "", "content security policy")
	}
}

// Every catalogue key the templates and the package use exists in both
// languages.
func TestCatalogueHasEveryKeyOfThePages(t *testing.T) {
	cat := catalog.Default()
	re := regexp.MustCompile(`"(dashboard\.[a-z_.]+[a-z_])"`)
	keys := map[string]bool{}
	for _, id := range []string{"overview", "rounds", "members", "congress", "broadcasts"} {
		keys["dashboard.nav."+id], keys["dashboard.title."+id] = true, true
	}
	for _, kind := range dashboard.SitOutKinds {
		keys["dashboard.rounds.satout."+cmp.Or(kind, "unrecorded")] = true
	}
	err := fs.WalkDir(os.DirFS("."), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(path, "_test.go") || !(strings.HasSuffix(path, ".go") || strings.HasSuffix(path, ".html")) {
			return err
		}
		b, err := os.ReadFile(path)
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			keys[m[1]] = true
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) < 100 {
		t.Fatalf("found %d keys: is the scan broken?", len(keys))
	}
	for k := range keys {
		for _, l := range []string{"fr", "en"} {
			if !cat.Has(l, k) {
				t.Errorf("catalogue key %q missing in %s", k, l)
			}
		}
	}
}
