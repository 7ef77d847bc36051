//go:build goolm

package matrix

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.mau.fi/util/dbutil"
	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/crypto/cryptohelper"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/sndgct/maillage/adapters/bolt"
	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/catalog"
)

// The end-to-end test runs the real maillage binary (built with -tags
// goolm) against a real Dendrite homeserver started by .ci/dendrite.sh
// (which .ci/run calls), with members using mautrix clients with
// end-to-end encryption, as they would use Element.

type e2eEnv struct {
	url, server, password, script string
	botURL                        string // where the bot reaches the homeserver: the storm proxy
}

func e2eSetup(t *testing.T) e2eEnv {
	t.Helper()
	e := e2eEnv{
		url:      os.Getenv("MAILLAGE_TEST_MATRIX_URL"),
		server:   os.Getenv("MAILLAGE_TEST_MATRIX_SERVER"),
		password: os.Getenv("MAILLAGE_TEST_MATRIX_PASSWORD"),
		script:   os.Getenv("MAILLAGE_TEST_MATRIX_SCRIPT"),
	}
	if e.url == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("MAILLAGE_TEST_MATRIX_URL is not set under CI=true: .ci/run must start Dendrite with .ci/dendrite.sh")
		}
		t.Skip("MAILLAGE_TEST_MATRIX_URL not set (start a homeserver with .ci/dendrite.sh start)")
	}
	return e
}

func (e e2eEnv) user(name string) id.UserID { return id.NewUserID(name, e.server) }

// lockedBuffer collects a process's output.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

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

// e2eBinary builds the static binary, as the Dockerfile does.
func e2eBinary(t *testing.T) string {
	t.Helper()
	e2eBuild.once.Do(func() {
		if e2eBuild.dir, e2eBuild.err = os.MkdirTemp("", "maillage-mx-e2e-"); e2eBuild.err != nil {
			return
		}
		e2eBuild.path = filepath.Join(e2eBuild.dir, "maillage")
		cmd := exec.Command("go", "build", "-tags", "goolm", "-o", e2eBuild.path, "../../cmd/maillage")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			e2eBuild.err = fmt.Errorf("go build: %w\n%s", err, out)
		}
	})
	if e2eBuild.err != nil {
		t.Fatal(e2eBuild.err)
	}
	return e2eBuild.path
}

type maillageProcess struct {
	logs   *lockedBuffer
	cmd    *exec.Cmd
	exited chan error
	once   sync.Once
}

// startMaillage runs the binary configured by the environment alone (the
// Matrix variables enable the adapter) on dataDir.
func startMaillage(t *testing.T, e e2eEnv, dataDir string) *maillageProcess {
	t.Helper()
	p := &maillageProcess{logs: &lockedBuffer{}, exited: make(chan error, 1)}
	p.cmd = exec.Command(e2eBinary(t), "run", "--data-dir", dataDir)
	p.cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"MAILLAGE_MATRIX_HOMESERVER_URL=" + e.botURL,
		"MAILLAGE_MATRIX_USER_ID=" + string(e.user("maillage")),
		"MAILLAGE_MATRIX_PASSWORD=" + e.password,
		"MAILLAGE_MATRIX_PICKLE_KEY=e2e pickle key, not a real secret",
		"MAILLAGE_LOG_LEVEL=debug",
	}
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.exited <- p.cmd.Wait() }()
	t.Cleanup(func() {
		p.stop(t)
		if strings.Contains(p.logs.String(), e.password) {
			t.Error("the bot's password appears in the log")
		}
		if t.Failed() {
			t.Logf("maillage log:\n%s", p.logs.String())
		}
	})
	return p
}

func (p *maillageProcess) stop(t *testing.T) {
	t.Helper()
	p.once.Do(func() {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-p.exited:
			if err != nil {
				t.Errorf("maillage exited with %v", err)
			}
		case <-time.After(20 * time.Second):
			_ = p.cmd.Process.Kill()
			t.Error("maillage did not stop on SIGTERM")
		}
	})
}

// member is a Matrix user with an encrypting client, as in Element.
type member struct {
	t    *testing.T
	cli  *mautrix.Client
	mu   sync.Mutex
	msgs []*event.Event // messages from others, decrypted
}

