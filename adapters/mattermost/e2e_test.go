package mattermost

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
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

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/sndgct/maillage/adapters/bolt"
	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/catalog"
)

// The end-to-end test runs against a real Mattermost server started by
// .ci/mattermost.sh (which .ci/run calls), and the real maillage binary.

type e2eAccount struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	Token    string `json:"token"`
}

type e2eAccounts struct {
	URL     string       `json:"url"`
	TeamID  string       `json:"team_id"`
	Admin   e2eAccount   `json:"admin"`
	Bot     e2eAccount   `json:"bot"`
	Members []e2eAccount `json:"members"`
}

func e2eSetup(t *testing.T) e2eAccounts {
	t.Helper()
	url := os.Getenv("MAILLAGE_TEST_MATTERMOST_URL")
	if url == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("MAILLAGE_TEST_MATTERMOST_URL is not set under CI=true: .ci/run must start Mattermost with .ci/mattermost.sh")
		}
		t.Skip("MAILLAGE_TEST_MATTERMOST_URL not set (start a server with .ci/mattermost.sh start)")
	}
	data, err := os.ReadFile(os.Getenv("MAILLAGE_TEST_MATTERMOST_ACCOUNTS"))
	if err != nil {
		t.Fatalf("reading the accounts of MAILLAGE_TEST_MATTERMOST_ACCOUNTS: %v", err)
	}
	var acc e2eAccounts
	if err := json.Unmarshal(data, &acc); err != nil {
		t.Fatal(err)
	}
	if len(acc.Members) < 3 || acc.Bot.Token == "" {
		t.Fatalf("accounts file lacks members or the bot: %s", data)
	}
	return acc
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func memberClient(url string, a e2eAccount) *model.Client4 {
	c := model.NewAPIv4Client(url)
	c.SetToken(a.Token)
	return c
}

