package core

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/catalog"
	"github.com/sndgct/maillage/bot/congress"
	"github.com/sndgct/maillage/bot/outbox"
	"github.com/sndgct/maillage/internal/content"
	"github.com/sndgct/maillage/internal/textnorm"
)

// Options are the core's collaborators; zero values get defaults.
type Options struct {
	Logger  *slog.Logger
	Clock   bot.Clock
	Catalog *catalog.Catalog
	// Replica names this process in the store's claims (default: a
	// unique generated name).
	Replica string
	// Content is the congress content at start; ReloadContent loads it
	// again (nil: no reload). Nil Content means none.
	Content       *content.Set
	ReloadContent bot.ContentLoader
	// Directory resolves collectivity names; nil knows none (members can
	// then only declare another employer).
	Directory bot.Directory
	// Observer receives the core's measurements; nil observes nothing.
	Observer bot.Observer
	// Sleep waits for the broadcasts' pacing (nil: a real timer; tests pass
	// one that advances a fake clock).
	Sleep func(ctx context.Context, d time.Duration) error
	// Pseudonyms name members in the logs (zero: the built-in salt).
	Pseudonyms bot.Pseudonyms
	// SharedRateLimit applies the members' rate limit across the replicas
	// sharing the store too (Redis), not only within this process.
	SharedRateLimit bool
	// KeySecret keys the hashes that stand for members in store keys
	// (DeploymentSecret; empty: a built-in secret, for tests).
	KeySecret []byte
	// Features are the feature packages' constructors, in the order help
	// lists their commands (see Feature).
	Features []NewFeature
}

// Bot is the platform-neutral core. Create it with New; it is safe for
// concurrent use.
type Bot struct {
	Settings bot.Settings
	Store    bot.Store
	Adapters map[bot.Platform]bot.ChatAdapter
	order    []bot.ChatAdapter
	Log      *slog.Logger
	Clock    bot.Clock
	Cat      *catalog.Catalog
	router   *Router
	pseudo   bot.Pseudonyms
	reg      *Registry
	choices  map[string]ChoiceHandler
	dialogs  map[string]DialogueHandler
	started  time.Time
	Replica  string
	sched    runner
	// Congress is the congress content (sessions, highlights) as members see it.
	Congress *congress.Congress
	Dir      bot.Directory
	emails   emailCache
	Obs      bot.Observer
	limiter  *rateLimiter
	// sharedLimit: the limiter also counts in the store (takeShared).
	sharedLimit bool
	outage      outageNotices
	features    []Feature
	// Outbox is the one delivery path of what the bot writes first.
	Outbox *outbox.Outbox
}

