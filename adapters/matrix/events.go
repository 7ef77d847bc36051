package matrix

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/sndgct/maillage/bot"
)

// onMessage turns a room message (decrypted already when it was
// encrypted) into a bot.Message: in a direct room always, in a group only
// when the bot is mentioned; a typed number or a reply to a message with
// choices becomes a bot.ChoiceEvent.
func (a *Adapter) onMessage(ctx context.Context, evt *event.Event) {
	if evt.Sender == a.userID || evt.Sender == "" {
		return
	}
	content := evt.Content.AsMessage()
	if content == nil || content.RelatesTo.GetReplaceID() != "" {
		return // edits are not new messages
	}
	switch content.MsgType {
	case event.MsgText, event.MsgNotice, event.MsgEmote:
	default:
		return
	}
	if !a.fresh(ctx, evt) {
		return
	}
	if a.refuseClear(ctx, evt) {
		return
	}
	kind := a.roomKind(ctx, evt.RoomID)
	text := stripReplyFallback(content.Body)
	mention := false
	if kind != bot.Direct {
		var ok bool
		text, ok = a.addressed(content, text)
		if !ok {
			return
		}
		mention = true
	}
	m := bot.Message{
		ID:           string(evt.ID),
		From:         a.userRef(evt.Sender),
		Conversation: a.conversation(evt.RoomID, kind),
		Text:         text,
		Mention:      mention,
		Received:     a.opts.Clock.Now(),
	}
	if c, ok := a.pickFromText(ctx, evt.RoomID, content.RelatesTo.GetReplyTo(), strings.TrimSpace(text)); ok {
		m.Choice, m.Text = c, ""
	}
	a.submit(ctx, m)
}

// onReaction turns a reaction (1️⃣…🔟, 👍) to a message with choices into
// a bot.ChoiceEvent; other reactions are ignored.
func (a *Adapter) onReaction(ctx context.Context, evt *event.Event) {
	if evt.Sender == a.userID || evt.Sender == "" {
		return
	}
	content := evt.Content.AsReaction()
	if content == nil || content.RelatesTo.Type != event.RelAnnotation || content.RelatesTo.EventID == "" {
		return
	}
	if !a.fresh(ctx, evt) {
		return
	}
	p, err := a.pending(ctx, a.hashKey("choices-event", string(content.RelatesTo.EventID)))
	if err != nil {
		return
	}
	n := reactionNumber(content.RelatesTo.Key)
	if n == 0 && isThumbsUp(content.RelatesTo.Key) {
		n = p.approve()
	}
	if n < 1 || n > len(p.Choices) {
		return
	}
	c := p.Choices[n-1]
	a.submit(ctx, bot.Message{
		ID:           string(evt.ID),
		From:         a.userRef(evt.Sender),
		Conversation: a.conversation(evt.RoomID, a.roomKind(ctx, evt.RoomID)),
		Choice:       &bot.ChoiceEvent{Action: c.Action, Value: c.Value, MessageRef: p.EventID},
		Received:     a.opts.Clock.Now(),
	})
}

// onMember joins the direct rooms the bot is invited to by people of the
// allowed homeservers, and declines the other invitations.
func (a *Adapter) onMember(ctx context.Context, evt *event.Event) {
	if evt.GetStateKey() != string(a.userID) {
		return
	}
	content := evt.Content.AsMember()
	if content == nil || content.Membership != event.MembershipInvite {
		return
	}
	if ok, _ := a.opts.Store.FirstSeen(ctx, a.hashKey("invite", string(evt.RoomID)+"|"+string(evt.ID)), eventTTL); !ok {
		return
	}
	_, server, _ := evt.Sender.Parse()
	if !content.IsDirect || !a.allowed[strings.ToLower(server)] {
		a.log.Info("declining an invitation", "direct", content.IsDirect, "server_allowed", a.allowed[strings.ToLower(server)])
		if _, err := a.cli.LeaveRoom(ctx, evt.RoomID); err != nil {
			a.log.Warn("declining an invitation", "err", err)
		}
		return
	}
	if _, err := a.cli.JoinRoomByID(ctx, evt.RoomID); err != nil {
		a.log.Warn("joining a direct room", "err", err)
		return
	}
	a.rememberRoom(ctx, evt.RoomID, bot.Direct, evt.Sender)
	a.log.Info("joined a direct room")
}

// fresh reports whether evt is to be handled: not history from before the
// first start, and not already handled (here or on another replica).
func (a *Adapter) fresh(ctx context.Context, evt *event.Event) bool {
	a.mu.Lock()
	until := a.ignoreUntil
	a.mu.Unlock()
	if !until.IsZero() && time.UnixMilli(evt.Timestamp).Before(until) {
		return false
	}
	ok, err := a.opts.Store.FirstSeen(ctx, a.hashKey("event", string(evt.ID)), eventTTL)
	switch {
	case errors.Is(err, bot.ErrUnavailable):
		// The core answers that the service is unavailable: an event
		// handled twice is better than one dropped without a word.
		a.log.Warn("event not deduplicated: store unavailable", "err", err)
		return true
	case err != nil:
		a.log.Warn("deduplicating an event", "err", err)
		return false
	}
	return ok
}

// refuseClear drops a message sent in clear in an encrypted room: it was
// not written by a member's client (which encrypts), and answering it
// would quote it in a room where everything is to be encrypted.
func (a *Adapter) refuseClear(ctx context.Context, evt *event.Event) bool {
	if evt.Mautrix.WasEncrypted || a.cli.StateStore == nil {
		return false
	}
	enc, err := a.cli.StateStore.IsEncrypted(ctx, evt.RoomID)
	return err == nil && enc
}