func newMember(t *testing.T, e e2eEnv, name string) *member {
	t.Helper()
	ctx := context.Background()
	cli, err := mautrix.NewClient(e.url, "", "")
	if err != nil {
		t.Fatal(err)
	}
	syncer := mautrix.NewDefaultSyncer()
	cli.Syncer = syncer
	raw, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), name+".db")+"?_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	db, err := dbutil.NewWithDB(raw, "sqlite3")
	if err != nil {
		t.Fatal(err)
	}
	helper, err := cryptohelper.NewCryptoHelper(cli, []byte("member pickle key"), db)
	if err != nil {
		t.Fatal(err)
	}
	helper.LoginAs = &mautrix.ReqLogin{
		Type:       mautrix.AuthTypePassword,
		Identifier: mautrix.UserIdentifier{Type: mautrix.IdentifierTypeUser, User: name},
		Password:   e.password,
	}
	if err := helper.Init(ctx); err != nil {
		t.Fatalf("%s: starting encryption: %v", name, err)
	}
	helper.DecryptErrorCallback = func(evt *event.Event, err error) {
		t.Logf("%s: a message from %s could not be decrypted: %v", name, evt.Sender, err)
	}
	cli.Crypto = helper
	m := &member{t: t, cli: cli}
	syncer.OnEventType(event.EventMessage, func(ctx context.Context, evt *event.Event) {
		if evt.Sender == cli.UserID {
			return
		}
		m.mu.Lock()
		m.msgs = append(m.msgs, evt)
		m.mu.Unlock()
	})
	syncer.OnEventType(event.StateMember, func(ctx context.Context, evt *event.Event) {
		if evt.GetStateKey() == string(cli.UserID) && evt.Content.AsMember().Membership == event.MembershipInvite {
			_, _ = cli.JoinRoomByID(ctx, evt.RoomID)
		}
	})
	sctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = cli.SyncWithContext(sctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		_ = helper.Close()
	})
	return m
}

// waitMessage waits up to 60 s for a message of from in room, after index
// skip, that satisfies ok.
func (m *member) waitMessage(room id.RoomID, from id.UserID, skip int, what string, ok func(*event.Event, *event.MessageEventContent) bool) (*event.Event, int) {
	m.t.Helper()
	return m.waitMessageFor(60*time.Second, room, from, skip, what, ok)
}

func (m *member) waitMessageFor(d time.Duration, room id.RoomID, from id.UserID, skip int, what string, ok func(*event.Event, *event.MessageEventContent) bool) (*event.Event, int) {
	m.t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		m.mu.Lock()
		msgs := m.msgs
		m.mu.Unlock()
		for i := skip; i < len(msgs); i++ {
			evt := msgs[i]
			if evt.RoomID != room || evt.Sender != from {
				continue
			}
			if c := evt.Content.AsMessage(); c != nil && ok(evt, c) {
				return evt, i + 1
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	m.mu.Lock()
	for _, evt := range m.msgs[min(skip, len(m.msgs)):] {
		if c := evt.Content.AsMessage(); c != nil {
			m.t.Logf("message seen: %s in %s: %.120q", evt.Sender, evt.RoomID, c.Body)
		}
	}
	m.mu.Unlock()
	m.t.Fatalf("%s: no message %s within %v", m.cli.UserID, what, d)
	return nil, skip
}

func (m *member) count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.msgs)
}

func (m *member) send(room id.RoomID, content any) id.EventID {
	m.t.Helper()
	resp, err := m.cli.SendMessageEvent(context.Background(), room, event.EventMessage, content)
	if err != nil {
		m.t.Fatalf("%s: sending: %v", m.cli.UserID, err)
	}
	return resp.EventID
}

func (m *member) say(room id.RoomID, text string) id.EventID {
	return m.send(room, &event.MessageEventContent{MsgType: event.MsgText, Body: text})
}

