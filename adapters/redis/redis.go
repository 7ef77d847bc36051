// Package redis implements bot.Store over Redis (a single server or a
// Sentinel-managed primary), so that several Maillage replicas share their
// state. It uses go-redis v9.
//
// # URL
//
// Open takes one URL:
//
//	redis://[[user]:password@]host[:port][/db][?option=value...]
//	rediss://...                      (TLS)
//	unix://[[user]:password@]/path/to/redis.sock[?db=N]
//
// and, for Sentinel, go-redis's failover form: the host is a sentinel, more
// sentinels come as addr= parameters, and master_name= names the monitored
// primary; its presence selects Sentinel:
//
//	redis://[sentinel-user:sentinel-password@]sentinel1:26379[/db]?master_name=mymaster&addr=sentinel2:26379&addr=sentinel3:26379[&password=primary-password]
//
// In that form the user information authenticates to the sentinels, and the
// username= and password= parameters to the primary.
//
// Redis Cluster: addr= parameters without master_name (or cluster=true with
// a single seed) select go-redis's ClusterClient; the host and the addr=
// parameters are seed nodes, the user information authenticates to every
// node, the database is 0:
//
//	redis://[[user]:password@]node1:6379?addr=node2:6379&addr=node3:6379
//
// In a cluster the key prefix is put in a hash tag (see clusterPrefix). The other go-redis
// options (dial_timeout=3s, pool_size=20...) are accepted as parameters in
// both forms. Error messages and logs show the URL through RedactURL.
//
// One parameter is Maillage's own: replica_acks=N (0 to 10; default 1 with
// Sentinel, 0 for a single server). Before a broadcast message is posted,
// the recipient's "sending" record must be acknowledged by N replicas
// (Redis WAIT, up to a second): Redis replication is asynchronous, and a
// failover drops the writes the promoted replica had not received; a
// "sending" record dropped that way would make the recipient pending
// again, and posted twice. When fewer replicas acknowledge, the store
// answers bot.ErrUnavailable and nothing is posted (the record, if it
// survives, is reconciled like any post interrupted by a crash). Set 0 to
// favour sending while the replica is down over that guarantee.
//
// # Keys
//
// Every key starts with Options.KeyPrefix ("maillage:" by default), so that
// several deployments can share a database:
//
//	<prefix>members           hash: ref.Key() -> JSON bot.Member
//	<prefix>dialogue:<ref>    string: JSON bot.Dialogue, PXAT its Expires
//	<prefix>seen:<key>        string "1", PX the FirstSeen ttl
//	<prefix>claim:<key>       string: the owner, PX the Claim ttl
//	<prefix>value:<key>       string: a ValueStore value, PX its ttl
//
// <ref> is bot.UserRef.Key, which encodes a reference without ambiguity.
// Members live in one hash, walked with HSCAN;
// Members sorts them in memory, which suits the few thousand members of a
// deployment. Transactions and Lua scripts touch several keys at once (a
// broadcast and its recipients, a pending message and the due queue, a
// round and its indexes); in Redis Cluster the prefix is therefore a hash
// tag, so that every key of a deployment shares one slot.
//
// # Errors and time
//
// Every call runs under context.WithTimeout(ctx, Options.Timeout). A missing
// key is bot.ErrNotFound; network failures, timeouts and a server that is
// loading, read-only or without a primary wrap bot.ErrUnavailable; a canceled
// ctx gives its error. Expiry is Redis's own: the server's clock decides.
// Errors never quote a member's user id, since they may reach the logs.
package redis

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	goredis "github.com/redis/go-redis/v9"
	"github.com/sndgct/maillage/bot"
)

// DefaultKeyPrefix starts every key when Options.KeyPrefix is empty.
const DefaultKeyPrefix = "maillage:"

// DefaultTimeout bounds each call when Options.Timeout is not positive.
const DefaultTimeout = 2 * time.Second

// hscanCount is the COUNT hint of each HSCAN round.
const hscanCount = 500

// Options tune Open. The zero value is usable.
type Options struct {
	// KeyPrefix starts every key. Empty means DefaultKeyPrefix.
	KeyPrefix string
	// Timeout bounds each call (each HSCAN round for Members). Zero or
	// negative means DefaultTimeout.
	Timeout time.Duration
	// Logger receives the store's few log lines. Nil discards them.
	Logger *slog.Logger
	// ClientLogs routes go-redis's own log lines to Logger too (they are
	// process-wide in go-redis: set it for the one store of a process).
	ClientLogs bool
	// Observer is told of every call of a bot.Store method (Close
	// excepted): its name, duration and error. Nil means none.
	Observer bot.StoreObserver
}

