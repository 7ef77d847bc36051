package redis

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/storetest"
	"github.com/sndgct/maillage/internal/fakeclock"
)

// realRedisEnv names a disposable Redis database for the real-server leg.
const realRedisEnv = "MAILLAGE_TEST_REDIS_URL"

// fakeClock is the time shared by a test and its miniredis server.
type fakeClock struct {
	*fakeclock.Clock
	srv *miniredis.Miniredis
}

func newFakeClock(srv *miniredis.Miniredis) *fakeClock {
	c := &fakeClock{Clock: fakeclock.New(time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC)), srv: srv}
	srv.SetTime(c.Now())
	return c
}

// Advance moves the clock and miniredis's TTLs: miniredis reads absolute
// times (PXAT) against SetTime, and counts TTLs down only in FastForward.
func (c *fakeClock) Advance(d time.Duration) {
	c.Clock.Advance(d)
	c.srv.SetTime(c.Now())
	c.srv.FastForward(d)
}

func openTest(t *testing.T, rawURL string, opts Options) *Store {
	t.Helper()
	s, err := Open(t.Context(), rawURL, opts)
	if err != nil {
		t.Fatalf("Open(%s) error: %v", RedactURL(rawURL), err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close() error: %v", err)
		}
	})
	return s
}

func openMini(t *testing.T, opts Options) (*Store, *miniredis.Miniredis, *fakeClock) {
	t.Helper()
	srv := miniredis.RunT(t)
	clock := newFakeClock(srv)
	return openTest(t, "redis://"+srv.Addr()+"/0", opts), srv, clock
}

func TestConformanceMiniredis(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Harness {
		s, _, clock := openMini(t, Options{})
		return storetest.Harness{Store: s, Now: clock.Now, Advance: clock.Advance}
	})
}

