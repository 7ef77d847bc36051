package main

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sndgct/maillage/adapters/slack/slacktest"
)

// slackShard is the Slack adapter's worker for a user (adapters/slack,
// queue.go: FNV-32a of the user id modulo the workers).
func slackShard(user string, workers int) uint32 {
	h := fnv.New32a()
	h.Write([]byte(user))
	return h.Sum32() % uint32(workers)
}

// One member sends 1,000 messages in about a second; two other members,
// one handled by the same worker as the flood and one by another, write
// in the middle of it. The flood is cut by the per-member rate limit (one
// notice, the rest dropped before any store read), and the other members
// are answered promptly.
func TestFloodFromOneMemberDoesNotDelayAnother(t *testing.T) {
	bin := maillageBinary(t)
	fake := slacktest.New(time.Second)
	defer fake.Close()
	const flooder = "U0FLOOD"
	sameShard, otherShard := "", ""
	for i := 0; sameShard == "" || otherShard == ""; i++ {
		u := fmt.Sprintf("U0M%04d", i)
		if slackShard(u, 4) == slackShard(flooder, 4) {
			sameShard = cmp.Or(sameShard, u)
		} else {
			otherShard = cmp.Or(otherShard, u)
		}
	}
	addr := freeAddr(t)
	cmd := exec.Command(bin)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "MAILLAGE_DATA_DIR=" + t.TempDir(),
		"MAILLAGE_SLACK_BOT_TOKEN=" + slacktest.BotToken, "MAILLAGE_SLACK_SIGNING_SECRET=" + e2eSigningSecret,
		"MAILLAGE_SLACK_API_URL=" + fake.URL(), "MAILLAGE_HTTP_LISTEN=" + addr, "MAILLAGE_LOG_FORMAT=json"}
	startLogged(t, cmd, t.Name())
	waitStatus(t, "http://"+addr+"/readyz", 200)

	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	seq := 0
	var seqMu sync.Mutex
	deliver := func(user, text string) time.Time {
		seqMu.Lock()
		seq++
		n := seq
		seqMu.Unlock()
		body := slacktest.MessageIM(fmt.Sprintf("EvFLOOD%06d", n), user, "D"+user[1:], text, fmt.Sprintf("1800%06d.000100", n))
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+"/slack/events", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		slacktest.Sign(req.Header, e2eSigningSecret, time.Now(), body)
		at := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			return at
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("event refused: %d", resp.StatusCode)
		}
		return at
	}
	// The flood: 1,000 messages over about a second.
	var flood sync.WaitGroup
	flood.Go(func() {
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for range 1000 {
			<-tick.C
			deliver(flooder, "aide")
		}
	})
	time.Sleep(300 * time.Millisecond) // the flood's pace: the others write in its middle
	sentSame := deliver(sameShard, "aide")
	sentOther := deliver(otherShard, "aide")
	flood.Wait()

	answer := func(user string, after time.Time) time.Duration {
		channel := "D" + user[1:]
		for {
			for _, p := range fake.Posts() {
				if p.Channel == channel {
					return p.Received.Sub(after)
				}
			}
			if ctx.Err() != nil {
				t.Fatalf("%s never answered", user)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	same, other := answer(sameShard, sentSame), answer(otherShard, sentOther)
	t.Logf("during a flood of 1,000 messages/s: member on the flooder's worker answered in %v, on another worker in %v",
		same.Round(time.Millisecond), other.Round(time.Millisecond))
	for name, d := range map[string]time.Duration{"same worker": same, "other worker": other} {
		if d > 2*time.Second {
			t.Errorf("%s: answered %v after writing, during the flood", name, d)
		}
	}
	// The flooder: the burst answered, one notice, the rest dropped.
	var answered, notices int
	for _, p := range fake.Posts() {
		if p.Channel == "D"+flooder[1:] {
			if strings.Contains(p.Text, "très peu de temps") || strings.Contains(p.Text, "very short time") {
				notices++
			} else {
				answered++
			}
		}
	}
	t.Logf("flooder: %d messages answered, %d notices", answered, notices)
	if notices != 1 || answered > 25 {
		t.Errorf("flooder: %d answered and %d notices, want about the burst (20) and one notice", answered, notices)
	}
}