// waitJoined waits until user has joined room.
func (m *member) waitJoined(room id.RoomID, user id.UserID) {
	m.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := m.cli.JoinedMembers(context.Background(), room)
		if err == nil {
			if _, ok := resp.Joined[user]; ok {
				_ = m.cli.StateStore.SetMembership(context.Background(), room, user, event.MembershipJoin)
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	m.t.Fatalf("%s did not join the room within 30 s", user)
}

// openDirect creates an encrypted direct room with the bot, as Element does.
func (m *member) openDirect(botID id.UserID) id.RoomID {
	m.t.Helper()
	ctx := context.Background()
	resp, err := m.cli.CreateRoom(ctx, &mautrix.ReqCreateRoom{
		Preset: "trusted_private_chat", IsDirect: true, Invite: []id.UserID{botID},
		InitialState: []*event.Event{{Type: event.StateEncryption,
			Content: event.Content{Parsed: &event.EncryptionEventContent{Algorithm: id.AlgorithmMegolmV1}}}},
	})
	if err != nil {
		m.t.Fatalf("creating a direct room: %v", err)
	}
	_ = m.cli.StateStore.SetEncryptionEvent(ctx, resp.RoomID, &event.EncryptionEventContent{Algorithm: id.AlgorithmMegolmV1})
	m.waitJoined(resp.RoomID, botID)
	return resp.RoomID
}

func botDevices(t *testing.T, m *member, botID id.UserID) map[id.DeviceID]mautrix.DeviceKeys {
	t.Helper()
	resp, err := m.cli.QueryKeys(context.Background(), &mautrix.ReqQueryKeys{DeviceKeys: mautrix.DeviceKeysRequest{botID: {}}})
	if err != nil {
		t.Fatal(err)
	}
	return resp.DeviceKeys[botID]
}

func TestEndToEndWithDendrite(t *testing.T) {
	e := e2eSetup(t)
	cat := catalog.Default()
	storm := newStormProxy(t, e.url)
	e.botURL = storm.srv.URL
	botID := e.user("maillage")
	dataDir := t.TempDir()

	proc := startMaillage(t, e, dataDir)
	alice := newMember(t, e, "alice")

	// The bot's device appears once its session and keys are up.
	deadline := time.Now().Add(60 * time.Second)
	for len(botDevices(t, alice, botID)) == 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}

	// 1. An encrypted direct message « aide » is answered in French, encrypted.
	dm := alice.openDirect(botID)
	sent := time.Now()
	alice.say(dm, "aide")
	help, seen := alice.waitMessage(dm, botID, 0, "answering « aide »", func(_ *event.Event, c *event.MessageEventContent) bool {
		return strings.Contains(c.Body, cat.T("fr", "help.header"))
	})
	t.Logf("round trip of « aide » (encrypted both ways, first message): %v", time.Since(sent))
	if !help.Mautrix.WasEncrypted {
		t.Error("the answer to « aide » was not encrypted")
	}
	if c := help.Content.AsMessage(); c.Format != event.FormatHTML || c.FormattedBody == "" {
		t.Errorf("the answer has no HTML formatted_body: %+v", c)
	}
	sent = time.Now()
	alice.say(dm, "aide")
	_, seen = alice.waitMessage(dm, botID, seen, "answering « aide » again", func(_ *event.Event, c *event.MessageEventContent) bool {
		return strings.Contains(c.Body, cat.T("fr", "help.header"))
	})
	t.Logf("round trip of « aide » (warm): %v", time.Since(sent))

	// 2. The bot's device is cross-signed: its keys carry a signature of
	// the bot's self-signing key besides its own.
	deviceID := runningDevice(t, proc)
	devs := botDevices(t, alice, botID)
	if k, ok := devs[deviceID]; !ok {
		t.Errorf("the bot's device %s is not among its keys %v", deviceID, keysOf(devs))
	} else if n := len(k.Signatures[botID]); n < 2 {
		t.Errorf("device %s carries %d signatures of the bot, want 2 (its own and the self-signing key's)", deviceID, n)
	}

	// 3. A choice answered by number: « langue » lists the languages.
	alice.say(dm, "langue")
	q, seen := alice.waitMessage(dm, botID, seen, "asking the language", func(_ *event.Event, c *event.MessageEventContent) bool {
		return strings.Contains(c.Body, "1. ") && strings.Contains(c.Body, "English")
	})
	n := "1"
	if strings.Contains(q.Content.AsMessage().Body, "2. English") {
		n = "2"
	}
	alice.say(dm, n)
	want := strings.SplitN(cat.T("en", "lang.set", "language", "English"), ":", 2)[0]
	_, seen = alice.waitMessage(dm, botID, seen, "confirming English", func(_ *event.Event, c *event.MessageEventContent) bool {
		return strings.HasPrefix(c.Body, want)
	})
	// ... and by a reaction.
	alice.say(dm, "language")
	q, seen = alice.waitMessage(dm, botID, seen, "asking the language again", func(_ *event.Event, c *event.MessageEventContent) bool {
		return strings.Contains(c.Body, "1. ") && strings.Contains(c.Body, "Français")
	})
	key := "1️⃣"
	if strings.Contains(q.Content.AsMessage().Body, "2. Français") {
		key = "2️⃣"
	}
	if _, err := alice.cli.SendReaction(context.Background(), dm, q.ID, key); err != nil {
		t.Fatal(err)
	}
	wantFR := strings.SplitN(cat.T("fr", "lang.set", "language", "français"), ":", 2)[0]
	_, seen = alice.waitMessage(dm, botID, seen, "confirming French after a reaction", func(_ *event.Event, c *event.MessageEventContent) bool {
		return strings.HasPrefix(c.Body, wantFR)
	})

	// The whole onboarding, typed as a member would, numbers for the choices.
	// « Bonjour » gets the greeting and the first question: the next step
	// waits for the last of them.
	for _, step := range []string{"Bonjour", "je suis DGS de Saint-Pierre-du-Perray", "1", "1, 5", "1", "1"} {
		alice.say(dm, step)
		var r *event.Event
		r, seen = alice.waitMessage(dm, botID, seen, "answering "+step, func(_ *event.Event, c *event.MessageEventContent) bool {
			return step != "Bonjour" || strings.Contains(c.Body, "Saint-Pierre-du-Perray")
		})
		t.Logf("onboarding: %q → %.100q", step, r.Content.AsMessage().Body)
	}
	alice.say(dm, "profil")
	_, seen = alice.waitMessage(dm, botID, seen, "showing the profile after the onboarding", func(_ *event.Event, c *event.MessageEventContent) bool {
		return strings.Contains(c.Body, "Saint-Pierre-du-Perray")
	})

	// A personal reminder, delivered in the direct room at its time.
	alice.say(dm, "rappelle-moi dans 1 minute de relire la note")
	confirm, seen := alice.waitMessage(dm, botID, seen, "confirming the reminder", func(*event.Event, *event.MessageEventContent) bool { return true })
	t.Logf("reminder: %.120q", confirm.Content.AsMessage().Body)
	reminderFrom := seen

	// A storm of 429 M_LIMIT_EXCEEDED (every other call of the bot, sync
	// and sends alike) loses and doubles nothing.
	storm.on.Store(true)
	for range 5 {
		alice.say(dm, "aide")
	}
	alice.say(dm, "langue")
	helpIDs := map[id.EventID]bool{}
	_, seen = alice.waitMessage(dm, botID, seen, "answering through the storm", func(evt *event.Event, c *event.MessageEventContent) bool {
		if strings.Contains(c.Body, cat.T("fr", "help.header")) {
			helpIDs[evt.ID] = true
		}
		return strings.Contains(c.Body, "1. ") && strings.Contains(c.Body, "English")
	})
	storm.on.Store(false)
	if helps := len(helpIDs); helps != 5 || storm.refused.Load() == 0 {
		t.Errorf("%d answers to five « aide » through %d refusals, want 5", helps, storm.refused.Load())
	}
	t.Logf("429 storm: %d calls refused, every message answered once", storm.refused.Load())

	// 4. An introduction room: the adapter opens an encrypted room for
	// two members (here from a second device of the bot's account, as the
	// matching round does through the running bot); both read the
	// introduction, and the running bot answers a mention there.
	bob := newMember(t, e, "bob")
	carol := newMember(t, e, "carol")
	store, err := bolt.Open(context.Background(), filepath.Join(t.TempDir(), "intro.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	// A second device of the bot's account, logged in here and given by
	// its access token (no password: it leaves the account's cross-signing
	// keys alone).
	login, err := mautrix.NewClient(e.url, "", "")
	if err != nil {
		t.Fatal(err)
	}
	lr, err := login.Login(context.Background(), &mautrix.ReqLogin{Type: mautrix.AuthTypePassword,
		Identifier: mautrix.UserIdentifier{Type: mautrix.IdentifierTypeUser, User: "maillage"}, Password: e.password})
	if err != nil {
		t.Fatal(err)
	}
	intro, err := New(Options{HomeserverURL: e.url, UserID: string(botID), AccessToken: lr.AccessToken, DeviceID: string(lr.DeviceID),
		PickleKey: "intro pickle key, not a secret", CryptoDB: filepath.Join(t.TempDir(), "intro-crypto.db"), Store: store})
	if err != nil {
		t.Fatal(err)
	}
	ictx, stopIntro := context.WithCancel(context.Background())
	introDone := make(chan error, 1)
	go func() { introDone <- intro.Run(ictx, func(context.Context, bot.Message) {}) }()
	var introOnce sync.Once
	endIntro := func() {
		introOnce.Do(func() {
			stopIntro()
			if err := <-introDone; err != nil {
				t.Errorf("the second device's Run = %v", err)
			}
		})
	}
	defer endIntro()
	for until := time.Now().Add(30 * time.Second); intro.Healthy() != nil && time.Now().Before(until); {
		time.Sleep(50 * time.Millisecond)
	}
	ref := func(u id.UserID) bot.UserRef {
		return bot.UserRef{Platform: bot.PlatformMatrix, Workspace: e.server, User: string(u)}
	}
	group, err := intro.OpenGroup(context.Background(), []bot.UserRef{ref(bob.cli.UserID), ref(carol.cli.UserID)})
	if err != nil {
		t.Fatalf("OpenGroup: %v", err)
	}
	bob.waitJoined(id.RoomID(group.ID), bob.cli.UserID)
	carol.waitJoined(id.RoomID(group.ID), carol.cli.UserID)
	if _, err := intro.Send(context.Background(), group, bot.Reply{Text: "Je vous présente @bob et @room : *deux DGS*.",
		Choices: []bot.Choice{{Action: "x", Value: "1", Label: "Oui"}, {Action: "x", Value: "2", Label: "Non"}}}); err != nil {
		t.Fatalf("Send to the group: %v", err)
	}
	for _, m := range []*member{bob, carol} {
		evt, _ := m.waitMessage(id.RoomID(group.ID), botID, 0, "introducing", func(_ *event.Event, c *event.MessageEventContent) bool {
			return strings.Contains(c.Body, "deux DGS")
		})
		c := evt.Content.AsMessage()
		if !evt.Mautrix.WasEncrypted || strings.Contains(c.Body, "@room") || !strings.Contains(c.FormattedBody, "<strong>deux DGS</strong>") ||
			!strings.Contains(c.Body, "1. Oui") {
			t.Errorf("introduction not encrypted, not neutralised or not rendered: %+v", c)
		}
	}
	mark := bob.count()
	bob.say(id.RoomID(group.ID), "maillage: aide")
	bob.waitMessage(id.RoomID(group.ID), botID, mark, "answering a mention in the group", func(_ *event.Event, c *event.MessageEventContent) bool {
		return strings.Contains(c.Body, cat.T("fr", "help.header"))
	})
	endIntro()

	alice.waitMessageFor(90*time.Second, dm, botID, reminderFrom, "delivering the reminder", func(_ *event.Event, c *event.MessageEventContent) bool {
		return strings.Contains(c.Body, "relire la note") && c.Body != confirm.Content.AsMessage().Body
	})

	// 5. The bot restarts on the same data: same device, same session.
	devicesBefore := len(botDevices(t, alice, botID))
	proc.stop(t)
	proc = startMaillage(t, e, dataDir)
	alice.say(dm, "aide")
	_, seen = alice.waitMessage(dm, botID, seen, "answering after the bot's restart", func(_ *event.Event, c *event.MessageEventContent) bool {
		return strings.Contains(c.Body, cat.T("fr", "help.header"))
	})
	after := botDevices(t, alice, botID)
	if d := runningDevice(t, proc); d != deviceID || len(after) != devicesBefore || strings.Contains(proc.logs.String(), "new=true") {
		t.Errorf("after the restart the bot has devices %v, want the same %d with %s", keysOf(after), devicesBefore, deviceID)
	}

	// 6. The homeserver restarts; the bot resumes.
	if e.script != "" {
		defer func() {
			// 7. The crypto store is lost: the bot logs in to a new device,
			// cross-signed with the recovery key kept in its store.
			proc.stop(t)
			for _, suffix := range []string{"", "-wal", "-shm"} {
				_ = os.Remove(filepath.Join(dataDir, "matrix-crypto.db"+suffix))
			}
			proc = startMaillage(t, e, dataDir)
			fresh := runningDevice(t, proc)
			if fresh == deviceID {
				t.Errorf("without its crypto store the bot kept device %s", fresh)
			}
			// Alice's client learns of the new device (as Element does
			// from its sync) before she writes.
			mach := alice.cli.Crypto.(*cryptohelper.CryptoHelper).Machine()
			for until := time.Now().Add(30 * time.Second); time.Now().Before(until); time.Sleep(100 * time.Millisecond) {
				if d, err := mach.GetOrFetchDevice(context.Background(), botID, fresh); err == nil && d != nil {
					break
				}
			}
			// mautrix's client does not share its current Megolm session
			// with a device that appears later (Element does): a new
			// session is shared with every current device.
			if err := mach.CryptoStore.RemoveOutboundGroupSession(context.Background(), dm); err != nil {
				t.Fatal(err)
			}
			alice.say(dm, "aide")
			alice.waitMessage(dm, botID, seen, "answering from a new device", func(_ *event.Event, c *event.MessageEventContent) bool {
				return strings.Contains(c.Body, cat.T("fr", "help.header"))
			})
			if k, ok := botDevices(t, alice, botID)[fresh]; !ok || len(k.Signatures[botID]) < 2 {
				t.Errorf("the new device %s is not cross-signed: %+v", fresh, k.Signatures)
			}
		}()
		out, err := exec.Command("bash", e.script, "restart").CombinedOutput()
		if err != nil {
			t.Fatalf("restarting Dendrite: %v\n%s", err, out)
		}
		time.Sleep(time.Second) // the member's client reconnects too
		alice.say(dm, "aide")
		_, seen = alice.waitMessage(dm, botID, seen, "answering after the homeserver's restart", func(_ *event.Event, c *event.MessageEventContent) bool {
			return strings.Contains(c.Body, cat.T("fr", "help.header"))
		})
	}
}

// stormProxy stands between the bot and the homeserver; while on, it
// answers every other call 429 M_LIMIT_EXCEEDED with retry_after_ms, as
// homeservers do.
type stormProxy struct {
	srv     *httptest.Server
	on      atomic.Bool
	calls   atomic.Int64
	refused atomic.Int64
}

func newStormProxy(t *testing.T, target string) *stormProxy {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &stormProxy{}
	rp := httputil.NewSingleHostReverseProxy(u)
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p.on.Load() && p.calls.Add(1)%2 == 0 {
			p.refused.Add(1)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write([]byte(`{"errcode":"M_LIMIT_EXCEEDED","error":"Too many requests","retry_after_ms":150}`))
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

var deviceRE = regexp.MustCompile(`matrix session ready.* device=(\S+)`)

// runningDevice reads the bot's device from its log.
func runningDevice(t *testing.T, p *maillageProcess) id.DeviceID {
	t.Helper()
	for until := time.Now().Add(30 * time.Second); time.Now().Before(until); time.Sleep(50 * time.Millisecond) {
		if m := deviceRE.FindStringSubmatch(p.logs.String()); m != nil {
			return id.DeviceID(m[1])
		}
	}
	t.Fatal("the bot's log does not name its device")
	return ""
}

func keysOf[K comparable, V any](m map[K]V) []K {
	var out []K
	for k := range m {
		out = append(out, k)
	}
	return out
}

var _ = bot.Direct
