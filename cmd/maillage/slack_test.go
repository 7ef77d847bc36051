package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sndgct/maillage/adapters/slack/slacktest"
)

var (
	buildOnce sync.Once
	binDir    string
	binPath   string
	buildErr  error
)

// TestMain removes the binary built once for the tests that run it.
func TestMain(m *testing.M) {
	code := m.Run()
	code = reportLogProblems(os.Stdout, code)
	if binDir != "" {
		_ = os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// maillageBinary builds the maillage binary once for the whole test run.
func maillageBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "maillage-bin-")
		if buildErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "maillage")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %w\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// syncBuffer is a bytes.Buffer safe for a process's output and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

// The member journey on Slack through the real binary, configured by the
// environment variables alone: Socket Mode for messages, buttons and the
// slash command, the Events API over HTTP for a signed request.
func TestSlackBinary(t *testing.T) {
	bin := maillageBinary(t)
	const secret = e2eSigningSecret
	fake := slacktest.New(time.Second)
	defer fake.Close()
	fake.AddUser(slacktest.User{ID: "U0ALICE", Name: "alice", DisplayName: "Alice", Email: "alice@mairie.example", Locale: "fr-FR", TZ: "Europe/Paris"})
	fake.AddUser(slacktest.User{ID: "U0BOB", Name: "bob", DisplayName: "Bob", Locale: "en-GB", TZ: "Europe/London"})

	addr := freeAddr(t)
	var logs syncBuffer
	cmd := exec.Command(bin)
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"MAILLAGE_DATA_DIR=" + t.TempDir(),
		"MAILLAGE_SLACK_BOT_TOKEN=" + slacktest.BotToken,
		"MAILLAGE_SLACK_APP_TOKEN=" + slacktest.AppToken,
		"MAILLAGE_SLACK_SIGNING_SECRET=" + secret,
		"MAILLAGE_SLACK_API_URL=" + fake.URL(),
		"MAILLAGE_HTTP_LISTEN=" + addr,
		"MAILLAGE_LOG_LEVEL=debug",
		"MAILLAGE_LOG_FORMAT=json",
	}
	cmd.Stdout, cmd.Stderr = &logs, &logs
	defer func() { e2eLogs.add(t.Name(), logs.String()) }()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		_ = cmd.Process.Kill()
		<-exited
	}()

	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%v\nlogs:\n%s", err, logs.String())
		}
	}
	// waitPost returns the first post or update after the last one
	// returned that holds want in its text, in channel.
	seen := 0
	waitPost := func(channel, want string) slacktest.Post {
		t.Helper()
		for {
			got, err := fake.WaitPosts(ctx, seen+1)
			must(err)
			p := got[seen]
			seen++
			if _, ok := p.Form["link_names"]; ok {
				t.Errorf("post %d sets link_names", seen)
			}
			if v, ok := p.Form["parse"]; ok && v == "full" {
				t.Errorf("post %d sets parse=full", seen)
			}
			if p.Channel == channel && strings.Contains(p.Text, want) {
				return p
			}
		}
	}
	send := func(typ string, payload []byte) string {
		t.Helper()
		id, err := fake.Envelope(ctx, typ, payload)
		must(err)
		return id
	}
	ts := 100
	dm := func(user, channel, text string) {
		t.Helper()
		ts++
		send("events_api", slacktest.MessageIM(fmt.Sprintf("EvE2E%03d", ts), user, channel, text, fmt.Sprintf("1700000%03d.000100", ts)))
	}

	// A member says bonjour in a DM and is greeted in French (their Slack
	// locale); the onboarding starts.
	must(fake.WaitSocket(ctx, 1))
	dm("U0ALICE", "D0ALICE", "bonjour")
	waitPost("D0ALICE", "Bonjour ! Je suis Maillage")

	// They answer, and confirm their collectivity with a button: the
	// question shows the choice instead of its buttons, and the next one
	// comes.
	dm("U0ALICE", "D0ALICE", "je suis DGS de Saint-Pierre-du-Perray")
	confirm := waitPost("D0ALICE", "Votre collectivité est-elle bien Saint-Pierre-du-Perray")
	send("interactive", slacktest.Click("U0ALICE", confirm, slackButton(t, confirm, fr("members.yes"))))
	if up := waitPost("D0ALICE", ""); up.Method != "chat.update" || up.TS != confirm.TS || len(up.Buttons()) != 0 ||
		!strings.Contains(string(up.Blocks), "✓") {
		t.Errorf("after the click: %s of %s with %d buttons, want the question updated without buttons", up.Method, up.TS, len(up.Buttons()))
	}
	waitPost("D0ALICE", fr("members.interests.ask"))

	// They stop there, and choose English with a button clicked twice:
	// handled once.
	dm("U0ALICE", "D0ALICE", "annuler")
	waitPost("D0ALICE", fr("cancel.done"))
	dm("U0ALICE", "D0ALICE", "langue")
	ask := waitPost("D0ALICE", "")
	click := slacktest.Click("U0ALICE", ask, slackButton(t, ask, "English"))
	send("interactive", click)
	send("interactive", click)
	langSet := en("lang.set", "language", "English")
	waitPost("D0ALICE", langSet)

	// The slash command answers in the member's DM, now in English.
	send("slash_commands", slacktest.SlashCommand("U0ALICE", "C0GENERAL", "aide"))
	waitPost("D0ALICE", en("help.header"))

	// Slack recycles the socket: the bot reconnects, one socket at a time,
	// and goes on answering.
	must(fake.Disconnect("refresh_requested"))
	must(fake.WaitSocket(ctx, 2))
	dm("U0ALICE", "D0ALICE", "aide")
	waitPost("D0ALICE", en("help.header"))
	if _, most := fake.Sockets(); most != 1 {
		t.Errorf("%d sockets open at once, want 1", most)
	}

	// The Events API over HTTP: signed requests accepted, forged and stale
	// ones refused.
	url := "http://" + addr + "/slack/events"
	post := func(body []byte, sign func(http.Header)) int {
		t.Helper()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
		must(err)
		req.Header.Set("Content-Type", "application/json")
		sign(req.Header)
		res, err := http.DefaultClient.Do(req)
		must(err)
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode
	}
	event := slacktest.MessageIM("EvE2E04", "U0BOB", "D0BOB", "aide", "1700000104.000100")
	now := time.Now()
	tests := []struct {
		name string
		sign func(http.Header)
		want int
	}{
		{"forged", func(h http.Header) { slacktest.Sign(h, "not-the-secret", now, event) }, http.StatusUnauthorized},
		{"stale", func(h http.Header) { slacktest.Sign(h, secret, now.Add(-6*time.Minute), event) }, http.StatusUnauthorized},
		{"unsigned", func(http.Header) {}, http.StatusUnauthorized},
		{"signed", func(h http.Header) { slacktest.Sign(h, secret, now, event) }, http.StatusOK},
	}
	for _, tt := range tests {
		if got := post(event, tt.sign); got != tt.want {
			t.Errorf("%s request: status %d, want %d", tt.name, got, tt.want)
		}
	}
	waitPost("D0BOB", en("help.header"))

	// Stopping: SIGTERM ends the process cleanly.
	must(cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-exited:
		exited <- err
		if err != nil {
			t.Errorf("exit after SIGTERM: %v\nlogs:\n%s", err, logs.String())
		}
	case <-ctx.Done():
		t.Fatal("the process did not stop on SIGTERM")
	}
	// The duplicate click and the refused requests produced nothing.
	n := 0
	for _, p := range fake.Posts() {
		if strings.Contains(p.Text, langSet) {
			n++
		}
		if p.Channel == "D0BOB" && p.Method == "chat.postMessage" && !strings.Contains(p.Text, en("help.header")) {
			t.Errorf("unexpected post to bob: %q", p.Text)
		}
	}
	if n != 1 {
		t.Errorf("the language confirmed %d times, want once", n)
	}
	out := logs.String()
	for _, secretValue := range []string{slacktest.BotToken, slacktest.AppToken, secret} {
		if strings.Contains(out, secretValue) {
			t.Errorf("the logs show a secret (%.8s…)", secretValue)
		}
	}
	if !strings.Contains(out, "slack connected") {
		t.Errorf("logs lack the start-up check:\n%s", out)
	}
}
