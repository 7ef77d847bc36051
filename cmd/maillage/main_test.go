package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sndgct/maillage/adapters/bolt"
	"github.com/sndgct/maillage/bot/catalog"
	"github.com/sndgct/maillage/internal/markup"
)

// fr and en give a catalogue text as the piped terminal prints it: the
// markup removed.
func fr(key string, args ...string) string {
	return markup.Plain(catalog.Default().T("fr", key, args...))
}
func en(key string, args ...string) string {
	return markup.Plain(catalog.Default().T("en", key, args...))
}

// env builds a lookup over a map: the tests never see the real environment.
func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

// jsonDebugLogs makes the runs log everything, in JSON, unless the test
// chose otherwise: e2eLogs checks those logs after the tests.
func jsonDebugLogs(e func(string) string) func(string) string {
	return func(k string) string {
		v := e(k)
		switch {
		case v != "":
			return v
		case k == "MAILLAGE_LOG_FORMAT":
			return "json"
		case k == "MAILLAGE_LOG_LEVEL":
			return "debug"
		}
		return v
	}
}

type result struct {
	code        int
	out, errOut string
}

func runMain(t *testing.T, input string, e func(string) string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	code := run(ctx, args, stdio{in: strings.NewReader(input), out: &out, err: &errOut}, jsonDebugLogs(e))
	e2eLogs.add(t.Name(), errOut.String())
	return result{code, out.String(), errOut.String()}
}

func TestPipedSessionAnswersAndExits(t *testing.T) {
	dir := t.TempDir()
	r := runMain(t, "aide\n", env(), "--data-dir", dir)
	if r.code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.errOut)
	}
	if !strings.Contains(r.out, fr("help.header")) {
		t.Errorf("stdout lacks the help:\n%s", r.out)
	}
	if _, err := os.Stat(filepath.Join(dir, "maillage.db")); err != nil {
		t.Errorf("the embedded store was not created in the data dir: %v", err)
	}
}

// The whole foundation journey through the terminal adapter, then a
// restart on the same data directory.
func TestTerminalJourneyAndRestart(t *testing.T) {
	dir := t.TempDir()
	input := strings.Join([]string{
		"Bonjour",
		"profl",
		"langue",
		"2", // English, by its number
		"profile",
		"statut", // refused: not an admin
		"/as admin",
		"status",
		"/as orga",
		"members",
		"/as vous",
		"",
		"\u202eaide\u202c",
	}, "\n") + "\n"
	r := runMain(t, input, env(), "--data-dir", dir)
	if r.code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.errOut)
	}
	for _, want := range []string{
		"Bonjour ! Je suis Maillage",
		"Vouliez-vous dire « profil » ?",
		"  1. Français\n  2. English",
		en("lang.set", "language", "English"),
		en("profile.header"),
		en("error.forbidden.admin"),
		"État de Maillage", // admin speaks French
		"Stockage : bolt, joignable",
		"Membres enregistrés : 1",
		fr("members.total", "count", "1"), // orga speaks French
		en("help.header"),                 // back as vous, in English, despite bidi controls
	} {
		if !strings.Contains(r.out, want) {
			t.Errorf("stdout lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("stdout:\n%s", r.out)
	}

	r = runMain(t, "aide\n", env(), "--data-dir", dir)
	if r.code != 0 || !strings.Contains(r.out, en("help.header")) {
		t.Errorf("after a restart the language was lost (exit %d):\n%s\n%s", r.code, r.out, r.errOut)
	}
}

func TestLangFlagAndEnvDataDir(t *testing.T) {
	dir := t.TempDir()
	r := runMain(t, "help\n", env("MAILLAGE_DATA_DIR", dir), "run", "--lang", "en")
	if r.code != 0 || !strings.Contains(r.out, en("help.header")) {
		t.Fatalf("--lang en: exit %d\n%s\n%s", r.code, r.out, r.errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "maillage.db")); err != nil {
		t.Errorf("MAILLAGE_DATA_DIR was not used: %v", err)
	}
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		code    int
		wantErr string
		wantOut string
	}{
		{"unknown command", []string{"frobnicate"}, 2, `unknown command "frobnicate"`, ""},
		{"bad flag", []string{"run", "--nope"}, 2, "flag provided but not defined: -nope", ""},
		{"bad lang", []string{"--lang", "de"}, 2, `--lang must be fr or en, got "de"`, ""},
		{"extra arg", []string{"run", "extra"}, 2, `unexpected argument "extra"`, ""},
		{"config without check", []string{"config"}, 2, "maillage config check FILE", ""},
		{"check without file", []string{"config", "check"}, 2, "exactly one FILE", ""},
		{"version extra", []string{"version", "x"}, 2, "version takes no argument", ""},
		{"version", []string{"version"}, 0, "", "maillage dev\n"},
		{"help", []string{"--help"}, 0, "", "maillage config check FILE"},
		{"run help", []string{"run", "--help"}, 0, "", "-data-dir"},
		{"config help", []string{"config", "--help"}, 0, "", "every problem"},
		{"check help", []string{"config", "check", "--help"}, 0, "", "every problem"},
		{"version help", []string{"version", "--help"}, 0, "", "Prints the version"},
		{"missing config", []string{"--config", "/nonexistent/m.yaml"}, 2, "/nonexistent/m.yaml", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runMain(t, "", env("MAILLAGE_DATA_DIR", t.TempDir()), tt.args...)
			if r.code != tt.code {
				t.Errorf("exit %d, want %d; stderr %q", r.code, tt.code, r.errOut)
			}
			if !strings.Contains(r.errOut, tt.wantErr) {
				t.Errorf("stderr %q lacks %q", r.errOut, tt.wantErr)
			}
			if !strings.Contains(r.out, tt.wantOut) {
				t.Errorf("stdout %q lacks %q", r.out, tt.wantOut)
			}
		})
	}
}