// waitPost polls the channel until a post of the bot created at or after
// since satisfies ok, for up to 30 seconds (the server is a separate
// process: there is no event to wait on from here).
func waitPost(t *testing.T, c *model.Client4, channelID, botID string, since int64, what string, ok func(*model.Post) bool) *model.Post {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		// The newest page, not GetPostsSince: the server answers that one
		// from a per-channel "last post time" cache which a concurrent
		// read can leave stale, hiding a new post until the next one.
		list, _, err := c.GetPostsForChannel(ctx, channelID, 0, 200, "", false, false)
		if err == nil {
			for _, p := range list.ToSlice() {
				if p.UserId == botID && p.CreateAt >= since && ok(p) {
					return p
				}
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	if list, _, err := c.GetPostsForChannel(ctx, channelID, 0, 200, "", false, false); err == nil {
		for _, p := range list.ToSlice() {
			if p.CreateAt >= since {
				t.Logf("post in the channel since then: user %s at %d: %q", p.UserId, p.CreateAt, p.Message)
			}
		}
	}
	t.Fatalf("no post of the bot %s within 30 s", what)
	return nil
}

func post(t *testing.T, c *model.Client4, channelID, text string) *model.Post {
	t.Helper()
	p, _, err := c.CreatePost(context.Background(), &model.Post{ChannelId: channelID, Message: text})
	if err != nil {
		t.Fatalf("posting %q: %v", text, err)
	}
	return p
}

// e2eBuild is the maillage binary, built once for the package's
// end-to-end tests (TestMain removes it).
var e2eBuild struct {
	once      sync.Once
	dir, path string
	err       error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if e2eBuild.dir != "" {
		_ = os.RemoveAll(e2eBuild.dir)
	}
	os.Exit(code)
}

func e2eBinary(t *testing.T) string {
	t.Helper()
	e2eBuild.once.Do(func() {
		if e2eBuild.dir, e2eBuild.err = os.MkdirTemp("", "maillage-mm-e2e-"); e2eBuild.err != nil {
			return
		}
		e2eBuild.path = filepath.Join(e2eBuild.dir, "maillage")
		if out, err := exec.Command("go", "build", "-o", e2eBuild.path, "../../cmd/maillage").CombinedOutput(); err != nil {
			e2eBuild.err = fmt.Errorf("go build: %w\n%s", err, out)
		}
	})
	if e2eBuild.err != nil {
		t.Fatal(e2eBuild.err)
	}
	return e2eBuild.path
}

// maillageProcess is the real binary running against the real server.
type maillageProcess struct {
	listen string // its HTTP server (buttons), also its public URL
	logs   *lockedBuffer
	cmd    *exec.Cmd
	exited chan error
	once   sync.Once
}

// startMaillage starts the binary as the bot account with the
// configuration cfgYAML and the data directory dataDir; it stops at the
// end of the test (or earlier, with stop).
func startMaillage(t *testing.T, acc e2eAccounts, cfgYAML, dataDir string) *maillageProcess {
	t.Helper()
	bin := e2eBinary(t)
	cfgFile := filepath.Join(t.TempDir(), "maillage.yaml")
	if err := os.WriteFile(cfgFile, []byte(cfgYAML), 0o600); err != nil {
		t.Fatal(err)
	}
	p := &maillageProcess{listen: freeAddr(t), logs: &lockedBuffer{}, exited: make(chan error, 1)}
	p.cmd = exec.Command(bin, "run", "--config", cfgFile, "--data-dir", dataDir)
	p.cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"MAILLAGE_MATTERMOST_URL=" + acc.URL,
		"MAILLAGE_MATTERMOST_TOKEN=" + acc.Bot.Token,
		"MAILLAGE_HTTP_LISTEN=" + p.listen,
		"MAILLAGE_PUBLIC_URL=http://" + p.listen,
		"MAILLAGE_LOG_LEVEL=debug",
	}
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.exited <- p.cmd.Wait() }()
	t.Cleanup(func() {
		p.stop(t)
		if strings.Contains(p.logs.String(), acc.Bot.Token) {
			t.Error("the bot's token appears in the log")
		}
		if t.Failed() {
			t.Logf("maillage log:\n%s", p.logs.String())
		}
	})
	// Ready once its HTTP server answers: a SIGTERM sent earlier (a test
	// with nothing left to wait for) would find no handler installed yet.
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get("http://" + p.listen + "/healthz"); err == nil {
			_ = resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("maillage did not answer on %s within 20 s:\n%s", p.listen, p.logs.String())
		}
	}
	return p
}

// stop ends the process with SIGTERM, as an operator does, and checks
// that it exits cleanly.
func (p *maillageProcess) stop(t *testing.T) {
	t.Helper()
	p.once.Do(func() {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-p.exited:
			if err != nil {
				t.Errorf("maillage exited with %v", err)
			}
		case <-time.After(15 * time.Second):
			_ = p.cmd.Process.Kill()
			t.Error("maillage did not stop on SIGTERM")
		}
	})
}