// New checks the settings and builds the core over a store and the chat
// adapters (at least one, at most one per platform).
func New(s bot.Settings, store bot.Store, adapters []bot.ChatAdapter, opts Options) (*Bot, error) {
	if store == nil {
		return nil, errors.New("bot: no store")
	}
	if len(adapters) == 0 {
		return nil, errors.New("bot: no chat adapter")
	}
	if s.Name == "" {
		s.Name = "Maillage"
	}
	if s.DefaultLang == "" {
		s.DefaultLang = bot.French
	}
	if _, ok := bot.ParseLang(string(s.DefaultLang)); !ok {
		return nil, fmt.Errorf("bot: unsupported default language %q", s.DefaultLang)
	}
	if s.MaxMessageRunes <= 0 {
		s.MaxMessageRunes = 4000
	}
	if s.Location == nil {
		s.Location = time.UTC
	}
	if s.DialogueTTL <= 0 {
		s.DialogueTTL = 7 * 24 * time.Hour
	}
	b := &Bot{
		Settings: s,
		Store:    store,
		Adapters: map[bot.Platform]bot.ChatAdapter{},
		Log:      opts.Logger,
		Clock:    opts.Clock,
		Cat:      opts.Catalog,
	}
	if b.Log == nil {
		b.Log = slog.New(slog.DiscardHandler)
	}
	b.Log = b.Log.With("component", "bot")
	if b.Clock == nil {
		b.Clock = bot.SystemClock{}
	}
	if b.Cat == nil {
		b.Cat = catalog.Default()
	}
	b.Obs = opts.Observer
	if b.Obs == nil {
		b.Obs = bot.NopObserver{}
	}
	b.limiter = newRateLimiter(s.RateLimit)
	b.sharedLimit = opts.SharedRateLimit && b.limiter != nil
	b.Dir = opts.Directory
	if b.Dir == nil {
		b.Dir = NoDirectory{}
	}
	for _, a := range adapters {
		p := a.Platform()
		if _, dup := b.Adapters[p]; dup {
			return nil, fmt.Errorf("bot: two adapters for platform %q", p)
		}
		b.Adapters[p] = a
		b.order = append(b.order, a)
	}
	b.Congress = congress.New(store, &b.Settings, b.Cat, b.Clock, b.Log, opts.Content, opts.ReloadContent)
	b.pseudo = opts.Pseudonyms
	b.started = b.Clock.Now()
	b.Replica = opts.Replica
	if b.Replica == "" {
		b.Replica = defaultReplica(b.started)
	}
	b.Outbox = outbox.New(outbox.Options{Store: store, Adapters: b.Adapters, Settings: &b.Settings, Clock: b.Clock,
		Log: b.Log, Obs: b.Obs, Pseudonyms: opts.Pseudonyms, Replica: b.Replica, ClaimToken: b.ClaimToken, Sleep: opts.Sleep,
		Keys: bot.NewKeyHasher(opts.KeySecret)})
	reg := newRegistry()
	b.registerCore(reg)
	for _, nf := range opts.Features {
		f, err := nf(b)
		if err != nil {
			return nil, err
		}
		f.Register(reg)
		b.features = append(b.features, f)
	}
	b.registerCoreLast(reg)
	if err := errors.Join(reg.errs...); err != nil {
		return nil, err
	}
	b.reg = reg
	b.router = NewRouter(reg.sortedCommands())
	b.choices = reg.choices
	b.dialogs = reg.dialogues
	b.sched.running = map[string]time.Time{}
	for _, h := range reg.reloaded {
		b.Congress.OnReload(h)
	}
	for kind, send := range reg.pending {
		b.Outbox.Handle(kind, send, nil)
	}
	for kind, reply := range reg.replies {
		b.Outbox.Handle(kind, nil, reply)
	}
	for c, check := range reg.consents {
		b.Outbox.CheckConsent(c, check)
	}
	if err := b.jobs().checkJobs(); err != nil {
		return nil, err
	}
	return b, nil
}

// Run runs every chat adapter until ctx ends or one of them stops: then
// the others are stopped too, and Run returns the first error (nil when
// the adapter ended cleanly, as the terminal does at end of input).
func (b *Bot) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, len(b.order))
	for _, a := range b.order {
		go func() {
			err := a.Run(ctx, b.Handle)
			if err != nil {
				err = fmt.Errorf("%s adapter: %w", a.Platform(), err)
			}
			errc <- err
		}()
	}
	first := <-errc
	cancel()
	for range len(b.order) - 1 {
		if err := <-errc; first == nil && err != nil && !errors.Is(err, context.Canceled) {
			first = err
		}
	}
	return first
}

// request is one incoming message being handled.
type Turn struct {
	Printer // the member's language
	b       *Bot
	Msg     bot.Message
	Member  bot.Member
	Known   bool // member is stored
	Role    bot.Role
	Text    string  // cleaned text
	Args    string  // cleaned text after the command words
	kind    *string // what handled it, for the metrics (Observer.Handled)
}

// HandledAs names what handles the turn, for the metrics.
func (r *Turn) HandledAs(kind string) {
	if r.kind != nil {
		*r.kind = kind
	}
}

// Printer writes the catalogue's sentences in one language: a turn's, or,
// outside a conversation (jobs, the command line), a member's.
type Printer struct {
	cat  *catalog.Catalog
	Lang bot.Lang
}