func TestConfigCheck(t *testing.T) {
	r := runMain(t, "", env(), "config", "check", "../../config/maillage.example.yaml")
	if r.code != 0 || !strings.HasPrefix(r.out, "ok:") || strings.Count(r.out, "\n") != 1 {
		t.Errorf("example: exit %d, stdout %q, stderr %q; want 0 and one line starting with ok:", r.code, r.out, r.errOut)
	}
	broken := filepath.Join(t.TempDir(), "broken.yaml")
	writeFile(t, broken, `bot:
  default_language: de
matching:
  weights:
    size: -3
store:
  bolt:
    lock_timeout: soon
  redis:
    url: redis://secret@host/0
colour: blue
`)
	r = runMain(t, "", env(), "config", "check", broken)
	if r.code != 2 {
		t.Errorf("broken: exit %d, want 2", r.code)
	}
	for _, want := range []string{
		"bot.default_language", "matching.weights.size: must be between 0 and 100, got -3",
		"store.bolt.lock_timeout", "store.redis.url", "MAILLAGE_REDIS_URL", "colour", "5 configuration problems",
	} {
		if !strings.Contains(r.errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.errOut)
		}
	}
	if strings.Contains(r.errOut, "secret@") {
		t.Errorf("stderr repeats the secret written in the file:\n%s", r.errOut)
	}
	// The same file refuses to start the bot, with the same report.
	r = runMain(t, "aide\n", env("MAILLAGE_DATA_DIR", t.TempDir()), "--config", broken)
	if r.code != 2 || !strings.Contains(r.errOut, "matching.weights.size") || strings.Contains(r.out, fr("help.header")) {
		t.Errorf("run with a broken config: exit %d\n%s\n%s", r.code, r.out, r.errOut)
	}
}