func TestEndToEndWithMattermost(t *testing.T) {
	acc := e2eSetup(t)
	ctx := context.Background()
	cat := catalog.Default()

	// The real binary, configured by environment and one small file.
	mm := startMaillage(t, acc, "chat:\n  adapters: [mattermost]\n", t.TempDir())
	listen, logs := mm.listen, mm.logs

	alice := memberClient(acc.URL, acc.Members[0])
	dm, _, err := alice.CreateDirectChannel(ctx, acc.Members[0].ID, acc.Bot.ID)
	if err != nil {
		t.Fatal(err)
	}

	// 1. A member says hello in a direct message and gets the greeting.
	// The bot may still be connecting: its catch-up picks the post up.
	since := post(t, alice, dm.Id, "Bonjour").CreateAt
	greeting := waitPost(t, alice, dm.Id, acc.Bot.ID, since, "greeting", func(p *model.Post) bool {
		return strings.Contains(p.Message, "Maillage")
	})
	t.Logf("greeting: %.80q", greeting.Message)

	// 2. "langue" gets buttons; a click goes through the server to the
	// bot's action URL: the buttons give way to the answer, and the core
	// answers in the chosen language.
	since = post(t, alice, dm.Id, "langue").CreateAt
	question := waitPost(t, alice, dm.Id, acc.Bot.ID, since, "with buttons", func(p *model.Post) bool {
		return len(p.Attachments()) > 0 && len(p.Attachments()[0].Actions) == 2
	})
	english := buttonNamed(t, question, "English")
	// Someone calling the bot's URL directly, without a valid token, is refused.
	forged, _ := json.Marshal(model.PostActionIntegrationRequest{
		UserId: acc.Members[0].ID, PostId: question.Id, ChannelId: dm.Id,
		Context: map[string]any{"a": "lang.set", "v": "en", "s": "forged"},
	})
	resp, err := http.Post("http://"+listen+ActionsPath, "application/json", bytes.NewReader(forged))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("forged click: status %d, want 401", resp.StatusCode)
	}
	if _, err := alice.DoPostAction(ctx, question.Id, english); err != nil {
		t.Fatalf("clicking English: %v", err)
	}
	updated, _, err := alice.GetPost(ctx, question.Id, "")
	if err != nil {
		t.Fatal(err)
	}
	if atts := updated.Attachments(); len(atts) != 1 || len(atts[0].Actions) != 0 || !strings.Contains(atts[0].Text, "English") {
		t.Errorf("after the click the post shows %+v, want the chosen answer instead of the buttons", atts)
	}
	want := strings.SplitN(cat.T("en", "lang.set", "language", "English"), ":", 2)[0]
	waitPost(t, alice, dm.Id, acc.Bot.ID, question.CreateAt+1, "confirming the language", func(p *model.Post) bool {
		return strings.HasPrefix(p.Message, want)
	})
	// A second click on the same post is not handled again.
	if _, err := alice.DoPostAction(ctx, question.Id, english); err == nil {
		t.Log("second click accepted by the server (the bot answered it with no update)")
	}

	// 3. An introduction opens a group message with the members and the
	// bot (through the adapter, as the matching round will), and a member
	// mentioning the bot there gets an answer from the running binary.
	store, err := bolt.Open(ctx, filepath.Join(t.TempDir(), "intro.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	intro, err := New(Options{URL: acc.URL, Token: acc.Bot.Token, PublicURL: "http://" + listen, Store: store})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := intro.Check(ctx); err != nil {
		t.Fatal(err)
	}
	ref := func(a e2eAccount) bot.UserRef {
		return bot.UserRef{Platform: bot.PlatformMattermost, Workspace: intro.Workspace(), User: a.ID}
	}
	group, err := intro.OpenGroup(ctx, []bot.UserRef{ref(acc.Members[0]), ref(acc.Members[1]), ref(acc.Members[2])})
	if err != nil {
		t.Fatalf("OpenGroup: %v", err)
	}
	if group.Kind != bot.Group {
		t.Errorf("group kind = %v", group.Kind)
	}
	eight := make([]bot.UserRef, 8)
	for i := range eight {
		eight[i] = ref(e2eAccount{ID: fmt.Sprintf("u%026d", i)})
	}
	if _, err := intro.OpenGroup(ctx, eight); !errors.Is(err, bot.ErrGroupSize) {
		t.Errorf("OpenGroup with 8 members: %v, want ErrGroupSize", err)
	}
	if _, err := intro.Send(ctx, group, bot.Reply{Text: "Je vous présente @alice, @bruno et @chloe : *trois DGS* de communes de taille comparable. [lien](http://example.test)"}); err != nil {
		t.Fatalf("Send to the group: %v", err)
	}
	bruno := memberClient(acc.URL, acc.Members[1])
	members, _, err := bruno.GetChannelMembers(ctx, group.ID, 0, 20, "")
	if err != nil || len(members) != 4 {
		t.Fatalf("group members: %d, %v; want 4 (three members and the bot)", len(members), err)
	}
	introPost := waitPost(t, bruno, group.ID, acc.Bot.ID, 0, "introducing", func(p *model.Post) bool {
		return strings.Contains(p.Message, "trois DGS")
	})
	if strings.Contains(introPost.Message, " @alice") || !strings.Contains(introPost.Message, `\[lien\](http`) ||
		!strings.Contains(introPost.Message, "**trois DGS**") {
		t.Errorf("introduction not neutralised or not rendered: %q", introPost.Message)
	}
	since = post(t, bruno, group.ID, "@maillage aide").CreateAt
	waitPost(t, bruno, group.ID, acc.Bot.ID, since, "answering a mention in the group", func(p *model.Post) bool {
		return p.CreateAt >= since && strings.Contains(p.Message, cat.T("fr", "help.header"))
	})

	// 4. The server restarts; a message sent as soon as it is back (the
	// bot still reconnecting) is handled once the bot is connected again.
	restart := exec.Command("bash", "../../.ci/mattermost.sh", "restart")
	if out, err := restart.CombinedOutput(); err != nil {
		t.Fatalf("restarting Mattermost: %v\n%s", err, out)
	}
	since = post(t, alice, dm.Id, "profile").CreateAt
	waitPost(t, alice, dm.Id, acc.Bot.ID, since, "after the restart", func(p *model.Post) bool {
		return strings.Contains(p.Message, cat.T("en", "profile.header"))
	})
	if !strings.Contains(logs.String(), "reconnecting") {
		t.Error("the log does not show a reconnection")
	}
}

