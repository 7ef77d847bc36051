package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/sndgct/maillage/adapters/bolt"
	redisstore "github.com/sndgct/maillage/adapters/redis"
	"github.com/sndgct/maillage/adapters/terminal"
	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/broadcasts"
	"github.com/sndgct/maillage/bot/core"
	"github.com/sndgct/maillage/bot/features"
)

// The member whose traces the erasure test looks for.
const (
	erasedUser         = "gwen-kervadec-7731"
	erasedCollectivity = "Saint-Pierre-du-Perray"
)

// erasureSession is what the member and the others do before the
// erasure: every feature that writes about a member. The organizer
// publishes a highlight on the session the member follows.
var erasureSession = onboard(erasedUser, "je suis DGS de "+erasedCollectivity, "1, 5") +
	onboard("bob", "je suis DGS de Palaiseau", "1, 4") +
	onboard("carol", "je suis DGA de Évry-Courcouronnes", "1, 5") +
	"/as " + erasedUser + "\n" +
	"rappelle-moi le 12 décembre à 14h30 : CODIR\n" +
	"temps forts déconnexion\n1\n1\n" + // follow a session
	"suivre IA\n" +
	"pause 1 semaine\nreprendre\n" +
	"/as admin\ntour maintenant\n1\n" + // a round: the member is introduced
	"/as " + erasedUser + "\n2\n" + // answers « pas ce tour-ci » in the group
	"/as admin\nrelance maintenant\n" + // the follow-up
	"/as orga\npublier temps fort\n5\nTrois questions à se poser avant d'envoyer un message le soir.\nnon\npublier\n" +
	"/as " + erasedUser + "\nmes données\n"

// A member uses every feature that writes about them (onboarding,
// reminders, follows, pause, a round and its follow-up, a highlight digest,
// a broadcast, their export), then erases their data: no key or value of
// the store (bolt file, Redis keys) holds their id, their reference, their
// collectivity, or a hash of their reference that can be computed without
// the deployment's secret.
func TestErasureLeavesNoTraceAfterEveryFeature(t *testing.T) {
	cfgPath := alwaysOpen(t)
	// The three members' sizes differ: a soft size preference lets the
	// round form the trio that every feature needs.
	appendFile(t, cfgPath, "matching:\n  preferences:\n    similar_size: soft\n")
	stores := map[string]func(t *testing.T) (bot.Store, func() string){
		"bolt": func(t *testing.T) (bot.Store, func() string) {
			path := filepath.Join(t.TempDir(), "maillage.db")
			s, err := bolt.Open(t.Context(), path, bolt.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Close() })
			return s, func() string {
				data, err := os.ReadFile(path) // bbolt writes through to the file
				if err != nil {
					t.Fatal(err)
				}
				return string(data)
			}
		},
		"miniredis": func(t *testing.T) (bot.Store, func() string) {
			return redisFor(t, "redis://"+miniredis.RunT(t).Addr()+"/0")
		},
	}
	if u := os.Getenv("MAILLAGE_TEST_REDIS_URL"); u != "" {
		stores["redis-server"] = func(t *testing.T) (bot.Store, func() string) { return redisFor(t, u) }
	}
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			store, dump := open(t)
			ref := bot.UserRef{Platform: bot.PlatformTerminal, Workspace: "local", User: erasedUser}
			before := erasureRun(t, cfgPath, store, erasureSession, true)
			for _, want := range []string{fr("match.intro.header_trio"), "Nouveaux temps forts", "Rendez-vous"} {
				if !strings.Contains(before, want) {
					t.Errorf("the session lacks %q: a feature did not run\n%s", want, before)
				}
			}
			traces := erasureTraces(ref)
			if all := dump(); !strings.Contains(all, erasedUser) || !strings.Contains(all, erasedCollectivity) {
				t.Fatal("the member's id or collectivity is not in the store before the erasure: the scan below would prove nothing")
			}
			after := erasureRun(t, cfgPath, store, "/as "+erasedUser+"\nsupprimer mes données\n1\nprofil\n", false)
			if !strings.Contains(after, fr("members.erase.done")) {
				t.Fatalf("erasure not confirmed:\n%s", after)
			}
			all := dump()
			left := 0
			for what, s := range traces {
				if n := strings.Count(all, s); n > 0 {
					left += n
					t.Errorf("after the erasure the store holds %s %d time(s)", what, n)
				}
			}
			t.Logf("%s: %d bytes of store scanned after the erasure, %d trace(s) of the member left", name, len(all), left)
		})
	}
}

// erasureTraces are the strings that would tell the erased member's
// presence: id, reference, collectivity, the hashes anyone can recompute.
func erasureTraces(ref bot.UserRef) map[string]string {
	old := sha256.Sum256([]byte("maillage-delivery:" + ref.Key()))
	return map[string]string{
		"the member's id":                          ref.User,
		"the member's reference":                   ref.Key(),
		"the member's collectivity":                erasedCollectivity,
		"sha256(\"maillage-delivery:\"+reference)": hex.EncodeToString(old[:]),
		"the hash under the built-in secret":       bot.KeyHasher{}.Ref(ref),
	}
}

