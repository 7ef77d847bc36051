package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sndgct/maillage/adapters/slack/slacktest"
)

// startLogged starts cmd with its output captured, and kills it when the
// test ends; when logName is not empty, its output then joins the logs
// e2eLogs checks.
func startLogged(t *testing.T, cmd *exec.Cmd, logName string) *syncBuffer {
	t.Helper()
	var logs syncBuffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if logName != "" {
			e2eLogs.add(logName, logs.String())
		}
	})
	return &logs
}

// slackProcess is the real binary on the fake Slack (Socket Mode).
type slackProcess struct {
	cmd    *exec.Cmd
	logs   *syncBuffer
	exited chan error
}

// startSlackBinary starts the binary against fake with the embedded store
// (or MAILLAGE_REDIS_URL when extraEnv sets it) and JSON debug logs, which
// e2eLogs checks after the tests.
func startSlackBinary(t *testing.T, fake *slacktest.Server, extraEnv ...string) *slackProcess {
	t.Helper()
	bin := maillageBinary(t)
	p := &slackProcess{logs: &syncBuffer{}, exited: make(chan error, 1)}
	p.cmd = exec.Command(bin)
	p.cmd.Env = append([]string{
		"PATH=" + os.Getenv("PATH"),
		"MAILLAGE_DATA_DIR=" + t.TempDir(),
		"MAILLAGE_SLACK_BOT_TOKEN=" + slacktest.BotToken,
		"MAILLAGE_SLACK_APP_TOKEN=" + slacktest.AppToken,
		"MAILLAGE_SLACK_API_URL=" + fake.URL(),
		"MAILLAGE_LOG_LEVEL=debug",
		"MAILLAGE_LOG_FORMAT=json",
	}, extraEnv...)
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.exited <- p.cmd.Wait() }()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		err := <-p.exited
		p.exited <- err
		e2eLogs.add(t.Name(), p.logs.String())
	})
	return p
}

// SIGTERM while handlers are in flight: the process stops taking events,
// finishes those acknowledged (each member gets their answer), and exits
// cleanly within 10 s.
func TestSigtermFinishesEventsInFlight(t *testing.T) {
	fake := slacktest.New(time.Second)
	defer fake.Close()
	p := startSlackBinary(t, fake)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	if err := fake.WaitSocket(ctx, 1); err != nil {
		t.Fatalf("%v\n%s", err, p.logs.String())
	}
	// The first reply is held 2 s by a rate limit: its handler is still
	// running when SIGTERM comes, and the member's next messages wait in
	// their queue (one member's messages are handled in order).
	fake.RateLimitNext("chat.postMessage", 2*time.Second)
	const messages = 6
	for i := range messages {
		id, err := fake.Envelope(ctx, "events_api", slacktest.MessageIM(fmt.Sprintf("EvSTOP%02d", i),
			"U0M00", "D0M00", "aide", fmt.Sprintf("1700000%03d.000100", i)))
		if err != nil {
			t.Fatal(err)
		}
		if err := fake.WaitAck(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.exited:
		p.exited <- err
		if err != nil {
			t.Errorf("exit after SIGTERM: %v", err)
		}
	case <-time.After(12 * time.Second):
		t.Fatalf("still running 12 s after SIGTERM\n%s", p.logs.String())
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("exited %v after SIGTERM, want within 10 s", took)
	}
	answered := 0
	for _, post := range fake.Posts() {
		if post.Channel == "D0M00" && (strings.Contains(post.Text, fr("help.header")) || strings.Contains(post.Text, en("help.header"))) {
			answered++
		}
	}
	if answered != messages {
		t.Errorf("%d of %d acknowledged messages answered after SIGTERM\nlogs:\n%s", answered, messages, p.logs.String())
	}
}