func (a *Adapter) submit(ctx context.Context, m bot.Message) {
	a.mu.Lock()
	d := a.dispatch
	a.mu.Unlock()
	if d != nil {
		d.submit(ctx, m)
	}
}

// stripReplyFallback removes the quoted lines ("> ...") that older clients
// put before a reply.
func stripReplyFallback(body string) string {
	if !strings.HasPrefix(body, "> ") {
		return body
	}
	lines := strings.Split(body, "\n")
	i := 0
	for i < len(lines) && strings.HasPrefix(lines[i], ">") {
		i++
	}
	return strings.TrimLeft(strings.Join(lines[i:], "\n"), "\n")
}

// addressed reports whether a group message is for the bot (an intentional
// mention, its user id, or its localpart at the start) and returns the text
// without the mention.
func (a *Adapter) addressed(content *event.MessageEventContent, text string) (string, bool) {
	mentioned := content.Mentions != nil && content.Mentions.Has(a.userID)
	local := a.userID.Localpart()
	trimmed := strings.TrimSpace(text)
	lower := strings.ToLower(trimmed)
	for _, prefix := range []string{strings.ToLower(string(a.userID)), "@" + strings.ToLower(local), strings.ToLower(local)} {
		if strings.HasPrefix(lower, prefix) {
			rest := trimmed[len(prefix):]
			if rest == "" || strings.ContainsRune(":, \u00a0", []rune(rest)[0]) {
				return strings.TrimLeft(rest, ":, \u00a0"), true
			}
		}
	}
	if mentioned {
		// A pill: the display name in the body; the rest is the command.
		if i := strings.IndexAny(trimmed, ":,"); i >= 0 && i < 64 {
			return strings.TrimSpace(trimmed[i+1:]), true
		}
		return trimmed, true
	}
	return text, false
}

// pendingChoices are the choices of a message the bot posted, kept in the
// store so that any replica, after a restart too, reads the answer.
type pendingChoices struct {
	EventID string       `json:"event_id"`
	Choices []bot.Choice `json:"choices"`
}

// approve is the choice a 👍 stands for: the primary one, else the first.
func (p pendingChoices) approve() int {
	for i, c := range p.Choices {
		if c.Style == "primary" {
			return i + 1
		}
	}
	return 1
}

// choiceTTL is how long posted choices can be answered.
const choiceTTL = 14 * 24 * time.Hour

func (a *Adapter) pending(ctx context.Context, key string) (pendingChoices, error) {
	var p pendingChoices
	b, err := a.opts.Store.Value(ctx, key)
	if err != nil {
		return p, err
	}
	if err := json.Unmarshal(b, &p); err != nil || len(p.Choices) == 0 {
		return p, bot.ErrNotFound
	}
	return p, nil
}

// rememberChoices keeps the choices of a posted message, under its event
// id (for replies and reactions) and as the room's latest (for a number).
func (a *Adapter) rememberChoices(ctx context.Context, room id.RoomID, evtID id.EventID, choices []bot.Choice) {
	roomKey := a.hashKey("choices-room", string(room))
	if len(choices) == 0 {
		// A later message supersedes the choices shown before it.
		if err := a.opts.Store.DeleteValue(ctx, roomKey); err != nil {
			a.log.Warn("forgetting choices", "err", err)
		}
		return
	}
	b, err := json.Marshal(pendingChoices{EventID: string(evtID), Choices: choices})
	if err != nil || len(b) > bot.MaxValueSize {
		return
	}
	for _, k := range []string{roomKey, a.hashKey("choices-event", string(evtID))} {
		if err := a.opts.Store.PutValue(ctx, k, b, choiceTTL); err != nil {
			a.log.Warn("remembering choices", "err", err)
		}
	}
}

// pickFromText reads a typed number as the answer to the room's latest
// choices, or to those of the message replied to.
func (a *Adapter) pickFromText(ctx context.Context, room id.RoomID, replyTo id.EventID, text string) (*bot.ChoiceEvent, bool) {
	text = strings.TrimRight(strings.TrimSpace(text), ".)")
	n := reactionNumber(text)
	if n == 0 {
		v, err := strconv.Atoi(text)
		if err != nil || v < 1 || v > 10 {
			return nil, false
		}
		n = v
	}
	key := a.hashKey("choices-room", string(room))
	if replyTo != "" {
		key = a.hashKey("choices-event", string(replyTo))
	}
	p, err := a.pending(ctx, key)
	if err != nil {
		if !errors.Is(err, bot.ErrNotFound) {
			a.log.Warn("reading choices", "err", err)
		}
		return nil, false
	}
	if n > len(p.Choices) {
		return nil, false
	}
	c := p.Choices[n-1]
	return &bot.ChoiceEvent{Action: c.Action, Value: c.Value, MessageRef: p.EventID}, true
}

var keycaps = []string{"1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣", "7️⃣", "8️⃣", "9️⃣", "🔟"}

// reactionNumber reads a keycap emoji (with or without its variation
// selector) as a number; 0 for anything else.
func reactionNumber(key string) int {
	k := strings.ReplaceAll(key, "\ufe0f", "")
	for i, c := range keycaps {
		if k == strings.ReplaceAll(c, "\ufe0f", "") {
			return i + 1
		}
	}
	return 0
}

func isThumbsUp(key string) bool {
	k := strings.TrimRight(key, "\ufe0f\U0001F3FB\U0001F3FC\U0001F3FD\U0001F3FE\U0001F3FF")
	return k == "👍"
}