// Store is a bot.Store over Redis. It is safe for concurrent use.
type Store struct {
	rdb goredis.UniversalClient
	// replicaAcks: replicas that must acknowledge a "sending" record
	// (the URL's replica_acks).
	replicaAcks int
	// healthyReplicas, with Sentinel, asks the sentinels how many replicas
	// of the primary they see up (nil for a single server).
	healthyReplicas func(ctx context.Context) (int, error)
	upMu            sync.Mutex
	up              int       // replicas up, as the sentinels last said
	upRead          time.Time // when they said it
	url             string    // redacted
	prefix          string
	timeout         time.Duration
	log             *slog.Logger
	obs             bot.StoreObserver // nil: none
}

var _ bot.Store = (*Store)(nil)

// Open connects to the Redis server (or Sentinel-managed primary) named by
// rawURL and pings it within opts.Timeout. An unreachable server gives an
// error naming the URL without its passwords and wrapping
// bot.ErrUnavailable.
func Open(ctx context.Context, rawURL string, opts Options) (*Store, error) {
	if opts.KeyPrefix == "" {
		opts.KeyPrefix = DefaultKeyPrefix
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.ClientLogs {
		routeClientLogs(opts.Logger)
	}
	redacted := RedactURL(rawURL)
	if redacted == unparsable || redacted == "" {
		return nil, fmt.Errorf("open redis store: %s: %s (see the README for the forms of the URL)", unparsable, urlProblem(rawURL))
	}
	t, err := parseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("open redis store %s: %w", redacted, scrubURLSecrets(err, rawURL))
	}
	if t.cluster != nil {
		opts.KeyPrefix = clusterPrefix(opts.KeyPrefix)
	}
	s := &Store{
		rdb:         t.client(),
		replicaAcks: t.replicaAcks,
		url:         redacted,
		prefix:      opts.KeyPrefix,
		timeout:     opts.Timeout,
		log:         opts.Logger.With("component", "store.redis"),
	}
	if t.failover != nil {
		s.healthyReplicas = sentinelReplicas(t.failover)
	}
	if err := s.Ping(ctx); err != nil {
		_ = s.rdb.Close()
		return nil, fmt.Errorf("open redis store %s: %w", redacted, scrubURLSecrets(err, rawURL))
	}
	// Open's own ping is not an operation of the store's user.
	if _, nop := opts.Observer.(bot.NopStoreObserver); !nop {
		s.obs = opts.Observer
	}
	s.log.InfoContext(ctx, "redis store opened", "url", redacted, "sentinel", t.failover != nil, "cluster", t.cluster != nil, "key_prefix", s.prefix, "replica_acks", s.replicaAcks)
	s.checkPersistence(ctx)
	return s, nil
}

// clusterPrefix puts the key prefix in a hash tag ("maillage:" becomes
// "{maillage}:") unless it holds one: in Redis Cluster every key of the
// deployment then lives in one slot, so that the transactions and scripts
// that touch several keys at once (a member and their indexes, a broadcast
// and its recipients, a pending message and the due queue) are never
// refused as cross-slot. The deployment's few thousand members fit one
// shard: Cluster brings failover here, not sharding.
func clusterPrefix(prefix string) string {
	if strings.Contains(prefix, "{") && strings.Contains(prefix, "}") {
		return prefix
	}
	return "{" + strings.TrimSuffix(prefix, ":") + "}:"
}

// callStart is when an observed call starts: the zero time without an
// observer, so that the unobserved store never reads the clock.
func (s *Store) callStart() time.Time {
	if s.obs == nil {
		return time.Time{}
	}
	return time.Now()
}

// observe reports a call to the observer, if any; every method of
// bot.Store but Close begins with
//
//	defer s.observe("Name", s.callStart(), &err)
//
// so that the observer sees the error the method returns.
func (s *Store) observe(op string, start time.Time, err *error) {
	if s.obs != nil {
		s.obs.StoreCall(op, time.Since(start), *err)
	}
}

// target is what a URL describes: one server or a Sentinel setup.
type target struct {
	single   *goredis.Options
	failover *goredis.FailoverOptions
	cluster  *goredis.ClusterOptions
	// replicaAcks is the replica_acks parameter (see the package comment).
	replicaAcks int
}