// Printer returns the printer of lang.
func (b *Bot) Printer(lang bot.Lang) Printer { return Printer{cat: b.Cat, Lang: lang} }

// T translates key in the printer's language.
func (p Printer) T(key string, args ...string) string {
	return p.cat.T(string(p.Lang), key, args...)
}

// Reply builds a text reply.
func (p Printer) Reply(key string, args ...string) bot.Reply {
	return bot.Reply{Text: p.T(key, args...)}
}

// Handle handles one incoming event: it never panics and never returns an
// error; the member always gets an answer or, for noise, nothing.
func (b *Bot) Handle(ctx context.Context, m bot.Message) {
	start := b.Clock.Now()
	lang := b.Settings.DefaultLang
	b.Obs.MessageIn(m.Conversation.Platform)
	kind := "other"
	defer func() {
		b.Obs.Handled(m.Conversation.Platform, kind, b.Clock.Now().Sub(start))
	}()
	defer func() {
		if p := recover(); p != nil {
			b.Obs.Error(bot.ErrorKindPanic)
			b.Log.Error("panic while handling a message", "member", b.Pseudonym(m.From),
				"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			b.send(ctx, m.Conversation, bot.Reply{Text: b.Cat.T(string(lang), "error.internal")})
		}
	}()
	if err := m.From.Valid(); err != nil {
		b.Log.Warn("dropping a message without a valid sender", "err", err)
		return
	}
	if m.Conversation.ID == "" {
		b.Log.Warn("dropping a message without a conversation to answer in", "member", b.Pseudonym(m.From))
		return
	}
	if l, ok := bot.ParseLang(m.Locale); ok {
		lang = l
	}
	if !b.admit(ctx, m, lang) {
		kind = "rate_limited"
		return
	}
	r := &Turn{Printer: b.Printer(lang), b: b, Msg: m, Role: b.roleOf(ctx, m.From), kind: &kind}
	member, err := b.Store.Member(ctx, m.From)
	switch {
	case err == nil:
		r.Member, r.Known = member, true
		if member.Language != "" {
			r.Lang, lang = member.Language, member.Language
		}
	case errors.Is(err, bot.ErrNotFound):
		r.Member = bot.Member{Ref: m.From}
		for _, h := range b.reg.newcomers {
			if h(ctx, r); r.Known {
				break
			}
		}
	default:
		b.Log.Error("reading member", "member", b.Pseudonym(m.From), "err", err)
		b.Obs.Error(outbox.StoreErrorKind(err))
		for _, rep := range b.gateUnavailable(m, lang, []bot.Reply{r.Reply("error.unavailable")}) {
			b.send(ctx, m.Conversation, rep)
		}
		return
	}
	replies := b.gateUnavailable(m, r.Lang, b.dispatch(ctx, r))
	for _, rep := range replies {
		b.send(ctx, m.Conversation, rep)
	}
	b.Log.Debug("message handled", "member", b.Pseudonym(m.From), "replies", len(replies),
		"duration", b.Clock.Now().Sub(start))
}

// dispatch decides what the message is: a choice, a dialogue answer, a
// command, or something not understood.
func (b *Bot) dispatch(ctx context.Context, r *Turn) []bot.Reply {
	m := r.Msg
	if m.Choice != nil {
		r.HandledAs("choice")
		if r.Member.Language == "" {
			if d, err := b.Store.Dialogue(ctx, m.From); err == nil {
				b.langOfDialogue(r, d)
			}
		}
		return b.Choose(ctx, r, m.Choice.Action, m.Choice.Value)
	}
	text := textnorm.Clean(m.Text)
	if text == "" {
		return nil // empty or invisible: nothing to answer
	}
	if m.Conversation.Kind != bot.Direct && !m.Mention {
		return nil // members talk among themselves in groups and channels
	}
	if n := len([]rune(text)); n > b.Settings.MaxMessageRunes {
		return []bot.Reply{r.Reply("error.too_long", "max", strconv.Itoa(b.Settings.MaxMessageRunes))}
	}
	r.Text = text

	cmd, args, found := b.router.Match(text)
	if found && cmd.ID == "cancel" {
		r.HandledAs(cmd.ID)
		r.Args = args
		return cmd.Run(ctx, r)
	}
	d, err := b.Store.Dialogue(ctx, m.From)
	switch {
	case err == nil:
		b.langOfDialogue(r, d)
		if h, ok := b.dialogs[d.Kind]; ok {
			if replies, handled := h(ctx, r, d, found); handled {
				r.HandledAs("dialogue")
				return replies
			}
		}
	case !errors.Is(err, bot.ErrNotFound):
		b.Log.Error("reading dialogue", "member", b.Pseudonym(m.From), "err", err)
		b.Obs.Error(outbox.StoreErrorKind(err))
		return []bot.Reply{r.Reply("error.unavailable")}
	}
	if !found {
		for _, h := range b.reg.unrouted {
			if replies, ok := h(ctx, r); ok {
				r.HandledAs("unrouted")
				return replies
			}
		}
		if kind, ok := SmallTalk(text); ok {
			r.HandledAs("small_talk")
			return []bot.Reply{b.TalkReply(r, kind)}
		}
		return []bot.Reply{b.notUnderstood(r)}
	}
	if cmd.Role > r.Role {
		b.Log.Warn("refused a privileged command", "member", b.Pseudonym(m.From), "command", cmd.ID,
			"needs", cmd.Role.String())
		return []bot.Reply{r.Reply("error.forbidden." + cmd.Role.String())}
	}
	r.Args = args
	r.HandledAs(cmd.ID)
	return cmd.Run(ctx, r)
}

// notUnderstood answers input that is no command, suggesting the nearest
// command the member may use.
func (b *Bot) notUnderstood(r *Turn) bot.Reply {
	shown, _ := textnorm.Truncate(r.Text, 40)
	rep := r.Reply("error.unknown", "input", shown)
	if s, ok := b.router.Suggest(r.Text, r.Role, r.Lang); ok {
		rep = r.Reply("error.unknown_suggest", "input", shown, "suggestion", s)
	}
	// The two or three most likely commands, as buttons.
	for _, c := range b.router.Likely(r.Text, r.Role, r.Lang, 3) {
		rep.Choices = append(rep.Choices, bot.Choice{Action: "core.run", Value: c.ID, Label: c.name(r.Lang)})
	}
	return rep
}

// DialogueLangKey is the dialogue data key that holds the language chosen
// or read during a dialogue: until the member record keeps one, the turns
// of the dialogue speak it (a first message in English).
const DialogueLangKey = "lang"

func (b *Bot) langOfDialogue(r *Turn, d bot.Dialogue) {
	if r.Member.Language != "" {
		return
	}
	if l, ok := bot.ParseLang(d.Data[DialogueLangKey]); ok {
		r.Lang = l
	}
}

func (b *Bot) send(ctx context.Context, conv bot.Conversation, rep bot.Reply) {
	a, ok := b.Adapters[conv.Platform]
	if !ok {
		b.Log.Error("no adapter for platform", "platform", string(conv.Platform))
		return
	}
	if _, err := b.Outbox.Post(ctx, a, conv, rep); err != nil {
		b.Log.Error("sending a reply", "platform", string(conv.Platform), "err", err)
	}
}

// saveMember stores the request's member, stamping times.
func (r *Turn) SaveMember(ctx context.Context) error {
	now := r.b.Clock.Now()
	if !r.Known {
		r.Member.Created = now
	}
	r.Member.Updated = now
	SanitizeMember(&r.Member)
	if err := r.b.Store.SaveMember(ctx, r.Member); err != nil {
		r.b.Log.Error("saving member", "member", r.b.Pseudonym(r.Member.Ref), "err", err)
		return err
	}
	r.Known = true
	return nil
}

// Pseudonym is how logs name a member: a short keyed hash, never the id
// itself (Options.Pseudonyms).
func (b *Bot) Pseudonym(u bot.UserRef) string { return b.pseudo.Of(u) }
