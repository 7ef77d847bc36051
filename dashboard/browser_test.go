package dashboard_test

import (
	"context"
	"html"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/bottest"
	"github.com/sndgct/maillage/dashboard"
)

// EnvChromium names the Chromium binary the browser test drives; the test
// is skipped without it (.ci/run installs Debian's chromium and sets it).
const EnvChromium = "MAILLAGE_TEST_CHROMIUM"

var yes = true

// browserCtx starts a headless Chromium for the test.
func browserCtx(t *testing.T) context.Context {
	t.Helper()
	path := os.Getenv(EnvChromium)
	if path == "" {
		t.Skip(EnvChromium + " is not set: no browser to drive")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.Flag("headless", true), chromedp.Flag("disable-gpu", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", "fr-FR"))
	alloc, cancelAlloc := chromedp.NewExecAllocator(t.Context(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil { // starts the browser (no timeout on this first call)
		t.Fatalf("starting %s: %v", path, err)
	}
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(cancelTimeout)
	return ctx
}

func run(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression in the page (awaiting a promise).
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}

// text returns the page's main text.
func mainText(t *testing.T, ctx context.Context) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	if err != nil {
		t.Fatalf("reading the page: %v", err)
	}
	return s
}

// tableJS reads a table of the page: row header -> cells.
const tableJS = `Object.fromEntries([...document.querySelectorAll('#t-%s tbody tr')].map(tr =>
	[tr.querySelector('th').textContent, [...tr.querySelectorAll('td')].map(td => td.textContent)]))`

func table(t *testing.T, ctx context.Context, id string) map[string][]string {
	t.Helper()
	return eval[map[string][]string](t, ctx, strings.Replace(tableJS, "%s", id, 1))
}

// contrastJS computes the WCAG contrast ratio of a few kinds of text with
// the background colour of their nearest ancestor that has one.
const contrastJS = `(() => {
	const rgb = s => s.match(/[\d.]+/g).slice(0, 4).map(Number);
	const lum = c => { const [r, g, b] = c.slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
	const bg = el => { for (; el; el = el.parentElement) { const c = rgb(getComputedStyle(el).backgroundColor); if (c.length < 4 || c[3] > 0) return c; } return [255, 255, 255]; };
	const ratio = el => { const a = lum(rgb(getComputedStyle(el).color)), b = lum(bg(el)); return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05); };
	const out = {};
	for (const [name, sel] of [["text", "main p"], ["site name", "header .site"], ["menu link", "nav a"], ["column header", "thead th"], ["cell", "tbody td"], ["CSV link", "a.csv"], ["as of", ".asof"], ["sign-out button", "form.signout button"], ["footer link", "footer a"]]) {
		const el = document.querySelector(sel);
		if (el) out[name] = ratio(el);
	}
	return out;
})()`

// useLink opens a sign-in link and presses its button, as an organizer
// does.
func useLink(t *testing.T, ctx context.Context, link string) {
	t.Helper()
	run(t, ctx, "following "+link, chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("button.primary")),
		chromedp.Click(chromedp.CSS("button.primary")), chromedp.WaitNotPresent(chromedp.CSS("button.primary")),
		chromedp.WaitVisible(chromedp.CSS("main h1")))
}

// The organizer's whole journey in a real browser: a link from the chat,
// the figures of « statistiques », the keyboard, a broadcast followed live,
// a CSV export, sign-out; then every way in without a valid link or
// session refused.
func TestBrowserJourney(t *testing.T) {
	ctx := browserCtx(t)
	e := newEnvWith(t, true, dashboard.Options{Refresh: 1})
	e.seedNetwork()
	orga := bottest.User("orga")
	stats := e.say(orga, "statistiques")
	link := e.link(orga, "tableau de bord")

	// Sign in: the link's page, its button, the overview.
	useLink(t, ctx, link)
	title := eval[string](t, ctx, "document.title")
	lang := eval[string](t, ctx, "document.documentElement.lang")
	if !strings.HasPrefix(title, bottest.Fr("dashboard.title.overview")) || lang != "fr" {
		t.Fatalf("after sign-in at %s: title %q, lang %q, cookie %q\n%s", eval[string](t, ctx, "location.href"), title, lang, eval[string](t, ctx, "document.cookie"), mainText(t, ctx))
	}

	// The figures are those of « statistiques ».
	m := table(t, ctx, "members")
	cell := func(tbl map[string][]string, key string) string {
		t.Helper()
		v := tbl[bottest.Fr(key)]
		if len(v) != 1 {
			t.Fatalf("row %q: %v", bottest.Fr(key), tbl)
		}
		return v[0]
	}
	want := bottest.Fr("stats.members", "total", cell(m, "dashboard.members.total"), "onboarded", cell(m, "dashboard.members.onboarded"),
		"matchable", cell(m, "dashboard.members.matchable"), "paused", "1", "invited", "1")
	if !strings.Contains(stats, want) || cell(m, "dashboard.members.total") != "14" {
		t.Errorf("statistiques:\n%s\nlack the dashboard's figures:\n%s", stats, want)
	}
	month := table(t, ctx, "month")
	wantMonth := bottest.Fr("stats.month", "rounds", cell(month, "dashboard.month.rounds"), "groups", cell(month, "dashboard.month.groups"),
		"members", cell(month, "dashboard.month.members"), "answered", cell(month, "dashboard.month.answered"),
		"met", cell(month, "dashboard.month.met"), "rate", cell(month, "dashboard.month.rate"))
	if !strings.Contains(stats, wantMonth) {
		t.Errorf("statistiques:\n%s\nlack the dashboard's month:\n%s", stats, wantMonth)
	}

	// The keyboard: the first Tab reaches the skip link, visibly focused;
	// Enter moves to the main content.
	run(t, ctx, "tab", chromedp.KeyEvent(kb.Tab))
	focus := eval[struct {
		Class, Outline string
		Left           float64
	}](t, ctx, `({Class: document.activeElement.className,
		Outline: getComputedStyle(document.activeElement).outlineStyle,
		Left: document.activeElement.getBoundingClientRect().left})`)
	if focus.Class != "skip" || focus.Outline == "none" || focus.Left < 0 {
		t.Errorf("first Tab: %+v, want the skip link, on screen, with a visible outline", focus)
	}
	run(t, ctx, "enter", chromedp.KeyEvent(kb.Enter))
	hash := eval[string](t, ctx, `location.hash`)
	if hash != "#contenu" {
		t.Errorf("the skip link leads to %q", hash)
	}

	// Contrasts of the text, as the browser computes the colours: at
	// least 4.5:1 against the background it sits on.
	contrasts := eval[map[string]float64](t, ctx, contrastJS)
	t.Logf("contrasts: %v", contrasts)
	if len(contrasts) < 5 {
		t.Errorf("contrasts measured: %v", contrasts)
	}
	for what, ratio := range contrasts {
		if ratio < 4.5 {
			t.Errorf("contrast of %s: %.2f:1, want at least 4.5:1", what, ratio)
		}
	}

	// Every chart is followed by its table; no page loads a script.
	for _, path := range []string{"tours", "membres", "congres"} {
		run(t, ctx, path, chromedp.Navigate(e.Srv.URL+"/tableau-de-bord/"+path), chromedp.WaitVisible(chromedp.CSS("main h1")))
		charts := eval[int](t, ctx, `document.querySelectorAll('svg[role=img]').length`)
		tables := eval[int](t, ctx, `[...document.querySelectorAll('figure')].filter(f => f.nextElementSibling && f.nextElementSibling.querySelector('table caption')).length`)
		scripts := eval[int](t, ctx, `document.scripts.length`)
		if charts == 0 || charts != tables || scripts != 0 {
			t.Errorf("/%s: %d charts, %d followed by a table, %d scripts", path, charts, tables, scripts)
		}
	}

	// Reflow (RGAA 10.11): at 320 CSS pixels wide no page scrolls
	// sideways; wide tables and charts scroll or shrink inside their box.
	run(t, ctx, "320 px", chromedp.EmulateViewport(320, 800))
	for _, path := range []string{"", "tours", "membres", "congres", "diffusions", "accessibilite"} {
		run(t, ctx, path+" at 320 px", chromedp.Navigate(e.Srv.URL+"/tableau-de-bord/"+path), chromedp.WaitVisible(chromedp.CSS("main h1")))
		if w := eval[int](t, ctx, `document.documentElement.scrollWidth`); w > 320 || eval[int](t, ctx, `window.innerWidth`) != 320 {
			t.Errorf("/%s at 320 px: the page is %d px wide", path, w)
		}
	}
	run(t, ctx, "viewport back", chromedp.ResetViewport())

	// A broadcast followed live: the page reloads itself while it runs.
	// Blocked on the 8th post: the groups of 1, 2 and 4 are recorded
	// (7 delivered, and the member who declined announcements left out).
	e.Gate.after, e.Gate.blocked, e.Gate.release = 7, make(chan struct{}), make(chan struct{})
	bc := e.broadcast()
	e.H.Bot.Tick(t.Context())
	<-e.Gate.blocked
	run(t, ctx, "broadcasts", chromedp.Navigate(e.Srv.URL+"/tableau-de-bord/diffusions"), chromedp.WaitVisible(chromedp.CSS("progress")))
	progress := eval[string](t, ctx, `document.querySelector('progress').getAttribute('value')`)
	row := table(t, ctx, "broadcasts")[bc.ID]
	if progress != "8" || len(row) < 11 || row[3] != bottest.Fr("broadcasts.state.running") {
		t.Errorf("running broadcast: progress %q, row %q", progress, row)
	}
	close(e.Gate.release)
	e.H.Bot.WaitJobs()
	e.H.Bot.Tick(t.Context())
	e.H.Bot.WaitJobs()
	e.H.Take() // the broadcast's messages
	// No reload asked once done: the page the browser reloaded by
	// itself shows the broadcast finished.
	run(t, ctx, "waiting for the page to reload itself", chromedp.WaitNotPresent(chromedp.CSS(`meta[http-equiv="refresh"]`)))
	row = table(t, ctx, "broadcasts")[bc.ID]
	if len(row) < 11 || row[3] != bottest.Fr("broadcasts.state.done") || row[5] != "13" {
		t.Errorf("finished broadcast row: %q", row)
	}

	// A CSV export, downloaded as the organizer does: a click on the link.
	dir := t.TempDir()
	downloads := chromedp.Events(ctx, browser.DownloadProgress)
	run(t, ctx, "CSV", chromedp.Navigate(e.Srv.URL+"/tableau-de-bord/"), chromedp.WaitVisible(chromedp.CSS("a.csv")),
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
				Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: &yes})
			return err
		}),
		chromedp.Click(chromedp.CSS("a.csv")))
	var csvText string
	for ev, err := range downloads {
		if err != nil {
			t.Fatalf("download: %v", err)
		}
		if ev.State == browser.DownloadProgressStateCanceled {
			t.Fatal("download canceled")
		}
		if ev.State == browser.DownloadProgressStateCompleted {
			b, err := os.ReadFile(filepath.Join(dir, ev.GUID))
			if err != nil {
				t.Fatal(err)
			}
			csvText = string(b)
			break
		}
	}
	if !strings.Contains(csvText, bottest.Fr("dashboard.members.total")+";14") {
		t.Errorf("members.csv:\n%s", csvText)
	}

	// Sign out, then the cookie is gone: refused.
	run(t, ctx, "sign-out", chromedp.Click(chromedp.CSS("form.signout button")),
		chromedp.WaitNotPresent(chromedp.CSS("form.signout")), chromedp.WaitVisible(chromedp.CSS("main h1")))
	if got := mainText(t, ctx); !strings.Contains(got, bottest.Fr("dashboard.signed_out.text")) {
		t.Errorf("after sign-out:\n%s", got)
	}
	refused := func(what string) {
		t.Helper()
		if got := mainText(t, ctx); !strings.Contains(got, bottest.Fr("dashboard.refused.text")) || strings.Contains(got, bottest.Fr("dashboard.members.total")) {
			t.Errorf("%s: not refused:\n%s", what, html.UnescapeString(got))
		}
	}
	run(t, ctx, "home without cookie", chromedp.Navigate(e.Srv.URL+"/tableau-de-bord/"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	refused("no cookie")

	// The used link, an expired link, a member's link.
	useLink(t, ctx, link)
	refused("used link")
	expired := e.link(orga, "tableau de bord")
	e.Clock.Advance(16 * time.Minute)
	useLink(t, ctx, expired)
	refused("expired link")
	memberLink, err := signinOf(t, e).IssueLink(t.Context(), bottest.User("ma"), bot.French)
	if err != nil {
		t.Fatal(err)
	}
	useLink(t, ctx, memberLink)
	refused("member's link")
}