// sentinelReplicas returns a function that asks the sentinels of o, in
// turn until one answers, how many replicas of the primary they see up
// (neither subjectively nor objectively down).
func sentinelReplicas(o *goredis.FailoverOptions) func(ctx context.Context) (int, error) {
	return func(ctx context.Context) (int, error) {
		var last error
		for _, addr := range o.SentinelAddrs {
			sc := goredis.NewSentinelClient(&goredis.Options{Addr: addr, Username: o.SentinelUsername,
				Password: o.SentinelPassword, TLSConfig: o.TLSConfig, ContextTimeoutEnabled: true})
			replicas, err := sc.Replicas(ctx, o.MasterName).Result()
			_ = sc.Close()
			if err != nil {
				last = err
				continue
			}
			up := 0
			for _, r := range replicas {
				flags := "," + r["flags"] + ","
				// "disconnected" counts as up: right after a switch the
				// sentinels list the old primary so before their link
				// to it as a replica is up, while clients still write
				// to it; only a replica seen down is left out.
				if !strings.Contains(flags, ",s_down,") && !strings.Contains(flags, ",o_down,") {
					up++
				}
			}
			return up, nil
		}
		return 0, fmt.Errorf("asking the sentinels for the replicas: %w", last)
	}
}

// maxReplicaAcks bounds replica_acks.
const maxReplicaAcks = 10

func (t target) client() goredis.UniversalClient {
	if t.failover != nil {
		return goredis.NewFailoverClient(t.failover)
	}
	if t.cluster != nil {
		return goredis.NewClusterClient(t.cluster)
	}
	return goredis.NewClient(t.single)
}

// parseURL reads a redis://, rediss:// or unix:// URL; a master_name
// parameter selects Sentinel. Its errors never quote the URL.
func parseURL(rawURL string) (target, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		// url.Error quotes the whole URL, password included: keep the cause.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return target{}, fmt.Errorf("invalid URL: %w", err)
	}
	q := u.Query()
	acks := -1 // the default of the form
	if q.Has("replica_acks") {
		n, err := strconv.Atoi(q.Get("replica_acks"))
		if err != nil || n < 0 || n > maxReplicaAcks {
			return target{}, fmt.Errorf("invalid URL: replica_acks must be a number from 0 to %d", maxReplicaAcks)
		}
		acks = n
		// Maillage's own: go-redis refuses parameters it does not know.
		q.Del("replica_acks")
		u.RawQuery = q.Encode()
		rawURL = u.String()
	}
	cluster := false
	if v := q.Get("cluster"); q.Has("cluster") {
		// Maillage's own, like replica_acks: select Redis Cluster with a
		// single seed address.
		if v != "true" && v != "1" && v != "false" && v != "0" {
			return target{}, errors.New("invalid URL: cluster must be true or false")
		}
		cluster = v == "true" || v == "1"
		q.Del("cluster")
		u.RawQuery = q.Encode()
		rawURL = u.String()
	}
	if !q.Has("master_name") && (cluster || q.Has("addr")) {
		if !validDBPath(u.Path) || strings.Trim(u.Path, "/0") != "" {
			return target{}, errors.New("invalid URL: Redis Cluster has database 0 only")
		}
		u.Path = ""
		o, err := goredis.ParseClusterURL(u.String())
		if err != nil {
			return target{}, fmt.Errorf("invalid cluster URL: %w", err)
		}
		o.ContextTimeoutEnabled = true
		return target{cluster: o, replicaAcks: max(acks, 0)}, nil
	}
	if q.Has("master_name") {
		if q.Get("master_name") == "" {
			return target{}, errors.New("invalid URL: empty master_name")
		}
		o, err := goredis.ParseFailoverURL(rawURL)
		if err != nil {
			return target{}, fmt.Errorf("invalid sentinel URL: %w", err)
		}
		o.ContextTimeoutEnabled = true
		if acks < 0 {
			acks = 1 // a Sentinel setup has a replica to promote
		}
		return target{failover: o, replicaAcks: acks}, nil
	}
	o, err := goredis.ParseURL(rawURL)
	if err != nil {
		return target{}, fmt.Errorf("invalid URL: %w", err)
	}
	o.ContextTimeoutEnabled = true
	return target{single: o, replicaAcks: max(acks, 0)}, nil
}

// redacted replaces secrets in URLs.
const redacted = "xxxxx"

// unparsable stands for a URL that cannot be shown safely.
const unparsable = "(unparsable redis URL)"

