// Package terminal is the chat adapter for a terminal: a newcomer talks with
// Maillage with nothing installed, and the end-to-end tests drive the whole
// bot through it, from an io.Reader and an io.Writer.
//
// One person at the keyboard plays every member: the /as command switches the
// simulated member, and messages the bot sends to other members (introductions,
// broadcasts, groups) are printed too, under a header, so that the whole
// exchange can be watched in one place. Choices are printed as a numbered list
// and picked by typing the number or the label.
package terminal

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/catalog"
	"github.com/sndgct/maillage/internal/connstate"
	"github.com/sndgct/maillage/internal/markup"
	"github.com/sndgct/maillage/internal/textnorm"
)

// Defaults applied by New to the zero fields of Options.
const (
	DefaultUser         = "vous"
	DefaultWorkspace    = "local"
	DefaultBotName      = "Maillage"
	DefaultMaxLineBytes = 1 << 20
)

// Group sizes accepted by OpenGroup.
const (
	minGroupMembers = 2
	maxGroupMembers = 8
)

// maxUserRunes is the longest member identifier /as accepts.
const maxUserRunes = 64

// readBufferSize is the size of the input buffer; longer lines are read in
// several pieces.
const readBufferSize = 64 << 10

// Compile-time guards: the adapter provides the chat port and its optional
// capabilities.
var (
	_ bot.ChatAdapter   = (*Adapter)(nil)
	_ bot.DirectOpener  = (*Adapter)(nil)
	_ bot.ProfileReader = (*Adapter)(nil)
)

// Options configures an Adapter. Zero fields take their default.
type Options struct {
	// User is the simulated member at start (default "vous").
	User string
	// Workspace is the workspace of every member and conversation
	// (default "local").
	Workspace string
	// BotName prefixes the bot's lines (default "Maillage").
	BotName string
	// Lang is the language of the adapter's own messages (default "fr").
	Lang string
	// Interactive prints a welcome and a prompt before each line; main sets
	// it when standard input is a terminal. Piped output stays clean.
	Interactive bool
	// Styles renders *bold* and _italic_ as ANSI styles; main sets it when
	// standard output is a terminal. Otherwise the markup is removed and
	// plain text printed.
	Styles bool
	// MaxLineBytes is the longest input line (default 1 MiB): longer lines
	// are cut there, the rest is discarded and a notice printed.
	MaxLineBytes int
	// Logger receives the adapter's logs (default: discarded).
	Logger *slog.Logger
	// Clock stamps incoming messages (default bot.SystemClock{}).
	Clock bot.Clock
	// Pseudonyms name members in the logs (zero: the built-in salt).
	Pseudonyms bot.Pseudonyms
}

// Adapter is the terminal chat adapter. Send, OpenGroup, OpenDirect and
// Profile are safe for concurrent use; Run is called once.
type Adapter struct {
	in   io.Reader
	opts Options
	lang string
	log  *slog.Logger
	cat  *catalog.Catalog

	running atomic.Bool

	mu        sync.Mutex // guards everything below, and writes to out
	out       io.Writer
	user      string
	groups    map[string][]string     // group conversation id -> sorted user ids
	choices   map[string]*pendingPick // conversation id -> choices shown there
	pickSeq   uint64                  // orders the pending choices
	inSeq     uint64                  // last incoming message number ("t1"...)
	outSeq    uint64                  // last sent message number ("m1"...)
	prompting bool                    // a prompt is on screen, awaiting input

	conn connstate.State // up while Run reads the input
}

// errInputEnded is the adapter's state once Run has returned.
var errInputEnded = errors.New("terminal: input ended")

var _ bot.HealthReporter = (*Adapter)(nil)

// Healthy reports whether Run is reading the input.
func (a *Adapter) Healthy() error { return a.conn.Healthy() }

// pendingPick is the set of choices most recently shown in a conversation.
type pendingPick struct {
	conv    bot.Conversation
	choices []bot.Choice
	ref     string // SentMessage.ID of the message that carried them
	seq     uint64
	// picked are the members of a group conversation who already chose
	// one: on a platform every member of the group has the buttons, each
	// may answer once.
	picked map[string]bool
}

