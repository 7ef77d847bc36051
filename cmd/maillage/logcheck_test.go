package main

import (
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/sndgct/maillage/adapters/slack/slacktest"
)

// e2eLogs collects the logs of every end-to-end run of this package (the
// in-process runs of runMain and the binaries the tests start); TestMain
// checks them once all tests have run: no token, no password, no name or
// e-mail of a test member, no message text, and a component on every JSON
// line.
var e2eLogs logSink

type logSink struct {
	mu   sync.Mutex
	runs []loggedRun
}

type loggedRun struct{ source, text string }

func (s *logSink) add(source, text string) {
	if strings.TrimSpace(text) == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.runs = append(s.runs, loggedRun{source, text})
}

// secretPatterns match a secret whatever its value.
var secretPatterns = []*regexp.Regexp{
	regexp.MustCompile(`xox[abpr]-[0-9A-Za-z-]{4,}`),                         // Slack bot/user tokens
	regexp.MustCompile(`xapp-[0-9A-Za-z-]{4,}`),                              // Slack app-level tokens
	regexp.MustCompile(`rediss?://[^/\s"@:]*:(?:[^x/\s"@]|x[^x])[^/\s"@]*@`), // a Redis URL with a clear password
	regexp.MustCompile(`(?i)(authorization|bearer)[" :=]+[0-9A-Za-z]{16,}`),
}

// forbiddenWords are the values the end-to-end tests use that must never
// reach a log: secrets, and the test members' names, e-mails, the
// collectivities and texts they type.
var forbiddenWords = []string{
	slacktest.BotToken, slacktest.AppToken, e2eSigningSecret, e2eMattermostToken, e2eRedisPassword,
	"Alice", "alice@mairie.example", "Saint-Pierre-du-Perray", "U0ALICE", "U0BOB",
	"Annonce du créneau", "je suis DGS",
}

// Secrets the end-to-end tests of this package use.
const (
	e2eSigningSecret   = "e2e-signing-secret-0123456789abcdef"
	e2eMattermostToken = "e2e-mattermost-token-9f8e7d6c5b4a"
	e2eRedisPassword   = "e2e-redis-p4ssw0rd"
)

// checkLogs returns one line per problem found in the collected logs.
func (s *logSink) check() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var problems []string
	for _, r := range s.runs {
		for i, line := range strings.Split(r.text, "\n") {
			where := fmt.Sprintf("%s, log line %d", r.source, i+1)
			for _, p := range secretPatterns {
				if m := p.FindString(line); m != "" {
					problems = append(problems, fmt.Sprintf("%s: a secret (%.10s…)", where, m))
				}
			}
			for _, w := range forbiddenWords {
				if strings.Contains(line, w) {
					problems = append(problems, fmt.Sprintf("%s: %q must not be logged: %.200s", where, w, line))
				}
			}
			if strings.HasPrefix(line, "{") {
				var rec map[string]any
				if err := json.Unmarshal([]byte(line), &rec); err == nil {
					if c, _ := rec["component"].(string); c == "" {
						problems = append(problems, fmt.Sprintf("%s: no component: %.200s", where, line))
					}
					for _, k := range []string{"user", "user_id", "name", "email", "text", "collectivity"} {
						if _, ok := rec[k]; ok {
							problems = append(problems, fmt.Sprintf("%s: attribute %q (log members by pseudonym, never their data): %.200s", where, k, line))
						}
					}
				}
			}
		}
	}
	return problems
}

// reportLogProblems checks the collected logs after the tests; it returns
// the exit code (1 when a log leaks).
func reportLogProblems(w io.Writer, code int) int {
	problems := e2eLogs.check()
	if len(problems) == 0 {
		return code
	}
	fmt.Fprintf(w, "--- FAIL: end-to-end logs (%d runs checked): %d problems\n", len(e2eLogs.runs), len(problems))
	for _, p := range problems {
		fmt.Fprintln(w, "    "+p)
	}
	return 1
}

// The checker itself finds what it must find, and passes clean logs.
func TestLogCheckerFindsLeaks(t *testing.T) {
	var s logSink
	s.add("clean", `{"time":"t","level":"INFO","msg":"maillage started","component":"main","member":"a1b2c3d4e5f6"}`+"\n"+
		`{"level":"INFO","msg":"redis store opened","component":"store.redis","url":"redis://:xxxxx@127.0.0.1:6379/0"}`)
	if p := s.check(); len(p) != 0 {
		t.Fatalf("clean logs reported: %v", p)
	}
	leaks := []string{
		`{"msg":"x","component":"slack","token":"xoxb-1234-5678-abcdef"}`,
		`{"msg":"x","component":"slack","token":"xapp-1-A0-123-abc"}`,
		`{"msg":"x","component":"store.redis","url":"redis://user:hunter2@10.0.0.1:6379"}`,
		`{"msg":"x","component":"bot","text":"je suis DGS de Saint-Pierre-du-Perray"}`,
		`{"msg":"x","component":"bot","user":"U0ALICE"}`,
		`{"msg":"no component here"}`,
		`{"msg":"x","component":"terminal","user":"vous"}`,
		`level=INFO msg=x secret=` + e2eSigningSecret,
	}
	for _, l := range leaks {
		var s logSink
		s.add("leak", l)
		if len(s.check()) == 0 {
			t.Errorf("not reported: %s", l)
		}
	}
}

// Runs that fail on a secret's account log and print nothing of it: a
// Mattermost server that cannot be reached (its token in the environment)
// and a Redis whose URL holds a password. Their output joins e2eLogs too.
func TestFailuresDoNotShowSecrets(t *testing.T) {
	cfg := writeConfig(t, "chat:\n  adapters: [mattermost]\n")
	r := runMain(t, "", env("MAILLAGE_MATTERMOST_URL", "http://127.0.0.1:1", "MAILLAGE_MATTERMOST_TOKEN", e2eMattermostToken,
		"MAILLAGE_HTTP_LISTEN", "127.0.0.1:0", "MAILLAGE_PUBLIC_URL", "http://127.0.0.1:1",
		"MAILLAGE_DATA_DIR", t.TempDir()), "--config", cfg)
	if r.code == 0 || strings.Contains(r.errOut+r.out, e2eMattermostToken) {
		t.Errorf("unreachable Mattermost: exit %d, output shows the token: %v", r.code, strings.Contains(r.errOut+r.out, e2eMattermostToken))
	}
	r = runMain(t, "aide\n", env("MAILLAGE_REDIS_URL", "redis://:"+e2eRedisPassword+"@127.0.0.1:1/0", "MAILLAGE_DATA_DIR", t.TempDir()))
	if r.code != 1 || strings.Contains(r.errOut+r.out, e2eRedisPassword) || !strings.Contains(r.errOut, "xxxxx") {
		t.Errorf("unreachable Redis: exit %d, stderr %q: want 1 and the URL without its password", r.code, r.errOut)
	}
}