// RedactURL returns rawURL rebuilt from its parsed parts with its passwords
// (user information and every parameter whose name holds "password")
// replaced by "xxxxx", fit for logs and error messages. Anything that is not
// a well-formed redis://, rediss:// or unix:// URL (a mistyped scheme such
// as "redis//" or "redis:/", a bare password, a database that is not a
// number) gives "(unparsable redis URL)": whatever was typed might be a
// secret.
func RedactURL(rawURL string) string {
	if rawURL == "" {
		return ""
	}
	u, err := url.Parse(rawURL)
	if err != nil || u.Opaque != "" || u.Fragment != "" {
		return unparsable
	}
	out := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}
	switch u.Scheme {
	case "redis", "rediss":
		if u.Host == "" || !validDBPath(u.Path) {
			return unparsable
		}
	case "unix":
		if u.Host != "" || u.Path == "" {
			return unparsable
		}
	default:
		return unparsable
	}
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			out.User = url.UserPassword(u.User.Username(), redacted)
		} else {
			out.User = url.User(u.User.Username())
		}
	}
	if u.RawQuery != "" {
		q, err := url.ParseQuery(u.RawQuery)
		if err != nil {
			return unparsable
		}
		for name, vs := range q {
			for i, v := range vs {
				if !shownParam(name, v) {
					vs[i] = redacted
				}
			}
		}
		out.RawQuery = q.Encode()
	}
	return out.String()
}

// shownParam reports whether a URL parameter's value may be shown: never a
// password; addresses, names, numbers and durations; anything else (a
// secret typed in the wrong place) is masked.
func shownParam(name, v string) bool {
	switch n := strings.ToLower(name); {
	case strings.Contains(n, "password"):
		return false
	case n == "addr" || n == "master_name" || n == "client_name" || n == "username" || n == "sentinel_username":
		return true
	}
	if _, err := strconv.ParseFloat(v, 64); err == nil {
		return true
	}
	if _, err := time.ParseDuration(v); err == nil {
		return true
	}
	return v == "true" || v == "false"
}

// validDBPath reports whether p is empty, "/" or "/N": what go-redis reads
// as a database number.
func validDBPath(p string) bool {
	p = strings.TrimPrefix(p, "/")
	for _, c := range p {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// scrubURLSecrets removes from err's text every secret rawURL holds (the
// password of its user information and of its parameters), in case a
// library quoted one.
func scrubURLSecrets(err error, rawURL string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	var secrets []string
	if u, perr := url.Parse(rawURL); perr == nil {
		if u.User != nil {
			if pw, ok := u.User.Password(); ok {
				secrets = append(secrets, pw)
			}
		}
		if q, qerr := url.ParseQuery(u.RawQuery); qerr == nil {
			for name, vs := range q {
				if strings.Contains(strings.ToLower(name), "password") {
					secrets = append(secrets, vs...)
				}
			}
		}
	}
	secrets = append(secrets, rawURL)
	clean := msg
	for _, sec := range secrets {
		if len(sec) >= 3 {
			clean = strings.ReplaceAll(clean, sec, redacted)
		}
	}
	if clean == msg {
		return err
	}
	return &scrubbedError{msg: clean, err: err}
}

// scrubbedError shows a cleaned message and keeps the cause for errors.Is.
type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }

// urlProblem says, without quoting it, what is wrong with a URL RedactURL
// refuses.
func urlProblem(rawURL string) string {
	u, err := url.Parse(rawURL)
	switch {
	case rawURL == "":
		return "empty"
	case err != nil:
		return "not a URL"
	case u.Scheme == "":
		return "no scheme (redis://, rediss:// or unix://)"
	case u.Scheme != "redis" && u.Scheme != "rediss" && u.Scheme != "unix":
		return "unknown scheme (redis://, rediss:// or unix://)"
	case u.Scheme != "unix" && u.Host == "":
		return "no host after the scheme (redis://host…)"
	case u.Scheme != "unix" && !validDBPath(u.Path):
		return "the database after the host must be a number"
	}
	return "malformed"
}

// Close closes the connections.
func (s *Store) Close() error {
	if err := s.rdb.Close(); err != nil {
		return fmt.Errorf("close redis store %s: %w", s.url, err)
	}
	return nil
}

// Keys.

func (s *Store) membersKey() string { return s.prefix + "members" }

func (s *Store) dialogueKey(ref bot.UserRef) string { return s.prefix + "dialogue:" + ref.Key() }

func (s *Store) seenKey(key string) string { return s.prefix + "seen:" + key }

func (s *Store) claimKey(key string) string { return s.prefix + "claim:" + key }

// Errors.

// start checks the caller's context and derives the per-call one.
func (s *Store) start(ctx context.Context, op string) (context.Context, context.CancelFunc, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, fmt.Errorf("redis store %s: %w", op, err)
	}
	cctx, cancel := context.WithTimeout(ctx, s.timeout)
	return cctx, cancel, nil
}