// New returns an adapter reading the members' lines from in and writing
// everything to out. Run reads in; Send and Run write to out.
func New(in io.Reader, out io.Writer, opts Options) *Adapter {
	if opts.User == "" {
		opts.User = DefaultUser
	}
	if opts.Workspace == "" {
		opts.Workspace = DefaultWorkspace
	}
	if opts.BotName == "" {
		opts.BotName = DefaultBotName
	}
	if opts.MaxLineBytes <= 0 {
		opts.MaxLineBytes = DefaultMaxLineBytes
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Clock == nil {
		opts.Clock = bot.SystemClock{}
	}
	lang, ok := bot.ParseLang(opts.Lang)
	if !ok {
		lang = bot.French
	}
	return &Adapter{
		in:      in,
		out:     out,
		opts:    opts,
		lang:    string(lang),
		log:     opts.Logger.With("component", "terminal"),
		cat:     catalog.Default(),
		user:    opts.User,
		groups:  map[string][]string{},
		choices: map[string]*pendingPick{},
	}
}

// Platform returns bot.PlatformTerminal.
func (a *Adapter) Platform() bot.Platform { return bot.PlatformTerminal }

// Run reads the input line by line and hands each message to h, one at a
// time and in order, until the input ends, the member types /quitter, or ctx
// ends; in all three cases it returns nil. Lines starting with "/" are the
// adapter's own commands (/as, /qui, /aide, /quitter). It returns an error
// when the input or the output fails, or when Run is called a second time.
//
// Reading happens in a goroutine so that a cancelled ctx is honoured at once;
// when Run returns while that goroutine is blocked in in.Read, it ends after
// that read returns.
func (a *Adapter) Run(ctx context.Context, h bot.Handler) error {
	if h == nil {
		return errors.New("terminal: run: nil handler")
	}
	if !a.running.CompareAndSwap(false, true) {
		return errors.New("terminal: run: already called")
	}
	a.conn.Up()
	defer a.conn.Down(errInputEnded)
	lines := make(chan inputLine)
	done := make(chan struct{})
	defer close(done)
	go readLines(bufio.NewReaderSize(a.in, readBufferSize), a.opts.MaxLineBytes, lines, done)

	if a.opts.Interactive {
		if err := a.notice(a.t("terminal.welcome", "bot", a.opts.BotName, "user", a.currentUser())); err != nil {
			return err
		}
	}
	for {
		if ctx.Err() != nil {
			return nil
		}
		if a.opts.Interactive {
			if err := a.showPrompt(); err != nil {
				return err
			}
		}
		var l inputLine
		select {
		case <-ctx.Done():
			return a.endPrompt()
		case l = <-lines:
		}
		if errors.Is(l.err, io.EOF) {
			a.log.DebugContext(ctx, "end of input")
			return a.endPrompt()
		}
		a.mu.Lock()
		a.prompting = false
		a.mu.Unlock()
		if l.err != nil {
			return fmt.Errorf("terminal: read input: %w", l.err)
		}
		quit, err := a.handleLine(ctx, h, l)
		if err != nil {
			return err
		}
		if quit {
			return nil
		}
	}
}

// handleLine runs one input line: a command, a choice or a text message. It
// reports whether the member asked to quit.
func (a *Adapter) handleLine(ctx context.Context, h bot.Handler, l inputLine) (quit bool, err error) {
	text := strings.ToValidUTF8(l.text, "\uFFFD")
	if l.truncated {
		a.log.WarnContext(ctx, "input line too long, cut", "max_bytes", a.opts.MaxLineBytes)
		if err := a.notice(a.t("terminal.line_too_long", "max", groupDigits(a.opts.MaxLineBytes, a.lang))); err != nil {
			return false, err
		}
	}
	trimmed := strings.TrimSpace(text)
	if trimmed == "" {
		return false, nil
	}
	if strings.HasPrefix(trimmed, "/") {
		return a.command(ctx, trimmed)
	}
	switch strings.ToLower(trimmed) {
	case "quitter", "quit", "exit":
		// What a newcomer types to leave a terminal program.
		return a.command(ctx, "/"+strings.ToLower(trimmed))
	}

	a.mu.Lock()
	user := a.user
	a.inSeq++
	m := bot.Message{
		ID:           "t" + strconv.FormatUint(a.inSeq, 10),
		From:         a.ref(user),
		Conversation: a.direct(user),
		Received:     a.opts.Clock.Now(),
	}
	if p := a.pendingForLocked(user); p != nil {
		if c, ok := p.match(trimmed); ok {
			m.Conversation = p.conv
			m.Choice = &bot.ChoiceEvent{Action: c.Action, Value: c.Value, MessageRef: p.ref}
			if p.conv.Kind == bot.Group {
				if p.picked == nil {
					p.picked = map[string]bool{}
				}
				p.picked[user] = true
			} else {
				delete(a.choices, p.conv.ID)
			}
		}
	}
	a.mu.Unlock()
	if m.Choice == nil {
		m.Text = text
	}
	a.log.DebugContext(ctx, "incoming message", "id", m.ID, "member", a.opts.Pseudonyms.Of(m.From), "choice", m.Choice != nil)
	h(ctx, m)
	return false, nil
}

// command runs one of the adapter's own commands.
func (a *Adapter) command(ctx context.Context, line string) (quit bool, err error) {
	name, arg := line, ""
	if i := strings.IndexFunc(line, unicode.IsSpace); i >= 0 {
		name, arg = line[:i], strings.TrimSpace(line[i:])
	}
	switch strings.ToLower(name) {
	case "/quitter", "/quit", "/exit":
		a.log.DebugContext(ctx, "quit asked")
		return true, nil
	case "/qui", "/who":
		return false, a.notice(a.t("terminal.who", "user", a.currentUser(), "workspace", a.opts.Workspace))
	case "/aide", "/help":
		return false, a.notice(a.t("terminal.help", "bot", a.opts.BotName))
	case "/as":
		switch {
		case arg == "":
			return false, a.notice(a.t("terminal.as.missing"))
		case !ValidUser(arg):
			return false, a.notice(a.t("terminal.as.invalid", "user", shorten(arg, maxUserRunes)))
		}
		a.mu.Lock()
		a.user = arg
		a.mu.Unlock()
		a.log.DebugContext(ctx, "simulated member switched", "member", a.opts.Pseudonyms.Of(a.ref(arg)))
		return false, a.notice(a.t("terminal.as.done", "user", arg))
	}
	return false, a.notice(a.t("terminal.unknown_command", "command", shorten(name, maxUserRunes)) +
		"\n" + a.t("terminal.help", "bot", a.opts.BotName))
}

// ValidUser reports whether s can name a simulated member: 1 to 64
// characters among letters, digits, ".", "_" and "-".
func ValidUser(s string) bool {
	if s == "" || utf8.RuneCountInString(s) > maxUserRunes || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '.' && r != '_' && r != '-' {
			return false
		}
	}
	return true
}