// Every call of a bot.Store method reaches the observer.
func TestObserved(t *testing.T) {
	storetest.Observed(t, func(t *testing.T, obs bot.StoreObserver) bot.Store {
		srv := miniredis.RunT(t)
		s, err := Open(t.Context(), "redis://"+srv.Addr()+"/0", Options{Observer: obs})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestConformanceRealRedis(t *testing.T) {
	rawURL := os.Getenv(realRedisEnv)
	if rawURL == "" && os.Getenv("CI") == "true" {
		t.Fatalf("%s is not set under CI: .ci/run must start a real redis-server for this leg", realRedisEnv)
	}
	if rawURL == "" {
		t.Skipf("%s is not set: set it to a disposable Redis database (redis://127.0.0.1:6379/15) to run this leg", realRedisEnv)
	}
	storetest.Run(t, func(t *testing.T) storetest.Harness {
		// A random prefix per store keeps parallel subtests and runs apart.
		prefix := "maillage-test:" + rand.Text() + ":"
		s := openTest(t, rawURL, Options{KeyPrefix: prefix})
		t.Cleanup(func() {
			ctx := context.Background()
			iter := s.rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
			var keys []string
			for iter.Next(ctx) {
				keys = append(keys, iter.Val())
			}
			if err := iter.Err(); err != nil {
				t.Errorf("cleanup scan: %v", err)
			}
			if len(keys) > 0 {
				if err := s.rdb.Del(ctx, keys...).Err(); err != nil {
					t.Errorf("cleanup del: %v", err)
				}
			}
		})
		return storetest.Harness{Store: s} // the server's clock: no Advance
	})
}

func TestRedactURL(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"},
		{"redis://:s3cret@redis.local:6379/2", "redis://:xxxxx@redis.local:6379/2"},
		{"rediss://maillage:s3cret@redis.local/0", "rediss://maillage:xxxxx@redis.local/0"},
		{"redis://maillage@redis.local/0", "redis://maillage@redis.local/0"},
		{
			"redis://sent:s3cret@s1:26379/0?master_name=mymaster&addr=s2:26379&password=pr1mary",
			"redis://sent:xxxxx@s1:26379/0?addr=s2%3A26379&master_name=mymaster&password=xxxxx",
		},
		{"redis://s1:26379?sentinel_password=s3cret", "redis://s1:26379?sentinel_password=xxxxx"},
		{"unix://:s3cret@/run/redis.sock?db=1", "unix://:xxxxx@/run/redis.sock?db=1"},
		{"redis://:s3cret@host:port with space/0", "(unparsable redis URL)"},
		{"redis://:%zz@host/0", "(unparsable redis URL)"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := RedactURL(tt.in); got != tt.want {
			t.Errorf("RedactURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// Mistyped URLs never show their password, neither through RedactURL nor
// in Open's error: the forms an operator gets wrong.
func TestMalformedURLsHideTheirPassword(t *testing.T) {
	const pw = "PW-s3cr3t-9"
	tests := []string{
		"redis//:" + pw + "@redis.local:6379/0",
		"redis:/:" + pw + "@redis.local:6379/0",
		"redis:" + pw + "@redis.local",
		pw,
		"//:" + pw + "@redis.local",
		"redis://:" + pw + "@redis.local:6379/" + pw,
		"redis://redis.local:6379/0?password=" + pw + "&pool_size=x",
		"redis://redis.local:6379/0?Password=" + pw,
		"http://:" + pw + "@redis.local:6379/0",
		"redis://:" + pw + "@/0",
		"redis://:" + pw + "@redis.local:6379/0#" + pw,
		"redis://:" + pw + "@redis.local:6379/0?master_name=m&addr=nocolon",
		"redis://:" + pw + "@redis.local:notaport/0",
		"redis://:" + pw + "@redis.local:6379/0?dial_timeout=" + pw,
		"unix://:" + pw + "@host/run/redis.sock",
		"redis ://:" + pw + "@redis.local",
		" redis://:" + pw + "@redis.local",
	}
	for _, rawURL := range tests {
		if got := RedactURL(rawURL); strings.Contains(got, pw) {
			t.Errorf("RedactURL(%q) = %q shows the password", rawURL, got)
		}
		s, err := Open(t.Context(), rawURL, Options{Timeout: 100 * time.Millisecond})
		if err == nil {
			_ = s.Close()
			t.Errorf("Open(%q) error = nil, want an error", rawURL)
			continue
		}
		if strings.Contains(err.Error(), pw) {
			t.Errorf("Open(%q) error %q shows the password", rawURL, err)
		}
	}
	if got := RedactURL("redis//:" + pw + "@redis.local"); got != "(unparsable redis URL)" {
		t.Errorf("RedactURL of a mistyped scheme = %q, want the placeholder", got)
	}
}

func TestParseURL(t *testing.T) {
	t.Run("single", func(t *testing.T) {
		tg, err := parseURL("rediss://u:pw@redis.local:6380/3?pool_size=7")
		if err != nil {
			t.Fatalf("parseURL error: %v", err)
		}
		o := tg.single
		if o == nil || tg.failover != nil {
			t.Fatalf("parseURL gave %+v, want a single-server target", tg)
		}
		if o.Addr != "redis.local:6380" || o.DB != 3 || o.Username != "u" || o.Password != "pw" ||
			o.PoolSize != 7 || o.TLSConfig == nil || !o.ContextTimeoutEnabled {
			t.Errorf("parseURL options = addr %q db %d user %q pw %q pool %d tls %v ctx %v",
				o.Addr, o.DB, o.Username, o.Password, o.PoolSize, o.TLSConfig != nil, o.ContextTimeoutEnabled)
		}
	})
	t.Run("sentinel", func(t *testing.T) {
		tg, err := parseURL("redis://su:spw@s1:26379/2?master_name=mymaster&addr=s2:26379&addr=s3:26379&password=ppw")
		if err != nil {
			t.Fatalf("parseURL error: %v", err)
		}
		o := tg.failover
		if o == nil || tg.single != nil {
			t.Fatalf("parseURL gave %+v, want a sentinel target", tg)
		}
		wantAddrs := []string{"s1:26379", "s2:26379", "s3:26379"}
		if o.MasterName != "mymaster" || !slices.Equal(o.SentinelAddrs, wantAddrs) || o.DB != 2 ||
			o.SentinelUsername != "su" || o.SentinelPassword != "spw" || o.Password != "ppw" || !o.ContextTimeoutEnabled {
			t.Errorf("parseURL options = master %q addrs %q db %d sentinel %q/%q pw %q ctx %v",
				o.MasterName, o.SentinelAddrs, o.DB, o.SentinelUsername, o.SentinelPassword, o.Password, o.ContextTimeoutEnabled)
		}
	})
}

func TestOpenInvalidURL(t *testing.T) {
	tests := []string{
		"http://redis.local:6379",
		"redis://:s3cret@redis.local:6379/zero",
		"redis://:s3cret@redis.local:6379/0?unknown_option=1",
		"redis://:s3cret@redis.local:6379/0?master_name=",
		"redis://:s3cret@host:port with space/0",
		"redis://:s3cret@redis.local/0?master_name=m&addr=nocolon",
	}
	for _, rawURL := range tests {
		s, err := Open(t.Context(), rawURL, Options{Timeout: 100 * time.Millisecond})
		if err == nil {
			_ = s.Close()
			t.Errorf("Open(%q) error = nil, want an error", rawURL)
			continue
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("Open(%q) error %q shows the password", rawURL, err)
		}
	}
}

func TestOpenUnreachable(t *testing.T) {
	rawURL := "redis://user:s3cret@127.0.0.1:1/0"
	s, err := Open(t.Context(), rawURL, Options{Timeout: time.Second})
	if err == nil {
		_ = s.Close()
		t.Fatalf("Open(%s) error = nil, want an error", RedactURL(rawURL))
	}
	t.Logf("Open error: %v", err)
	if !errors.Is(err, bot.ErrUnavailable) {
		t.Errorf("Open error = %v, want an error wrapping ErrUnavailable", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "127.0.0.1:1") || strings.Contains(msg, "s3cret") {
		t.Errorf("Open error = %q, want it to name 127.0.0.1:1 and not show the password", msg)
	}
}

func TestOpenTimeout(t *testing.T) {
	// A server that accepts connections and never answers.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				_ = c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	start := time.Now()
	s, err := Open(t.Context(), "redis://"+ln.Addr().String()+"/0", Options{Timeout: 200 * time.Millisecond})
	if err == nil {
		_ = s.Close()
		t.Fatalf("Open(silent server) error = nil, want an error")
	}
	if !errors.Is(err, bot.ErrUnavailable) {
		t.Errorf("Open(silent server) error = %v, want ErrUnavailable", err)
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("Open(silent server) took %v, want about the 200ms timeout", elapsed)
	}
}

func TestServerErrors(t *testing.T) {
	ref := bot.UserRef{Platform: bot.PlatformSlack, Workspace: "T1", User: "U1"}
	tests := []struct {
		reply           string
		wantUnavailable bool
	}{
		{"LOADING Redis is loading the dataset in memory", true},
		{"READONLY You can't write against a read only replica.", true},
		{"MASTERDOWN Link with MASTER is down", true},
		{"CLUSTERDOWN The cluster is down", true},
		{"WRONGTYPE Operation against a key holding the wrong kind of value", false},
		{"ERR unknown command", false},
	}
	for _, tt := range tests {
		t.Run(strings.Fields(tt.reply)[0], func(t *testing.T) {
			s, srv, _ := openMini(t, Options{})
			srv.SetError(tt.reply)
			_, err := s.Member(t.Context(), ref)
			if err == nil {
				t.Fatalf("Member() error = nil, want %q", tt.reply)
			}
			if got := errors.Is(err, bot.ErrUnavailable); got != tt.wantUnavailable {
				t.Errorf("Member() error = %v; wraps ErrUnavailable = %v, want %v", err, got, tt.wantUnavailable)
			}
			if errors.Is(err, bot.ErrNotFound) {
				t.Errorf("Member() error = %v, want not ErrNotFound", err)
			}
			if err := s.Ping(t.Context()); !errors.Is(err, bot.ErrUnavailable) {
				t.Errorf("Ping() error = %v, want ErrUnavailable", err)
			}
		})
	}
}

func TestServerGone(t *testing.T) {
	s, srv, _ := openMini(t, Options{Timeout: 500 * time.Millisecond})
	srv.Close()
	ref := bot.UserRef{Platform: bot.PlatformSlack, Workspace: "T1", User: "U1"}
	calls := []struct {
		name string
		call func() error
	}{
		{"Ping", func() error { return s.Ping(t.Context()) }},
		{"Member", func() error { _, err := s.Member(t.Context(), ref); return err }},
		{"SaveMember", func() error { return s.SaveMember(t.Context(), bot.Member{Ref: ref}) }},
		{"Members", func() error { return s.Members(t.Context(), func(bot.Member) error { return nil }) }},
		{"FirstSeen", func() error { _, err := s.FirstSeen(t.Context(), "ev", time.Minute); return err }},
		{"Claim", func() error { _, err := s.Claim(t.Context(), "job", "r1", time.Minute); return err }},
	}
	for _, c := range calls {
		if err := c.call(); !errors.Is(err, bot.ErrUnavailable) {
			t.Errorf("%s(server gone) error = %v, want ErrUnavailable", c.name, err)
		}
	}
}

func TestKeyLayout(t *testing.T) {
	ctx := t.Context()
	s, srv, clock := openMini(t, Options{KeyPrefix: "mg:"})
	ref := bot.UserRef{Platform: bot.PlatformSlack, Workspace: "T:1", User: "U1"}
	err := errors.Join(
		s.SaveMember(ctx, bot.Member{Ref: ref}),
		s.SaveDialogue(ctx, bot.Dialogue{Member: ref, Kind: "lang", Expires: clock.Now().Add(90 * time.Minute)}),
	)
	_, e := s.FirstSeen(ctx, "ev:1", 5*time.Minute)
	err = errors.Join(err, e)
	_, e = s.Claim(ctx, "job:1", "r1", time.Hour)
	if err = errors.Join(err, e); err != nil {
		t.Fatalf("setup: %v", err)
	}

	want := []string{"mg:claim:job:1", "mg:dialogue:5:slack3:T:12:U1", "mg:members", "mg:seen:ev:1"}
	if got := srv.Keys(); !slices.Equal(got, want) {
		t.Errorf("keys = %q, want %q", got, want)
	}
	if got, _ := srv.HKeys("mg:members"); !slices.Equal(got, []string{"5:slack3:T:12:U1"}) {
		t.Errorf("member fields = %q, want [5:slack3:T:12:U1]", got)
	}
	ttls := []struct {
		key  string
		want time.Duration
	}{
		{"mg:members", 0},
		{"mg:dialogue:5:slack3:T:12:U1", 90 * time.Minute},
		{"mg:seen:ev:1", 5 * time.Minute},
		{"mg:claim:job:1", time.Hour},
	}
	for _, tt := range ttls {
		if got := srv.TTL(tt.key); got != tt.want {
			t.Errorf("TTL(%s) = %v, want %v", tt.key, got, tt.want)
		}
	}
	if got, _ := srv.Get("mg:claim:job:1"); got != "r1" {
		t.Errorf("claim value = %q, want the owner r1", got)
	}
}

func TestMembersManyScanRounds(t *testing.T) {
	ctx := t.Context()
	s, _, _ := openMini(t, Options{})
	const n = 3*hscanCount + 7
	for i := range n {
		ref := bot.UserRef{Platform: bot.PlatformSlack, Workspace: "T", User: fmt.Sprintf("U%05d", n-i)}
		if err := s.SaveMember(ctx, bot.Member{Ref: ref}); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	if err := s.Members(ctx, func(m bot.Member) error {
		got = append(got, m.Ref.User)
		return nil
	}); err != nil {
		t.Fatalf("Members() error: %v", err)
	}
	if len(got) != n || !slices.IsSorted(got) {
		t.Errorf("Members() gave %d members (sorted: %v), want %d sorted", len(got), slices.IsSorted(got), n)
	}
}

func TestKeyPrefixesAreIsolated(t *testing.T) {
	ctx := t.Context()
	srv := miniredis.RunT(t)
	a := openTest(t, "redis://"+srv.Addr()+"/0", Options{KeyPrefix: "a:"})
	b := openTest(t, "redis://"+srv.Addr()+"/0", Options{KeyPrefix: "b:"})
	ref := bot.UserRef{Platform: bot.PlatformSlack, Workspace: "T", User: "U"}
	if err := a.SaveMember(ctx, bot.Member{Ref: ref}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Member(ctx, ref); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("Member(other prefix) error = %v, want ErrNotFound", err)
	}
	if ok, err := b.Claim(ctx, "job", "r2", time.Minute); err != nil || !ok {
		t.Errorf("Claim(other prefix) = %v, %v; want true, nil", ok, err)
	}
	if ok, err := a.Claim(ctx, "job", "r1", time.Minute); err != nil || !ok {
		t.Errorf("Claim(own prefix) = %v, %v; want true, nil", ok, err)
	}
}

func TestClientLogger(t *testing.T) {
	var buf strings.Builder
	l := clientLogger{slog.New(slog.NewTextHandler(&buf, nil))}
	l.Printf(t.Context(), "failed to dial after %d attempts: %v", 5, "refused")
	if got, want := buf.String(), `msg="failed to dial after 5 attempts: refused"`; !strings.Contains(got, want) {
		t.Errorf("clientLogger wrote %q, want it to contain %q", got, want)
	}
}