// fail classifies err from a call made under a context derived from ctx.
func fail(ctx context.Context, op string, err error) error {
	switch {
	case errors.Is(err, goredis.Nil):
		return fmt.Errorf("redis store %s: %w", op, bot.ErrNotFound)
	case ctx.Err() != nil && errors.Is(err, ctx.Err()):
		return fmt.Errorf("redis store %s: %w", op, err)
	case ctx.Err() != nil:
		return fmt.Errorf("redis store %s: %w: %w", op, ctx.Err(), err)
	case transient(err):
		return fmt.Errorf("redis store %s: %w: %w", op, bot.ErrUnavailable, err)
	}
	return fmt.Errorf("redis store %s: %w", op, err)
}

// transient reports whether err says the server cannot answer now: any
// error that is not a server reply (network, timeout, closed client), or a
// reply saying so.
func transient(err error) bool {
	var reply goredis.Error
	if !errors.As(err, &reply) {
		return true
	}
	return goredis.IsLoadingError(err) || goredis.IsReadOnlyError(err) ||
		goredis.IsClusterDownError(err) || goredis.IsTryAgainError(err) ||
		goredis.IsMasterDownError(err) || goredis.IsMaxClientsError(err) ||
		goredis.IsNoReplicasError(err)
}

func checkRef(op string, ref bot.UserRef) error {
	if err := ref.Valid(); err != nil {
		return fmt.Errorf("redis store %s: %w: %w", op, bot.ErrInvalid, err)
	}
	return nil
}

// millis converts a positive ttl to whole milliseconds, at least one.
func millis(ttl time.Duration) int64 { return max(1, ttl.Milliseconds()) }

// Members.

// Member returns the member with this reference.
func (s *Store) Member(ctx context.Context, ref bot.UserRef) (_ bot.Member, err error) {
	defer s.observe("Member", s.callStart(), &err)
	op := "member"
	cctx, cancel, err := s.start(ctx, op)
	if err != nil {
		return bot.Member{}, err
	}
	defer cancel()
	if err := checkRef(op, ref); err != nil {
		return bot.Member{}, err
	}
	v, err := s.rdb.HGet(cctx, s.membersKey(), ref.Key()).Bytes()
	if err != nil {
		return bot.Member{}, fail(ctx, op, err)
	}
	var m bot.Member
	if err := json.Unmarshal(v, &m); err != nil {
		return bot.Member{}, fmt.Errorf("redis store %s: decode: %w", op, err)
	}
	return m, nil
}

var _ bot.DeliveryMemberReader = (*Store)(nil)

// readOnlyBytes is s as a byte slice, without the copy a conversion
// makes, for the decoders that only read their input and copy what they
// keep (bot.DecodeDeliveryMember, SegmentRecord.Decode, DecodeRecipient):
// never written to, nor kept. A broadcast decodes every recipient's
// member record three times and their record twice.
func readOnlyBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// DeliveryMember is bot.DeliveryView of Member(ref), decoded alone.
func (s *Store) DeliveryMember(ctx context.Context, ref bot.UserRef) (_ bot.Member, err error) {
	defer s.observe("DeliveryMember", s.callStart(), &err)
	return s.deliveryMember(ctx, "delivery member", ref, false)
}

// MemberConsent is bot.ConsentView of Member(ref), decoded alone.
func (s *Store) MemberConsent(ctx context.Context, ref bot.UserRef) (_ bot.Member, err error) {
	defer s.observe("MemberConsent", s.callStart(), &err)
	return s.deliveryMember(ctx, "member consent", ref, true)
}

