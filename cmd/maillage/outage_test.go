package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sndgct/maillage/adapters/slack/slacktest"
)

// redis-server is stopped while 20 Slack members write, over Socket Mode
// and the Events API: no message is dropped without a word, every member
// is told once that the service is unavailable (not once per message),
// and when redis-server is back on the same data every member is answered
// normally.
func TestSlackAnswersThroughARedisOutage(t *testing.T) {
	redisBin := redisServerBinary(t)
	const members, perMember = 20, 3
	port := freePort(t)
	dataDir := t.TempDir()
	srv := startAOFRedis(t, redisBin, port, dataDir)
	url := fmt.Sprintf("redis://127.0.0.1:%d/0", port)

	fake := slacktest.New(time.Second)
	defer fake.Close()
	addr := freeAddr(t)
	p := startSlackBinary(t, fake, "MAILLAGE_REDIS_URL="+url, "MAILLAGE_HTTP_LISTEN="+addr,
		"MAILLAGE_SLACK_SIGNING_SECRET="+e2eSigningSecret)
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	if err := fake.WaitSocket(ctx, 1); err != nil {
		t.Fatalf("%v\n%s", err, p.logs.String())
	}
	ts := 0
	socket := func(user, text string) {
		t.Helper()
		ts++
		if _, err := fake.Envelope(ctx, "events_api", slacktest.MessageIM(fmt.Sprintf("EvOUT%04d", ts), user, "D"+user[1:],
			text, fmt.Sprintf("1700%06d.000100", ts))); err != nil {
			t.Fatal(err)
		}
	}
	overHTTP := func(user, text string) {
		t.Helper()
		ts++
		body := slacktest.MessageIM(fmt.Sprintf("EvOUT%04d", ts), user, "D"+user[1:], text, fmt.Sprintf("1700%06d.000100", ts))
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+"/slack/events", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		slacktest.Sign(req.Header, e2eSigningSecret, time.Now(), body)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("Events API during the outage: %d", res.StatusCode)
		}
	}
	user := func(i int) string { return fmt.Sprintf("U0OUT%02d", i) }
	// answers counts, per member's channel, the posts holding one of want.
	answers := func(want ...string) map[string]int {
		got := map[string]int{}
		for _, post := range fake.Posts() {
			for _, w := range want {
				if strings.Contains(post.Text, w) {
					got[post.Channel]++
				}
			}
		}
		return got
	}
	help := []string{fr("help.header"), en("help.header")}
	socket(user(0), "aide")
	waitFor(t, 20*time.Second, "no help before the outage", func() bool { return answers(help...)["D0OUT00"] == 1 })

	if err := srv.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = srv.Wait()
	down := time.Now()
	for round := range perMember {
		for i := range members {
			if round == 1 && i%4 == 0 {
				overHTTP(user(i), "aide")
			} else {
				socket(user(i), "aide")
			}
		}
	}
	unavailable := []string{fr("error.unavailable"), en("error.unavailable")}
	waitFor(t, 30*time.Second, "not every member was told the service is unavailable", func() bool {
		return len(answers(unavailable...)) == members
	})
	// Each member's later messages were handled too (the core logs each
	// notice it keeps back), and none brought a second notice.
	waitFor(t, 30*time.Second, "the later messages of the outage were not all handled", func() bool {
		return strings.Count(p.logs.String(), "member already told during this outage") >= members*(perMember-1)
	})
	told := answers(unavailable...)
	for i := range members {
		if n := told["D"+user(i)[1:]]; n != 1 {
			t.Errorf("%s told %d times that the service is unavailable, want once", user(i), n)
		}
	}
	t.Logf("redis-server down %v: %d messages from %d members (%d over the Events API), %d « unavailable » answers",
		time.Since(down).Round(100*time.Millisecond), members*perMember, members, members/4, len(told))

	startAOFRedis(t, redisBin, port, dataDir)
	back := time.Now()
	// Messages between the restart and the client's reconnection would
	// still meet the outage, of which their authors were told already.
	waitStatus(t, "http://"+addr+"/readyz", 200)
	before := answers(help...)
	for i := range members {
		socket(user(i), "aide")
	}
	defer func() {
		if t.Failed() {
			got, now := answers(help...), answers(unavailable...)
			t.Logf("help before %v\nhelp after %v\nunavailable %v", before, got, now)
		}
	}()
	waitFor(t, 60*time.Second, "not every member was answered once redis-server was back", func() bool {
		got := answers(help...)
		for i := range members {
			if c := "D" + user(i)[1:]; got[c] <= before[c] {
				return false
			}
		}
		return true
	})
	t.Logf("every member answered %v after redis-server came back", time.Since(back).Round(100*time.Millisecond))
	if n := answers(unavailable...); len(n) != members {
		t.Errorf("after the outage: %d members told the service is unavailable, want still %d", len(n), members)
	}
}

// SIGTERM to the terminal bot while it answers: the lines it has read are
// answered, it exits cleanly within 10 s, and logs no ERROR.
func TestSigtermDrainsTheTerminal(t *testing.T) {
	bin := maillageBinary(t)
	p := startBotProc(t, t.Name(), bin, []string{"MAILLAGE_LOG_FORMAT=json", "MAILLAGE_LOG_LEVEL=debug"}, "--data-dir", t.TempDir())
	help := fr("help.header")
	const lines = 5
	if _, err := io.WriteString(p.stdin, strings.Repeat("aide\n", lines)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "no first answer", func() bool { return p.count(help) >= 1 })
	start := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v", err)
		}
	case <-time.After(12 * time.Second):
		t.Fatal("still running 12 s after SIGTERM")
	}
	p.done.Wait()
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("exited %v after SIGTERM, want within 10 s", took)
	}
	answered := p.count(help)
	t.Logf("SIGTERM after the first answer: %d of %d lines answered, exit in %v", answered, lines, time.Since(start).Round(time.Millisecond))
	if answered < 1 {
		t.Error("no answer")
	}
}
