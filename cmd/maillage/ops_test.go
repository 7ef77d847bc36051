package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// startInProcess runs the bot in this process on the terminal adapter,
// fed by a pipe that stays open, until the test ends; it returns the pipe
// and a channel that receives run's exit code.
func startInProcess(t *testing.T, e func(string) string, args ...string) (*io.PipeWriter, *syncBuffer, <-chan int) {
	t.Helper()
	in, feed := io.Pipe()
	var out, logs syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	code := make(chan int, 1)
	go func() { code <- run(ctx, args, stdio{in: in, out: &out, err: &logs}, jsonDebugLogs(e)) }()
	t.Cleanup(func() {
		cancel()
		feed.Close()
		select {
		case <-code:
		case <-time.After(15 * time.Second):
			t.Error("the bot did not stop")
		}
		e2eLogs.add(t.Name(), logs.String())
	})
	return feed, &out, code
}

// get returns the status and body of GET url, retrying while the server
// starts (connection refused) for up to 10 s.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(url)
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			return resp.StatusCode, string(body)
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s: %v", url, err)
		}
		time.Sleep(20 * time.Millisecond) // the server is starting: poll, no timer awaited
	}
}

// waitStatus polls url until it answers want, for up to 10 s.
func waitStatus(t *testing.T, url string, want int) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, body := get(t, url)
		if code == want {
			return body
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s: %d %q, want %d", url, code, body, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestHealthReadinessAndMetrics(t *testing.T) {
	addr := freeAddr(t)
	feed, out, _ := startInProcess(t, env("MAILLAGE_HTTP_LISTEN", addr), "--data-dir", t.TempDir())
	base := "http://" + addr
	if code, body := get(t, base+"/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("/healthz: %d %q", code, body)
	}
	if body := waitStatus(t, base+"/readyz", 200); body != "ready\n" {
		t.Errorf("/readyz: %q", body)
	}
	if _, err := io.WriteString(feed, "aide\n"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), fr("help.header")) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	code, metrics := get(t, base+"/metrics")
	for _, want := range []string{
		`maillage_messages_received_total{platform="terminal"} 1`,
		`maillage_messages_sent_total{platform="terminal",result="ok"} 1`,
		`maillage_handling_seconds_count{command="help",platform="terminal"} 1`,
		`maillage_store_seconds_count{op="Member"}`,
		`maillage_chat_connected{platform="terminal"} 1`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics (%d) lacks %s", code, want)
		}
	}
	// The end of the input ends the terminal: the bot is no longer ready.
	feed.Close()
}

func TestNoHTTPServerWithoutListen(t *testing.T) {
	// Without http.listen, nothing listens: health and metrics are not
	// served (documented in the README).
	r := runMain(t, "aide\n", env(), "--data-dir", t.TempDir())
	if r.code != 0 || strings.Contains(r.errOut, "http server listening") {
		t.Errorf("exit %d; logs:\n%s", r.code, r.errOut)
	}
}