func (s *Store) deliveryMember(ctx context.Context, op string, ref bot.UserRef, consent bool) (bot.Member, error) {
	cctx, cancel, err := s.start(ctx, op)
	if err != nil {
		return bot.Member{}, err
	}
	defer cancel()
	if err := checkRef(op, ref); err != nil {
		return bot.Member{}, err
	}
	v, err := s.rdb.HGet(cctx, s.membersKey(), ref.Key()).Result()
	if err != nil {
		return bot.Member{}, fail(ctx, op, err)
	}
	m, err := bot.DecodeDeliveryMember(readOnlyBytes(v), ref, consent)
	if err != nil {
		return bot.Member{}, fmt.Errorf("redis store %s: decode: %w", op, err)
	}
	return m, nil
}

// DeliveryMembers is DeliveryMember for each of refs, in one HMGET.
func (s *Store) DeliveryMembers(ctx context.Context, refs []bot.UserRef, out []bot.Member) (err error) {
	defer s.observe("DeliveryMembers", s.callStart(), &err)
	const op = "delivery members"
	cctx, cancel, err := s.start(ctx, op)
	if err != nil {
		return err
	}
	defer cancel()
	if len(out) != len(refs) {
		return fmt.Errorf("redis store %s: %w: %d members for %d references", op, bot.ErrInvalid, len(out), len(refs))
	}
	fields := make([]string, len(refs))
	for i, ref := range refs {
		if err := checkRef(op, ref); err != nil {
			return err
		}
		fields[i] = ref.Key()
	}
	clear(out)
	if len(refs) == 0 {
		return nil
	}
	vals, err := s.rdb.HMGet(cctx, s.membersKey(), fields...).Result()
	if err != nil {
		return fail(ctx, op, err)
	}
	for i, v := range vals {
		str, ok := v.(string)
		if !ok {
			continue
		}
		if out[i], err = bot.DecodeDeliveryMember(readOnlyBytes(str), refs[i], false); err != nil {
			return fmt.Errorf("redis store %s: decode: %w", op, err)
		}
	}
	return nil
}

// SaveMember creates or replaces the member m.Ref.
func (s *Store) SaveMember(ctx context.Context, m bot.Member) (err error) {
	defer s.observe("SaveMember", s.callStart(), &err)
	op := "save member"
	cctx, cancel, err := s.start(ctx, op)
	if err != nil {
		return err
	}
	defer cancel()
	if err := checkRef(op, m.Ref); err != nil {
		return err
	}
	v, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("redis store %s: encode: %w", op, err)
	}
	if err := s.rdb.HSet(cctx, s.membersKey(), m.Ref.Key(), v).Err(); err != nil {
		return fail(ctx, op, err)
	}
	return nil
}

// DeleteMember erases the member and their dialogue, in one pipeline.
func (s *Store) DeleteMember(ctx context.Context, ref bot.UserRef) (err error) {
	defer s.observe("DeleteMember", s.callStart(), &err)
	op := "delete member"
	cctx, cancel, err := s.start(ctx, op)
	if err != nil {
		return err
	}
	defer cancel()
	if err := checkRef(op, ref); err != nil {
		return err
	}
	var hdel *goredis.IntCmd
	_, err = s.rdb.Pipelined(cctx, func(p goredis.Pipeliner) error {
		hdel = p.HDel(cctx, s.membersKey(), ref.Key())
		p.Del(cctx, s.dialogueKey(ref))
		return nil
	})
	if err != nil {
		return fail(ctx, op, err)
	}
	if hdel.Val() == 0 {
		return fmt.Errorf("redis store %s: %w", op, bot.ErrNotFound)
	}
	return nil
}

// Members calls fn for every member, ordered by ref.String(). It reads the
// whole hash first (HSCAN rounds, each under its own timeout), then calls
// fn, which may use the store.
func (s *Store) Members(ctx context.Context, fn func(bot.Member) error) (err error) {
	defer s.observe("Members", s.callStart(), &err)
	const op = "members"
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("redis store %s: %w", op, err)
	}
	// HSCAN may return a field twice: the map keeps one.
	byField := make(map[string]bot.Member)
	err = s.hscan(ctx, op, s.membersKey(), func(field, value string) error {
		var m bot.Member
		if err := json.Unmarshal([]byte(value), &m); err != nil {
			return fmt.Errorf("redis store %s: decode %q: %w", op, field, err)
		}
		byField[field] = m
		return nil
	})
	if err != nil {
		return err
	}
	fields := slices.Collect(maps.Keys(byField))
	// Distinct refs may share a String(): their fields break the tie.
	slices.SortFunc(fields, func(a, b string) int {
		return cmp.Or(cmp.Compare(byField[a].Ref.String(), byField[b].Ref.String()), cmp.Compare(a, b))
	})
	for _, f := range fields {
		if err := fn(byField[f]); err != nil {
			return err
		}
	}
	return nil
}

