package dashboard_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/bottest"
	"github.com/sndgct/maillage/bot/broadcasts"
	"github.com/sndgct/maillage/bot/core"
	signin "github.com/sndgct/maillage/bot/dashboard"
	"github.com/sndgct/maillage/dashboard"
	"github.com/sndgct/maillage/internal/fakeclock"
)

// gateChat is the terminal's recording adapter whose sends block, once
// open is false, after the first `after` direct messages, until release:
// a broadcast then stays running half way, for its progress to be seen.
type gateChat struct {
	*bottest.MtChat
	mu      sync.Mutex
	after   int
	sent    int
	blocked chan struct{} // closed when a send waits
	release chan struct{}
	closing sync.Once
}

func (g *gateChat) Send(ctx context.Context, conv bot.Conversation, r bot.Reply) (bot.SentMessage, error) {
	if conv.Kind == bot.Direct && g.release != nil {
		g.mu.Lock()
		g.sent++
		n := g.sent
		g.mu.Unlock()
		if n > g.after {
			g.closing.Do(func() { close(g.blocked) })
			select {
			case <-g.release:
			case <-ctx.Done():
				return bot.SentMessage{}, ctx.Err()
			}
		}
	}
	return g.MtChat.Send(ctx, conv, r)
}

func (g *gateChat) OpenDirect(ctx context.Context, u bot.UserRef) (bot.Conversation, error) {
	return g.MtChat.OpenDirect(ctx, u)
}

// env is a bot with every feature on bolt, its dashboard on a test HTTP
// server, and a fake clock.
type env struct {
	T     *testing.T
	H     *bottest.MtHarness
	Gate  *gateChat
	Srv   *httptest.Server
	Dash  *dashboard.Server
	Clock *bottest.FakeClock
}

const publicURL = "https://maillage.example.fr"

func newEnv(t *testing.T) *env { return newEnvWith(t, false, dashboard.Options{}) }

// newEnvWith builds the env; plain serves the links on the test server's
// own address (plain HTTP, as a browser reaches it) instead of publicURL.
func newEnvWith(t *testing.T, plain bool, opts dashboard.Options) *env {
	t.Helper()
	clock := fakeclock.New(bottest.Thursday10)
	s := bottest.MatchSettings(bot.MatchSettings{})
	srv := httptest.NewUnstartedServer(nil)
	t.Cleanup(srv.Close)
	s.Dashboard.URL = publicURL
	if plain {
		s.Dashboard.URL = "http://" + srv.Listener.Addr().String()
	}
	s.Privacy.Contact = "dpo@sndgct.example"
	store := bottest.OpenBolt(t, clock)
	gate := &gateChat{MtChat: &bottest.MtChat{Plat: bot.PlatformTerminal}}
	h := &bottest.MtHarness{T: t, Store: store, Clock: clock, Chats: map[bot.Platform]*bottest.MtChat{
		bot.PlatformTerminal: gate.MtChat,
		bot.PlatformSlack:    {Plat: bot.PlatformSlack},
	}}
	b, err := bottest.New(s, store, []bot.ChatAdapter{gate, h.Chats[bot.PlatformSlack]},
		core.Options{Clock: clock, Directory: bottest.NewFakeDirectory(), Sleep: bottest.VirtualSleep(clock), Content: bottest.SampleEvent(t)})
	if err != nil {
		t.Fatal(err)
	}
	h.Bot = b
	d, err := dashboard.New(b, opts)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	d.RegisterRoutes(mux)
	srv.Config.Handler = mux
	srv.Start()
	return &env{T: t, H: h, Gate: gate, Srv: srv, Dash: d, Clock: clock}
}

// say has u type text in their direct conversation and returns the one
// reply.
func (e *env) say(u bot.UserRef, text string) string {
	e.T.Helper()
	e.H.Bot.Handle(e.T.Context(), bot.Message{From: u, Conversation: bottest.Dm(u), Text: text})
	posts := e.H.Take()
	if len(posts) != 1 {
		e.T.Fatalf("%q: %d replies, want 1: %+v", text, len(posts), posts)
	}
	return posts[0].Reply.Text
}

var linkRE = regexp.MustCompile(`https?://[^/\s]+(/(?:tableau-de-bord|dashboard)/[^\s]+)`)

// link has u ask for a sign-in link in the chat, and returns it on the
// test server.
func (e *env) link(u bot.UserRef, command string) string {
	e.T.Helper()
	text := e.say(u, command)
	m := linkRE.FindStringSubmatch(text)
	if m == nil {
		e.T.Fatalf("%q gave no link: %q", command, text)
	}
	return e.Srv.URL + m[1]
}

// browser is an HTTP client with its own cookies that does not follow
// redirects (each answer is checked).
func (e *env) browser() *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		e.T.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

type page struct {
	Status int
	Header http.Header
	Body   string
}

func (e *env) get(c *http.Client, u string) page {
	e.T.Helper()
	resp, err := c.Get(u)
	if err != nil {
		e.T.Fatal(err)
	}
	return readPage(e.T, resp)
}

func (e *env) post(c *http.Client, u string, form url.Values) page {
	e.T.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		e.T.Fatal(err)
	}
	return readPage(e.T, resp)
}

func readPage(t *testing.T, resp *http.Response) page {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return page{resp.StatusCode, resp.Header, string(b)}
}

var hiddenRE = regexp.MustCompile(`<input type="hidden" name="([a-z]+)" value="([^"]*)">`)