func TestDataFileInUseOrCorrupt(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "m.yaml")
	writeFile(t, cfg, "store:\n  bolt:\n    lock_timeout: 200ms\n")
	held, err := bolt.Open(context.Background(), filepath.Join(dir, "data", "maillage.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := runMain(t, "aide\n", env(), "--config", cfg, "--data-dir", filepath.Join(dir, "data"))
	held.Close()
	if r.code != 1 || !strings.Contains(r.errOut, "already in use by another process") {
		t.Errorf("file in use: exit %d, stderr %q", r.code, r.errOut)
	}

	corrupt := filepath.Join(dir, "corrupt")
	writeFile(t, filepath.Join(corrupt, "maillage.db"), strings.Repeat("not a bolt file\n", 1000))
	r = runMain(t, "aide\n", env(), "--data-dir", corrupt)
	if r.code != 1 || !strings.Contains(r.errOut, filepath.Join(corrupt, "maillage.db")) {
		t.Errorf("corrupt file: exit %d, stderr %q", r.code, r.errOut)
	}
}

func TestUnreachableRedisNamesTheURLWithoutPassword(t *testing.T) {
	r := runMain(t, "aide\n", env("MAILLAGE_REDIS_URL", "redis://maillage:s3cr3t-pw@127.0.0.1:1/0"))
	if r.code != 1 {
		t.Errorf("exit %d, want 1; stderr %q", r.code, r.errOut)
	}
	if !strings.Contains(r.errOut, "127.0.0.1:1") || strings.Contains(r.errOut, "s3cr3t-pw") {
		t.Errorf("stderr should name the address and hide the password: %q", r.errOut)
	}
}

// Mistyped secret-bearing settings: the error on standard error names the
// problem and never shows the password or token.
func TestMistypedSettingsDoNotPrintSecrets(t *testing.T) {
	const pw = "PW-e2e-8c1f"
	tests := []struct{ name, value string }{
		{"MAILLAGE_REDIS_URL", "redis//:" + pw + "@127.0.0.1:1"},
		{"MAILLAGE_REDIS_URL", "redis:/:" + pw + "@127.0.0.1:1"},
		{"MAILLAGE_REDIS_URL", pw},
		{"MAILLAGE_REDIS_URL", "redis://:" + pw + "@127.0.0.1:1/" + pw},
		{"MAILLAGE_REDIS_URL", "redis://:" + pw + "@127.0.0.1:1/0?pool_size=" + pw},
		{"MAILLAGE_MATTERMOST_URL", "https//:" + pw + "@chat.example.fr"},
		{"MAILLAGE_MATTERMOST_URL", pw},
		{"MAILLAGE_MATRIX_HOMESERVER_URL", "https:/:" + pw + "@matrix.example.fr"},
	}
	for _, tt := range tests {
		e := env(tt.name, tt.value, "MAILLAGE_MATTERMOST_TOKEN", "jeton-mm", "MAILLAGE_MATRIX_USER_ID", "@maillage:example.fr",
			"MAILLAGE_MATRIX_PASSWORD", "mot-de-passe-mx", "MAILLAGE_MATRIX_PICKLE_KEY", "cle-de-saumure")
		args := []string{}
		if adapter, ok := strings.CutPrefix(tt.name, "MAILLAGE_"); ok && !strings.HasPrefix(adapter, "REDIS") {
			adapter, _, _ = strings.Cut(strings.ToLower(adapter), "_")
			cfg := filepath.Join(t.TempDir(), "m.yaml")
			writeFile(t, cfg, "chat:\n  adapters: ["+adapter+"]\n")
			args = append(args, "--config", cfg)
		}
		r := runMain(t, "aide\n", e, args...)
		if r.code == 0 {
			t.Errorf("%s=%q: exit 0, want an error", tt.name, tt.value)
		}
		if strings.Contains(r.errOut, pw) || strings.Contains(r.out, pw) {
			t.Errorf("%s=%q: the output shows the secret:\n%s", tt.name, tt.value, r.errOut)
		}
	}
}

// The real binary, from a pipe, as the README shows; and a second process
// on the same data directory fails fast with a clear error.
func TestBinary(t *testing.T) {
	bin := maillageBinary(t)
	dir := t.TempDir()
	cmd := exec.Command(bin, "--data-dir", dir)
	cmd.Stdin = strings.NewReader("aide\n")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	out, err := cmd.Output()
	if err != nil || !strings.Contains(string(out), fr("help.header")) {
		t.Fatalf("piped run: %v\n%s", err, out)
	}

	// First process: waits on its input, holding the store.
	first := exec.Command(bin, "--data-dir", dir)
	stdin, err := first.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := first.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	first.Env = cmd.Env
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = first.Process.Kill() }()
	// Wait until it answers, so that it holds the file.
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		signalled := false
		for sc.Scan() {
			if !signalled && strings.Contains(sc.Text(), fr("help.header")) {
				close(ready)
				signalled = true
			}
		}
	}()
	if _, err := stdin.Write([]byte("aide\n")); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ready:
	case <-time.After(20 * time.Second):
		t.Fatal("first process never answered")
	}
	second := exec.Command(bin, "--data-dir", dir)
	second.Stdin = strings.NewReader("aide\n")
	second.Env = cmd.Env
	start := time.Now()
	msg, err := second.CombinedOutput()
	elapsed := time.Since(start)
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("second process: %v, want exit 1\n%s", err, msg)
	}
	if !strings.Contains(string(msg), "already in use by another process") {
		t.Errorf("second process said %q", msg)
	}
	if elapsed > 10*time.Second {
		t.Errorf("second process took %v to fail; it must not hang", elapsed)
	}
	stdin.Close()
	if err := first.Wait(); err != nil {
		t.Errorf("first process after end of input: %v", err)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// The top-level help names every command and every subcommand that the
// commands' own help names (broadcast list, status, approve, cancel,
// resend...), and every command it names is one run knows.
func TestTopLevelHelpListsEverySubcommand(t *testing.T) {
	r := runMain(t, "", env(), "--help")
	if r.code != 0 {
		t.Fatalf("--help: exit %d", r.code)
	}
	re := regexp.MustCompile(`(?m)^\s+maillage ([a-z]+)(?: ([a-z]+)\b)?`)
	for _, usage := range []string{broadcastUsage, membersUsage, configUsage, matchUsage} {
		for _, m := range re.FindAllStringSubmatch(usage, -1) {
			name := "maillage " + m[1]
			if m[2] != "" {
				name += " " + m[2]
			}
			if !strings.Contains(r.out, name) {
				t.Errorf("--help lacks %q, which `maillage %s --help` names", name, m[1])
			}
		}
	}
	for _, m := range re.FindAllStringSubmatch(r.out, -1) {
		if m[1] == "run" {
			continue
		}
		got := runMain(t, "", env(), m[1], "--help")
		if strings.Contains(got.errOut, "unknown command") {
			t.Errorf("--help names %q, which run does not know", m[1])
		}
	}
	if !strings.Contains(r.out, "--verbose") {
		t.Errorf("--help does not mention --verbose")
	}
}

// Subcommands log only warnings unless --verbose: no "bolt store opened"
// on standard error.
func TestSubcommandsLogOnlyWarningsUnlessVerbose(t *testing.T) {
	dir := t.TempDir()
	r := runMain(t, "", env("MAILLAGE_LOG_LEVEL", "info"), "broadcast", "list", "--data-dir", dir)
	if r.code != 0 || strings.Contains(r.errOut, "bolt store opened") {
		t.Errorf("broadcast list: exit %d, stderr %q", r.code, r.errOut)
	}
	r = runMain(t, "", env("MAILLAGE_LOG_LEVEL", "info"), "broadcast", "list", "--verbose", "--data-dir", dir)
	if r.code != 0 || !strings.Contains(r.errOut, "bolt store opened") {
		t.Errorf("broadcast list --verbose: exit %d, stderr %q", r.code, r.errOut)
	}
}

// A platform's credentials set while chat.adapters leaves it out: a warning
// at start, without the secret.
func TestStartWarnsAboutUnusedCredentials(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "m.yaml")
	if err := os.WriteFile(cfg, []byte("chat:\n  adapters: [terminal]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runMain(t, "aide\n", env("MAILLAGE_MATTERMOST_URL", "https://discussion.example.fr", "MAILLAGE_MATTERMOST_TOKEN", e2eMattermostToken,
		"MAILLAGE_LOG_LEVEL", "warn", "MAILLAGE_LOG_FORMAT", "text"), "--config", cfg, "--data-dir", dir)
	if r.code != 0 || !strings.Contains(r.errOut, "MAILLAGE_MATTERMOST_URL, MAILLAGE_MATTERMOST_TOKEN set but chat.adapters (terminal) does not list mattermost") {
		t.Errorf("exit %d, stderr %q", r.code, r.errOut)
	}
	if strings.Contains(r.errOut, e2eMattermostToken) {
		t.Errorf("the warning shows the token: %q", r.errOut)
	}
}