// SIGTERM while a member's messages are being answered: the bot finishes
// what it received and exits cleanly within 10 s; restarted on the same
// data, it catches up with the rest. Every message is answered exactly
// once across the two runs (each message is a word the bot does not know,
// unique to the run, which its answer quotes).
func TestSigtermDrainsMattermost(t *testing.T) {
	acc := e2eSetup(t)
	ctx := context.Background()
	data := t.TempDir()
	cfg := "chat:\n  adapters: [mattermost]\nrate_limit: {per_minute: 0}\n" // the catch-up may replay earlier tests' posts
	mm := startMaillage(t, acc, cfg, data)
	bob := memberClient(acc.URL, acc.Members[1])
	dm, _, err := bob.CreateDirectChannel(ctx, acc.Members[1].ID, acc.Bot.ID)
	if err != nil {
		t.Fatal(err)
	}
	run := fmt.Sprintf("zq%d", time.Now().UnixNano()%1_000_000_000)
	word := func(i int) string { return fmt.Sprintf("%sx%d", run, i) }
	since := post(t, bob, dm.Id, word(0)).CreateAt
	waitPost(t, bob, dm.Id, acc.Bot.ID, since, "the first answer", func(p *model.Post) bool { return strings.Contains(p.Message, word(0)) })
	const total = 6
	for i := 1; i < total; i++ {
		post(t, bob, dm.Id, word(i))
	}
	start := time.Now()
	mm.stop(t) // SIGTERM; fails the test unless the exit is clean within 15 s
	took := time.Since(start)
	if took > 10*time.Second {
		t.Errorf("exited %v after SIGTERM, want within 10 s", took)
	}
	answers := func() map[string]int {
		list, _, err := bob.GetPostsForChannel(ctx, dm.Id, 0, 200, "", false, false)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, p := range list.ToSlice() {
			for i := range total {
				if p.UserId == acc.Bot.ID && strings.Contains(p.Message, "« "+word(i)+" »") {
					got[word(i)]++
				}
			}
		}
		return got
	}
	drained := len(answers())
	startMaillage(t, acc, cfg, data)
	deadline := time.Now().Add(30 * time.Second)
	for len(answers()) < total && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond) // the bot runs on its own: poll the server
	}
	got := answers()
	for i := range total {
		if got[word(i)] != 1 {
			t.Errorf("message %d answered %d times across the SIGTERM and the restart, want once", i, got[word(i)])
		}
	}
	t.Logf("SIGTERM: exit in %v, %d of %d answered before it, the rest after the restart", took.Round(time.Millisecond), drained, total)
}