// hidden returns the value of the page's hidden field name.
func hidden(p page, name string) string {
	for _, m := range hiddenRE.FindAllStringSubmatch(p.Body, -1) {
		if m[1] == name {
			return html.UnescapeString(m[2])
		}
	}
	return ""
}

// signIn follows the link as a browser does: the page, then its button.
// It returns the client, signed in, and the overview's URL.
func (e *env) signIn(link string) *http.Client {
	e.T.Helper()
	c := e.browser()
	form := e.get(c, link)
	if form.Status != http.StatusOK {
		e.T.Fatalf("sign-in page: %d\n%s", form.Status, form.Body)
	}
	u, _ := url.Parse(link)
	param := "jeton"
	if strings.HasPrefix(u.Path, "/dashboard") {
		param = "token"
	}
	resp := e.post(c, e.Srv.URL+u.Path, url.Values{param: {hidden(form, param)}})
	if resp.Status != http.StatusSeeOther {
		e.T.Fatalf("sign-in: %d, want 303\n%s", resp.Status, resp.Body)
	}
	// The session cookie is Secure (the public address is HTTPS): the
	// test server is plain HTTP, so the test keeps it as a browser on
	// HTTPS would.
	for _, ck := range (&http.Response{Header: resp.Header}).Cookies() {
		if ck.Name == dashboard.CookieName {
			srvURL, _ := url.Parse(e.Srv.URL)
			c.Jar.SetCookies(srvURL, []*http.Cookie{{Name: ck.Name, Value: ck.Value, Path: "/"}})
		}
	}
	return c
}

// fr is the catalogue's French text of key, as the pages write it.
func fr(key string, args ...string) string { return html.EscapeString(bottest.Fr(key, args...)) }

// signinOf returns the sign-in feature the bot runs.
func signinOf(t *testing.T, e *env) *signin.Feature {
	t.Helper()
	f, ok := signin.Of(e.H.Bot)
	if !ok {
		t.Fatal("no dashboard feature")
	}
	return f
}

var rowRE = regexp.MustCompile(`<tr><th scope="row">([^<]*)</th>((?:<td>[^<]*</td>)*)</tr>`)
var cellRE = regexp.MustCompile(`<td>([^<]*)</td>`)

// rows returns the rows of the table id in the page: row header -> cells.
func rows(t *testing.T, p page, id string) map[string][]string {
	t.Helper()
	start := strings.Index(p.Body, `<table id="t-`+id+`">`)
	if start < 0 {
		t.Fatalf("no table %s in the page:\n%s", id, p.Body)
	}
	body := p.Body[start:]
	body = body[:strings.Index(body, "</table>")]
	out := map[string][]string{}
	for _, m := range rowRE.FindAllStringSubmatch(body, -1) {
		var cells []string
		for _, c := range cellRE.FindAllStringSubmatch(m[2], -1) {
			cells = append(cells, html.UnescapeString(c[1]))
		}
		out[html.UnescapeString(m[1])] = cells
	}
	return out
}

// seedNetwork records a network of 14 members, a round last month and one
// this month with answers, follows, and a search that found nothing.
func (e *env) seedNetwork() {
	t, h := e.T, e.H
	ctx := t.Context()
	var refs []bot.UserRef
	for i := range 12 {
		ref := bottest.User("m" + string(rune('a'+i)))
		refs = append(refs, ref)
		h.Seed(ref, "Membre "+string(rune('A'+i)), bottest.Towns[i%3], "dgs", "ia", "rh")
	}
	paused := h.Seed(bottest.User("pauline"), "Pauline", bottest.Towns[0], "dga", "qvt")
	paused.PausedUntil = e.Clock.Now().AddDate(0, 3, 0)
	if err := h.Store.SaveMember(ctx, paused); err != nil {
		t.Fatal(err)
	}
	invited := bot.Member{Ref: bottest.User("ines"), Name: "Inès", Imported: e.Clock.Now(), Invited: e.Clock.Now(), Created: e.Clock.Now(), Updated: e.Clock.Now()}
	if err := h.Store.SaveMember(ctx, invited); err != nil {
		t.Fatal(err)
	}
	h.Round("tour|1")
	e.answerAll(refs[:8])
	e.Clock.Advance(35 * 24 * time.Hour) // past the members' cadence; 31 December
	h.Round("tour|2")
	e.answerAll(refs[:6])
	for _, ref := range refs[:6] {
		if err := h.Store.SaveHighlightFollows(ctx, bot.HighlightFollows{Member: ref, Topics: []string{"ia"}, Updated: e.Clock.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.Store.CountSearchMiss(ctx, "velo cargo"); err != nil {
		t.Fatal(err)
	}
}

// answerAll has each of who press « Nous avons échangé » in their group.
func (e *env) answerAll(who []bot.UserRef) {
	e.T.Helper()
	for _, p := range bottest.GroupPosts(e.H.Take()) {
		for _, u := range who {
			if strings.Contains(p.Conv.ID, "+"+u.User) || strings.Contains(p.Conv.ID, ":"+u.User+"+") {
				e.H.PickIn(u, p.Conv, p.Reply.Choices[0])
			}
		}
	}
	e.H.Take()
}

// broadcast submits a broadcast to everyone, from the command line.
func (e *env) broadcast() bot.Broadcast {
	e.T.Helper()
	f := bottest.Of[*broadcasts.Feature](e.H.Bot)
	bc, _, err := f.SubmitBroadcast(e.T.Context(), broadcasts.BroadcastDraft{Text: map[bot.Lang]string{bot.French: "Le congrès ouvre ses inscriptions."},
		Origin: "cli", Operator: "test"})
	if err != nil {
		e.T.Fatal(err)
	}
	return bc
}
