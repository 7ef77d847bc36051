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
}

// Bot is the platform-neutral core. Create it with New; it is safe for
// concurrent use.
type Bot struct {
	settings bot.Settings
	store    bot.Store
	adapters map[bot.Platform]bot.ChatAdapter
	order    []bot.ChatAdapter
	log      *slog.Logger
	clock    bot.Clock
	cat      *catalog.Catalog
	router   *router
	choices  map[string]choiceHandler
	dialogs  map[string]dialogueHandler
	started  time.Time
	replica  string
	sched    runner
	hl       *highlightState
	dir      bot.Directory
	emails   emailCache
	obs      bot.Observer
	limiter  *rateLimiter
	bc       broadcastState // broadcast_engine.go
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
		settings: s,
		store:    store,
		adapters: map[bot.Platform]bot.ChatAdapter{},
		log:      opts.Logger,
		clock:    opts.Clock,
		cat:      opts.Catalog,
	}
	if b.log == nil {
		b.log = slog.New(slog.DiscardHandler)
	}
	b.log = b.log.With("component", "bot")
	if b.clock == nil {
		b.clock = bot.SystemClock{}
	}
	if b.cat == nil {
		b.cat = catalog.Default()
	}
	b.obs = opts.Observer
	if b.obs == nil {
		b.obs = bot.NopObserver{}
	}
	b.limiter = newRateLimiter(s.RateLimit)
	b.dir = opts.Directory
	if b.dir == nil {
		b.dir = noDirectory{}
	}
	for _, a := range adapters {
		p := a.Platform()
		if _, dup := b.adapters[p]; dup {
			return nil, fmt.Errorf("bot: two adapters for platform %q", p)
		}
		b.adapters[p] = a
		b.order = append(b.order, a)
	}
	b.hl = newHighlightState(&b.settings.Highlights, opts)
	b.router = newRouter(b.commands())
	b.choices = b.choiceHandlers()
	b.dialogs = b.dialogueHandlers()
	b.started = b.clock.Now()
	b.replica = opts.Replica
	if b.replica == "" {
		b.replica = defaultReplica(b.started)
	}
	b.sched.running = map[string]time.Time{}
	b.bc.sleep = opts.Sleep
	if err := b.checkJobs(); err != nil {
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
type request struct {
	b      *Bot
	msg    bot.Message
	member bot.Member
	known  bool // member is stored
	lang   bot.Lang
	role   bot.Role
	text   string  // cleaned text
	args   string  // cleaned text after the command words
	kind   *string // what handled it, for the metrics (Observer.Handled)
}

// handledAs names what handles the request, for the metrics.
func (r *request) handledAs(kind string) {
	if r.kind != nil {
		*r.kind = kind
	}
}

// T translates key in the member's language.
func (r *request) T(key string, args ...string) string {
	return r.b.cat.T(string(r.lang), key, args...)
}

// reply builds a text reply.
func (r *request) reply(key string, args ...string) bot.Reply {
	return bot.Reply{Text: r.T(key, args...)}
}

// Handle handles one incoming event: it never panics and never returns an
// error; the member always gets an answer or, for noise, nothing.
func (b *Bot) Handle(ctx context.Context, m bot.Message) {
	start := b.clock.Now()
	lang := b.settings.DefaultLang
	b.obs.MessageIn(m.Conversation.Platform)
	kind := "other"
	defer func() {
		b.obs.Handled(m.Conversation.Platform, kind, b.clock.Now().Sub(start))
	}()
	defer func() {
		if p := recover(); p != nil {
			b.obs.Error(bot.ErrorKindPanic)
			b.log.Error("panic while handling a message", "member", pseudonym(m.From),
				"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			b.send(ctx, m.Conversation, bot.Reply{Text: b.cat.T(string(lang), "error.internal")})
		}
	}()
	if err := m.From.Valid(); err != nil {
		b.log.Warn("dropping a message without a valid sender", "err", err)
		return
	}
	if l, ok := bot.ParseLang(m.Locale); ok {
		lang = l
	}
	if !b.admit(ctx, m, lang) {
		kind = "rate_limited"
		return
	}
	r := &request{b: b, msg: m, lang: lang, role: b.roleOf(ctx, m.From), kind: &kind}
	member, err := b.store.Member(ctx, m.From)
	switch {
	case err == nil:
		r.member, r.known = member, true
		if member.Language != "" {
			r.lang, lang = member.Language, member.Language
		}
	case errors.Is(err, bot.ErrNotFound):
		r.member = bot.Member{Ref: m.From}
		b.adoptImported(ctx, r)
	default:
		b.log.Error("reading member", "member", pseudonym(m.From), "err", err)
		b.obs.Error(storeErrorKind(err))
		b.send(ctx, m.Conversation, r.reply("error.unavailable"))
		return
	}
	replies := b.dispatch(ctx, r)
	for _, rep := range replies {
		b.send(ctx, m.Conversation, rep)
	}
	b.log.Debug("message handled", "member", pseudonym(m.From), "replies", len(replies),
		"duration", b.clock.Now().Sub(start))
}

// dispatch decides what the message is: a choice, a dialogue answer, a
// command, or something not understood.
func (b *Bot) dispatch(ctx context.Context, r *request) []bot.Reply {
	m := r.msg
	if m.Choice != nil {
		r.handledAs("choice")
		h, ok := b.choices[m.Choice.Action]
		if !ok {
			return []bot.Reply{r.reply("error.choice_unknown")}
		}
		return h(ctx, r, m.Choice.Value)
	}
	text := textnorm.Clean(m.Text)
	if text == "" {
		return nil // empty or invisible: nothing to answer
	}
	if m.Conversation.Kind != bot.Direct && !m.Mention {
		return nil // members talk among themselves in groups and channels
	}
	if n := len([]rune(text)); n > b.settings.MaxMessageRunes {
		return []bot.Reply{r.reply("error.too_long", "max", strconv.Itoa(b.settings.MaxMessageRunes))}
	}
	r.text = text

	cmd, args, found := b.router.match(text)
	if found && cmd.id == "cancel" {
		r.handledAs(cmd.id)
		r.args = args
		return cmd.run(ctx, r)
	}
	d, err := b.store.Dialogue(ctx, m.From)
	switch {
	case err == nil:
		if h, ok := b.dialogs[d.Kind]; ok {
			if replies, handled := h(ctx, r, d, found); handled {
				r.handledAs("dialogue")
				return replies
			}
		}
	case !errors.Is(err, bot.ErrNotFound):
		b.log.Error("reading dialogue", "member", pseudonym(m.From), "err", err)
		b.obs.Error(storeErrorKind(err))
		return []bot.Reply{r.reply("error.unavailable")}
	}
	if !found {
		return []bot.Reply{b.notUnderstood(r)}
	}
	if cmd.role > r.role {
		b.log.Warn("refused a privileged command", "member", pseudonym(m.From), "command", cmd.id,
			"needs", cmd.role.String())
		return []bot.Reply{r.reply("error.forbidden." + cmd.role.String())}
	}
	r.args = args
	r.handledAs(cmd.id)
	return cmd.run(ctx, r)
}

// notUnderstood answers input that is no command, suggesting the nearest
// command the member may use.
func (b *Bot) notUnderstood(r *request) bot.Reply {
	shown, _ := textnorm.Truncate(r.text, 40)
	if s, ok := b.router.suggest(r.text, r.role, r.lang); ok {
		return r.reply("error.unknown_suggest", "input", shown, "suggestion", s)
	}
	return r.reply("error.unknown", "input", shown)
}

func (b *Bot) send(ctx context.Context, conv bot.Conversation, rep bot.Reply) {
	a, ok := b.adapters[conv.Platform]
	if !ok {
		b.log.Error("no adapter for platform", "platform", string(conv.Platform))
		return
	}
	if _, err := b.post(ctx, a, conv, rep); err != nil {
		b.log.Error("sending a reply", "platform", string(conv.Platform), "err", err)
	}
}

// saveMember stores the request's member, stamping times.
func (r *request) saveMember(ctx context.Context) error {
	now := r.b.clock.Now()
	if !r.known {
		r.member.Created = now
	}
	r.member.Updated = now
	sanitizeMember(&r.member)
	if err := r.b.store.SaveMember(ctx, r.member); err != nil {
		r.b.log.Error("saving member", "member", pseudonym(r.member.Ref), "err", err)
		return err
	}
	r.known = true
	return nil
}

// pseudonym is how logs name a member: a short keyed hash, never the id
// itself (see SetLogSalt).
func pseudonym(u bot.UserRef) string { return Pseudonym(u) }