// hscan calls fn for every field of hash key (a field may come twice),
// one HSCAN round at a time, each under its own timeout.
func (s *Store) hscan(ctx context.Context, op, key string, fn func(field, value string) error) error {
	var cursor uint64
	for {
		cctx, cancel := context.WithTimeout(ctx, s.timeout)
		kvs, next, err := s.rdb.HScan(cctx, key, cursor, "", hscanCount).Result()
		cancel()
		if err != nil {
			return fail(ctx, op, err)
		}
		for i := 0; i+1 < len(kvs); i += 2 {
			if err := fn(kvs[i], kvs[i+1]); err != nil {
				return err
			}
		}
		if cursor = next; cursor == 0 {
			return nil
		}
	}
}

// CountMembers returns the number of members.
func (s *Store) CountMembers(ctx context.Context) (_ int, err error) {
	defer s.observe("CountMembers", s.callStart(), &err)
	const op = "count members"
	cctx, cancel, err := s.start(ctx, op)
	if err != nil {
		return 0, err
	}
	defer cancel()
	n, err := s.rdb.HLen(cctx, s.membersKey()).Result()
	if err != nil {
		return 0, fail(ctx, op, err)
	}
	return int(n), nil
}

// Dialogues.

// Dialogue returns the member's dialogue in progress.
func (s *Store) Dialogue(ctx context.Context, ref bot.UserRef) (_ bot.Dialogue, err error) {
	defer s.observe("Dialogue", s.callStart(), &err)
	op := "dialogue"
	cctx, cancel, err := s.start(ctx, op)
	if err != nil {
		return bot.Dialogue{}, err
	}
	defer cancel()
	if err := checkRef(op, ref); err != nil {
		return bot.Dialogue{}, err
	}
	v, err := s.rdb.Get(cctx, s.dialogueKey(ref)).Bytes()
	if err != nil {
		return bot.Dialogue{}, fail(ctx, op, err)
	}
	var d bot.Dialogue
	if err := json.Unmarshal(v, &d); err != nil {
		return bot.Dialogue{}, fmt.Errorf("redis store %s: decode: %w", op, err)
	}
	return d, nil
}

// SaveDialogue creates or replaces the dialogue of d.Member; Redis deletes
// it at d.Expires.
func (s *Store) SaveDialogue(ctx context.Context, d bot.Dialogue) (err error) {
	defer s.observe("SaveDialogue", s.callStart(), &err)
	op := "save dialogue"
	cctx, cancel, err := s.start(ctx, op)
	if err != nil {
		return err
	}
	defer cancel()
	if err := checkRef(op, d.Member); err != nil {
		return err
	}
	if d.Kind == "" || d.Expires.IsZero() {
		return fmt.Errorf("redis store %s: %w: kind and expiry are required", op, bot.ErrInvalid)
	}
	key := s.dialogueKey(d.Member)
	if d.Expires.UnixMilli() <= 0 {
		// Expired long ago, and Redis refuses such times: just end the
		// previous dialogue.
		if err := s.rdb.Del(cctx, key).Err(); err != nil {
			return fail(ctx, op, err)
		}
		return nil
	}
	v, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("redis store %s: encode: %w", op, err)
	}
	if err := s.rdb.Do(cctx, "SET", key, v, "PXAT", d.Expires.UnixMilli()).Err(); err != nil {
		return fail(ctx, op, err)
	}
	return nil
}

// DeleteDialogue ends the member's dialogue, if any.
func (s *Store) DeleteDialogue(ctx context.Context, ref bot.UserRef) (err error) {
	defer s.observe("DeleteDialogue", s.callStart(), &err)
	op := "delete dialogue"
	cctx, cancel, err := s.start(ctx, op)
	if err != nil {
		return err
	}
	defer cancel()
	if err := checkRef(op, ref); err != nil {
		return err
	}
	if err := s.rdb.Del(cctx, s.dialogueKey(ref)).Err(); err != nil {
		return fail(ctx, op, err)
	}
	return nil
}

// Seen keys and claims.