// redisFor opens a Redis store under a fresh prefix, and returns a dump of
// every key and value under it.
func redisFor(t *testing.T, url string) (bot.Store, func() string) {
	prefix := "maillage-erase-" + rand.Text()[:8] + ":"
	s, err := redisstore.Open(t.Context(), url, redisstore.Options{KeyPrefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close(); deleteKeys(t, url, prefix) })
	return s, func() string { return dumpRedis(t, url, prefix) }
}

// erasureRun runs the core with every feature on store, the terminal fed
// with input; with extras, it then sends the highlights digest and a
// broadcast to every member. It returns what the terminal printed.
func erasureRun(t *testing.T, cfgPath string, store bot.Store, input string, extras bool) string {
	t.Helper()
	ctx := context.Background()
	cfg, err := loadConfig(cfgPath, t.TempDir(), env())
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.DiscardHandler)
	set, err := contentLoader(cfg, logger)(ctx)
	if err != nil {
		t.Fatal(err)
	}
	secret, err := core.DeploymentSecret(ctx, store, "test", nil)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	term := terminal.New(strings.NewReader(input), &out, terminal.Options{User: erasedUser})
	b, err := core.New(settings(cfg, "test"), store, []bot.ChatAdapter{term}, core.Options{Logger: logger,
		Features: features.All(), Content: set, Directory: lazyDirectory(logger), KeySecret: secret})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if extras {
		if err := b.RunJobNow(ctx, "digest", time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		bf, ok := core.FeatureOf[*broadcasts.Feature](b)
		if !ok {
			t.Fatal("no broadcasts feature")
		}
		bc, _, err := bf.SubmitBroadcast(ctx, broadcasts.BroadcastDraft{Urgent: true, Origin: "cli", Operator: "exploitation",
			Text: map[bot.Lang]string{bot.French: "Rendez-vous au congrès, {prenom} ({collectivite})."}})
		if err != nil {
			t.Fatal(err)
		}
		if err := bf.RunBroadcast(ctx, bc.ID); err != nil {
			t.Fatal(err)
		}
	}
	return out.String()
}

// With Redis's append-only file on, the erasure has Redis rewrite it: once
// the rewrite is done, no file of the AOF holds a trace of the member
// (before the erasure it held them). The AOF is written as commands (no
// RDB preamble, whose compression could hide a string from the scan).
func TestErasureRewritesRedisAppendOnlyFile(t *testing.T) {
	bin := redisServerBinary(t)
	port, dir := freePort(t), t.TempDir()
	startRedisCmd(t, exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir,
		"--save", "", "--appendonly", "yes", "--appendfsync", "always", "--aof-use-rdb-preamble", "no"), port)
	url := fmt.Sprintf("redis://127.0.0.1:%d/0", port)
	store, _ := redisFor(t, url)
	aof := func() string {
		var b strings.Builder
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.Contains(path, "appendonly") {
				return err
			}
			data, err := os.ReadFile(path)
			b.Write(data)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	ref := bot.UserRef{Platform: bot.PlatformTerminal, Workspace: "local", User: erasedUser}
	erasureRun(t, alwaysOpen(t), store, erasureSession, true)
	if !strings.Contains(aof(), erasedUser) {
		t.Fatal("the AOF does not hold the member's id before the erasure: the scan below would prove nothing")
	}
	rdb := redisClient(t, url)
	defer rdb.Close()
	rewrites := func() string {
		info := rdb.Info(context.Background(), "persistence").Val()
		for _, l := range strings.Split(info, "\r\n") {
			if v, ok := strings.CutPrefix(l, "aof_rewrites:"); ok {
				return v
			}
		}
		return ""
	}
	before := rewrites()
	erasureRun(t, alwaysOpen(t), store, "/as "+erasedUser+"\nsupprimer mes données\n1\n", false)
	waitFor(t, 30*time.Second, "Redis did not rewrite its AOF after the erasure", func() bool {
		info := rdb.Info(context.Background(), "persistence").Val()
		return rewrites() != before && strings.Contains(info, "aof_rewrite_in_progress:0") &&
			strings.Contains(info, "aof_rewrite_scheduled:0")
	})
	all, left := aof(), 0
	for what, s := range erasureTraces(ref) {
		if n := strings.Count(all, s); n > 0 {
			left += n
			t.Errorf("after the erasure and the rewrite the AOF holds %s %d time(s)", what, n)
		}
	}
	t.Logf("AOF after the erasure's rewrite: %d bytes, %d trace(s) of the member", len(all), left)
}

func appendFile(t *testing.T, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}