// Send prints r in conv and returns its id ("m1", "m2"...). Messages to the
// current member are prefixed with the bot's name; messages to other members
// and to groups come under a header. Terminal control sequences are removed.
// It returns an error when conv is not a terminal conversation of this
// workspace, when ctx has ended, or when writing fails.
func (a *Adapter) Send(ctx context.Context, conv bot.Conversation, r bot.Reply) (bot.SentMessage, error) {
	if err := ctx.Err(); err != nil {
		return bot.SentMessage{}, fmt.Errorf("terminal: send: %w", err)
	}
	if err := a.checkConversation(conv); err != nil {
		return bot.SentMessage{}, fmt.Errorf("terminal: send: %w", err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.outSeq++
	id := "m" + strconv.FormatUint(a.outSeq, 10)
	var b strings.Builder
	if a.prompting {
		b.WriteByte('\n')
	}
	a.renderLocked(&b, conv, r)
	if a.prompting {
		b.WriteString(a.promptLocked())
	}
	if _, err := io.WriteString(a.out, b.String()); err != nil {
		return bot.SentMessage{}, fmt.Errorf("terminal: send: write: %w", err)
	}
	// A later message in the conversation supersedes the choices shown
	// before it, as a platform's buttons scroll out of the discussion.
	delete(a.choices, conv.ID)
	if len(r.Choices) > 0 {
		a.pickSeq++
		a.choices[conv.ID] = &pendingPick{conv: conv, choices: slices.Clone(r.Choices), ref: id, seq: a.pickSeq}
	}
	return bot.SentMessage{Conversation: conv, ID: id}, nil
}

// renderLocked writes the header, the text and the numbered choices of r.
func (a *Adapter) renderLocked(b *strings.Builder, conv bot.Conversation, r bot.Reply) {
	switch conv.Kind {
	case bot.Direct:
		if to := strings.TrimPrefix(conv.ID, "dm:"); to != a.user {
			b.WriteString(sanitize(a.t("terminal.header.direct", "user", to)))
			b.WriteByte('\n')
		}
	case bot.Group:
		members := strings.Join(a.membersLocked(conv.ID), ", ")
		b.WriteString(sanitize(a.t("terminal.header.group", "members", members)))
		b.WriteByte('\n')
	default:
		b.WriteString(sanitize(a.t("terminal.header.channel", "channel", conv.ID)))
		b.WriteByte('\n')
	}
	prefix := sanitize(a.opts.BotName) + " › "
	indent := strings.Repeat(" ", utf8.RuneCountInString(prefix))
	text := a.markup(strings.TrimRight(sanitize(r.Text), "\n"))
	for i, line := range strings.Split(text, "\n") {
		switch {
		case i == 0:
			b.WriteString(strings.TrimRight(prefix+line, " "))
		case line != "":
			b.WriteString(indent + line)
		}
		b.WriteByte('\n')
	}
	for i, c := range r.Choices {
		fmt.Fprintf(b, "  %d. %s\n", i+1, a.markup(sanitize(c.Label)))
	}
}

// OpenGroup returns the group conversation of 2 to 8 members of this
// platform and workspace. Its id is "group:" followed by the sorted user ids
// joined by "+", so the same members always get the same conversation. It
// returns an error wrapping bot.ErrGroupSize for fewer than 2 or more than 8
// distinct members.
func (a *Adapter) OpenGroup(ctx context.Context, members []bot.UserRef) (bot.Conversation, error) {
	if err := ctx.Err(); err != nil {
		return bot.Conversation{}, fmt.Errorf("terminal: open group: %w", err)
	}
	ids := make([]string, 0, len(members))
	for _, m := range members {
		if err := a.checkUser(m); err != nil {
			return bot.Conversation{}, fmt.Errorf("terminal: open group: %w", err)
		}
		ids = append(ids, m.User)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if len(ids) < minGroupMembers || len(ids) > maxGroupMembers {
		return bot.Conversation{}, fmt.Errorf("terminal: open group of %d members (want %d to %d): %w",
			len(ids), minGroupMembers, maxGroupMembers, bot.ErrGroupSize)
	}
	conv := bot.Conversation{
		Platform:  bot.PlatformTerminal,
		Workspace: a.opts.Workspace,
		ID:        "group:" + strings.Join(ids, "+"),
		Kind:      bot.Group,
	}
	a.mu.Lock()
	a.groups[conv.ID] = ids
	a.mu.Unlock()
	return conv, nil
}

// OpenDirect returns the direct conversation with user ("dm:" + user id).
func (a *Adapter) OpenDirect(ctx context.Context, user bot.UserRef) (bot.Conversation, error) {
	if err := ctx.Err(); err != nil {
		return bot.Conversation{}, fmt.Errorf("terminal: open direct: %w", err)
	}
	if err := a.checkUser(user); err != nil {
		return bot.Conversation{}, fmt.Errorf("terminal: open direct: %w", err)
	}
	return a.direct(user.User), nil
}

// Profile returns what the terminal knows of user: its id as display name,
// and nothing else.
func (a *Adapter) Profile(ctx context.Context, user bot.UserRef) (bot.PlatformProfile, error) {
	if err := ctx.Err(); err != nil {
		return bot.PlatformProfile{}, fmt.Errorf("terminal: profile: %w", err)
	}
	if err := a.checkUser(user); err != nil {
		return bot.PlatformProfile{}, fmt.Errorf("terminal: profile: %w", err)
	}
	return bot.PlatformProfile{DisplayName: user.User}, nil
}

// checkUser reports an error when u is not a member of this platform and
// workspace.
func (a *Adapter) checkUser(u bot.UserRef) error {
	switch {
	case u.Platform != bot.PlatformTerminal:
		return fmt.Errorf("member %q is not on the %s platform", u.String(), bot.PlatformTerminal)
	case u.Workspace != a.opts.Workspace:
		return fmt.Errorf("member %q is not in workspace %q", u.String(), a.opts.Workspace)
	case u.User == "":
		return fmt.Errorf("member %q has no user id", u.String())
	}
	return nil
}

// checkConversation reports an error when conv is not a conversation of this
// platform and workspace.
func (a *Adapter) checkConversation(c bot.Conversation) error {
	switch {
	case c.Platform != bot.PlatformTerminal:
		return fmt.Errorf("conversation %q is on platform %q, not %s", c.ID, c.Platform, bot.PlatformTerminal)
	case c.Workspace != a.opts.Workspace:
		return fmt.Errorf("conversation %q is in workspace %q, not %q", c.ID, c.Workspace, a.opts.Workspace)
	case c.ID == "":
		return errors.New("conversation has no id")
	case c.Kind != bot.Direct && c.Kind != bot.Group && c.Kind != bot.Channel:
		return fmt.Errorf("conversation %q has kind %s", c.ID, c.Kind)
	}
	return nil
}

func (a *Adapter) ref(user string) bot.UserRef {
	return bot.UserRef{Platform: bot.PlatformTerminal, Workspace: a.opts.Workspace, User: user}
}

func (a *Adapter) direct(user string) bot.Conversation {
	return bot.Conversation{Platform: bot.PlatformTerminal, Workspace: a.opts.Workspace, ID: "dm:" + user, Kind: bot.Direct}
}

// membersLocked returns the user ids of a group, as opened, or as read from
// its id when it was opened before a restart.
func (a *Adapter) membersLocked(groupID string) []string {
	if ids, ok := a.groups[groupID]; ok {
		return ids
	}
	return strings.Split(strings.TrimPrefix(groupID, "group:"), "+")
}

// pendingForLocked returns the choices most recently shown in a conversation
// user belongs to, or nil.
func (a *Adapter) pendingForLocked(user string) *pendingPick {
	var best *pendingPick
	for _, p := range a.choices {
		if (best != nil && p.seq < best.seq) || p.picked[user] {
			continue
		}
		var in bool
		switch p.conv.Kind {
		case bot.Direct:
			in = p.conv.ID == "dm:"+user
		case bot.Group:
			in = slices.Contains(a.membersLocked(p.conv.ID), user)
		default: // everyone is in a terminal channel
			in = true
		}
		if in {
			best = p
		}
	}
	return best
}

// match returns the choice named by s: its number (1..n) or its label,
// compared regardless of case and accents.
func (p *pendingPick) match(s string) (bot.Choice, bool) {
	if isDigits(s) {
		if n, err := strconv.Atoi(s); err == nil && n >= 1 && n <= len(p.choices) {
			return p.choices[n-1], true
		}
		return bot.Choice{}, false
	}
	want := textnorm.Fold(s)
	if want == "" {
		return bot.Choice{}, false
	}
	for _, c := range p.choices {
		if textnorm.Fold(c.Label) == want {
			return c, true
		}
	}
	return bot.Choice{}, false
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// sanitize removes what could drive the terminal from s: escape and other C0
// and C1 control characters (but newlines and tabs), and the bidirectional
// embedding, override and isolate characters. Invalid UTF-8 becomes U+FFFD.
func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f):
			return -1
		case (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069):
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

// shorten cuts s to n runes, marking the cut with an ellipsis.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

// groupDigits writes n with thousands separators: a narrow no-break space in
// French, a comma in English.
func groupDigits(n int, lang string) string {
	sep := "\u202f"
	if lang == string(bot.English) {
		sep = ","
	}
	s := strconv.Itoa(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(c)
	}
	return b.String()
}

func (a *Adapter) t(key string, args ...string) string {
	return a.cat.T(a.lang, key, args...)
}

func (a *Adapter) currentUser() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.user
}

// notice prints one of the adapter's own messages.
func (a *Adapter) notice(text string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, err := io.WriteString(a.out, a.markup(sanitize(text))+"\n"); err != nil {
		return fmt.Errorf("terminal: write: %w", err)
	}
	return nil
}

// markup renders the markdown subset of an already sanitized text: ANSI
// styles on a terminal, plain text elsewhere. No raw "*" or "_" marker
// reaches the screen.
func (a *Adapter) markup(s string) string {
	if a.opts.Styles {
		return markup.Styled(s)
	}
	return markup.Plain(s)
}

func (a *Adapter) promptLocked() string {
	return sanitize(a.user) + " › "
}

// showPrompt prints the prompt and marks it as on screen, so that messages
// sent meanwhile are printed on their own lines and the prompt repeated.
func (a *Adapter) showPrompt() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, err := io.WriteString(a.out, a.promptLocked()); err != nil {
		return fmt.Errorf("terminal: write: %w", err)
	}
	a.prompting = true
	return nil
}

// endPrompt ends the line of a prompt left on screen when Run returns, so
// that the shell's prompt starts on a line of its own.
func (a *Adapter) endPrompt() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.prompting {
		return nil
	}
	a.prompting = false
	if _, err := io.WriteString(a.out, "\n"); err != nil {
		return fmt.Errorf("terminal: write: %w", err)
	}
	return nil
}