// FirstSeen records key for ttl (SET NX PX) and reports whether it was not
// already recorded.
func (s *Store) FirstSeen(ctx context.Context, key string, ttl time.Duration) (_ bool, err error) {
	defer s.observe("FirstSeen", s.callStart(), &err)
	op := "first seen"
	cctx, cancel, err := s.start(ctx, op)
	if err != nil {
		return false, err
	}
	defer cancel()
	op = fmt.Sprintf("%s %q", op, key)
	if key == "" || ttl <= 0 {
		return false, fmt.Errorf("redis store %s: %w: key and a positive ttl are required", op, bot.ErrInvalid)
	}
	err = s.rdb.Do(cctx, "SET", s.seenKey(key), "1", "PX", millis(ttl), "NX").Err()
	switch {
	case errors.Is(err, goredis.Nil):
		return false, nil
	case err != nil:
		return false, fail(ctx, op, err)
	}
	return true, nil
}

// claimScript takes KEYS[1] for owner ARGV[1] for ARGV[2] ms when free, or
// extends it when the owner already holds it. It returns 1 when the owner
// holds the claim afterwards, 0 otherwise.
var claimScript = goredis.NewScript(`
local holder = redis.call('GET', KEYS[1])
if holder == false then
	redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
	return 1
end
if holder == ARGV[1] then
	redis.call('PEXPIRE', KEYS[1], ARGV[2])
	return 1
end
return 0
`)

// releaseScript deletes KEYS[1] if owner ARGV[1] holds it.
var releaseScript = goredis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
	return redis.call('DEL', KEYS[1])
end
return 0
`)

// Claim takes the named claim for owner for ttl, and reports whether it got
// it (free, expired, or already held by owner, which extends it).
func (s *Store) Claim(ctx context.Context, key, owner string, ttl time.Duration) (_ bool, err error) {
	defer s.observe("Claim", s.callStart(), &err)
	op := "claim"
	cctx, cancel, err := s.start(ctx, op)
	if err != nil {
		return false, err
	}
	defer cancel()
	op = fmt.Sprintf("%s %q for %q", op, key, owner)
	if key == "" || owner == "" || ttl <= 0 {
		return false, fmt.Errorf("redis store %s: %w: key, owner and a positive ttl are required", op, bot.ErrInvalid)
	}
	got, err := claimScript.Run(cctx, s.rdb, []string{s.claimKey(key)}, owner, millis(ttl)).Int()
	if err != nil {
		return false, fail(ctx, op, err)
	}
	return got == 1, nil
}

// ReleaseClaim frees the claim if owner holds it (compare and delete);
// otherwise it does nothing.
func (s *Store) ReleaseClaim(ctx context.Context, key, owner string) (err error) {
	defer s.observe("ReleaseClaim", s.callStart(), &err)
	op := "release claim"
	cctx, cancel, err := s.start(ctx, op)
	if err != nil {
		return err
	}
	defer cancel()
	op = fmt.Sprintf("%s %q for %q", op, key, owner)
	if key == "" || owner == "" {
		return fmt.Errorf("redis store %s: %w: key and owner are required", op, bot.ErrInvalid)
	}
	if err := releaseScript.Run(cctx, s.rdb, []string{s.claimKey(key)}, owner).Err(); err != nil {
		return fail(ctx, op, err)
	}
	return nil
}

// Ping checks that the server answers.
func (s *Store) Ping(ctx context.Context) (err error) {
	defer s.observe("Ping", s.callStart(), &err)
	const op = "ping"
	cctx, cancel, err := s.start(ctx, op)
	if err != nil {
		return err
	}
	defer cancel()
	if err := s.rdb.Ping(cctx).Err(); err != nil {
		err = fail(ctx, op, err)
		if ctx.Err() == nil && !errors.Is(err, bot.ErrUnavailable) {
			// An answer that is an error (auth...) is unavailability too.
			err = fmt.Errorf("%w: %w", bot.ErrUnavailable, err)
		}
		return err
	}
	return nil
}

// routeClientLogs routes go-redis's own log lines (failed dials, pool
// events), which it otherwise prints to standard error, to l at warning
// level. go-redis keeps its logger for the whole process: Open sets it
// when Options.ClientLogs is true (the wiring's store; tests leave it).
func routeClientLogs(l *slog.Logger) {
	goredis.SetLogger(clientLogger{l.With("component", "store.redis.client")})
}

// clientLogger adapts a slog.Logger to go-redis's logging interface.
type clientLogger struct{ log *slog.Logger }

// Printf logs one go-redis line.
func (c clientLogger) Printf(ctx context.Context, format string, v ...any) {
	c.log.WarnContext(ctx, fmt.Sprintf(format, v...))
}
