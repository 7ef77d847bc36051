package main

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sndgct/maillage/dashboard"
)

// The binary serves the dashboard on its HTTP server when http.listen and
// http.public_url are set: the link an organizer gets in the terminal
// opens a session, the pages and CSV exports answer, and the token never
// reaches the logs.
func TestDashboardOnTheBotsHTTPServer(t *testing.T) {
	addr := freeAddr(t)
	base := "http://" + addr
	in, feed := io.Pipe()
	var out, logs syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	code := make(chan int, 1)
	go func() {
		code <- run(ctx, []string{"--data-dir", t.TempDir()}, stdio{in: in, out: &out, err: &logs},
			jsonDebugLogs(env("MAILLAGE_HTTP_LISTEN", addr, "MAILLAGE_PUBLIC_URL", base)))
	}()
	defer func() {
		cancel()
		feed.Close()
		<-code
		e2eLogs.add(t.Name(), logs.String())
	}()
	waitStatus(t, base+"/healthz", 200)
	if _, err := io.WriteString(feed, "/as orga\ntableau de bord\n"); err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(regexp.QuoteMeta(base) + `/tableau-de-bord/connexion\?jeton=([A-Za-z0-9_-]+)`)
	var token string
	waitFor(t, 10*time.Second, "no link in the terminal", func() bool {
		m := re.FindStringSubmatch(out.String())
		if m != nil {
			token = m[1]
		}
		return m != nil
	})
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.PostForm(base+"/tableau-de-bord/connexion", url.Values{"jeton": {token}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == dashboard.CookieName {
			session = c
		}
	}
	if resp.StatusCode != http.StatusSeeOther || session == nil || session.Secure {
		t.Fatalf("sign-in: %d, cookie %+v (plain HTTP public address: not Secure)", resp.StatusCode, session)
	}
	for _, path := range []string{"/tableau-de-bord/", "/dashboard/members", "/tableau-de-bord/csv/members.csv"} {
		req, _ := http.NewRequest(http.MethodGet, base+path, nil)
		req.AddCookie(&http.Cookie{Name: dashboard.CookieName, Value: session.Value})
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || len(body) == 0 {
			t.Errorf("%s: %d\n%s", path, resp.StatusCode, body)
		}
	}
	if code, _ := get(t, base+"/tableau-de-bord/"); code != http.StatusUnauthorized {
		t.Errorf("no cookie: %d", code)
	}
	if strings.Contains(logs.String(), token) || strings.Contains(logs.String(), session.Value) {
		t.Error("a token reached the logs")
	}
}

// Without a public address the command says what the administrators must
// set, and no page is served.
func TestDashboardNeedsAPublicAddress(t *testing.T) {
	r := runMain(t, "/as orga\ntableau de bord\n", env(), "--data-dir", t.TempDir())
	if r.code != 0 || !strings.Contains(r.out, fr("dashboard.not_configured")) {
		t.Errorf("exit %d:\n%s", r.code, r.out)
	}
}
