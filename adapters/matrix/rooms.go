package matrix

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/catalog"
)

// MaxGroupMembers is the largest introduction room the adapter opens.
const MaxGroupMembers = 20

const (
	kindDirect = "direct"
	kindGroup  = "group"
)

// rememberRoom records the kind of a room (and, for a direct room, that it
// is the direct room with peer), so that every replica knows it.
func (a *Adapter) rememberRoom(ctx context.Context, room id.RoomID, kind bot.ConversationKind, peer id.UserID) {
	v := kindGroup
	if kind == bot.Direct {
		v = kindDirect
	}
	if err := a.opts.Store.PutValue(ctx, a.hashKey("room-kind", string(room)), []byte(v), keep); err != nil {
		a.log.Warn("remembering a room", "err", err)
	}
	if kind == bot.Direct && peer != "" {
		if err := a.opts.Store.PutValue(ctx, a.hashKey("dm", string(peer)), []byte(room), keep); err != nil {
			a.log.Warn("remembering a direct room", "err", err)
		}
	}
}

// roomKind says whether room is a direct room or a group: as recorded when
// the bot opened or joined it, else from its members (two: direct).
func (a *Adapter) roomKind(ctx context.Context, room id.RoomID) bot.ConversationKind {
	if b, err := a.opts.Store.Value(ctx, a.hashKey("room-kind", string(room))); err == nil {
		if string(b) == kindDirect {
			return bot.Direct
		}
		return bot.Group
	}
	resp, err := a.cli.JoinedMembers(ctx, room)
	if err != nil {
		a.log.Warn("reading a room's members", "err", err)
		return bot.Group
	}
	kind, peer := bot.Group, id.UserID("")
	if len(resp.Joined) <= 2 {
		kind = bot.Direct
		for u := range resp.Joined {
			if u != a.userID {
				peer = u
			}
		}
	}
	a.rememberRoom(ctx, room, kind, peer)
	return kind
}

// encrypted reports whether room is end-to-end encrypted, asking the
// homeserver when the state store has not seen the room's encryption
// event: a message is never sent in clear by mistake.
func (a *Adapter) encrypted(ctx context.Context, room id.RoomID) (bool, error) {
	if a.cli.StateStore != nil {
		if enc, err := a.cli.StateStore.IsEncrypted(ctx, room); err == nil && enc {
			return true, nil
		}
	}
	var content event.EncryptionEventContent
	err := a.cli.StateEvent(ctx, room, event.StateEncryption, "", &content)
	switch {
	case err == nil && content.Algorithm != "":
		if a.cli.StateStore != nil {
			_ = a.cli.StateStore.SetEncryptionEvent(ctx, room, &content)
		}
		return true, nil
	case err == nil, errors.Is(err, mautrix.MNotFound):
		return false, nil
	}
	return false, fmt.Errorf("matrix: reading a room's encryption: %w", err)
}

// Send posts r to conv: the text as a plain body and an HTML
// formatted_body, the choices as a numbered list (answered by number, by a
// reply or by a reaction), no mention at all, encrypted in an encrypted
// room. A text too long for one event is split; the choices go with the
// last part, whose id is returned.
func (a *Adapter) Send(ctx context.Context, conv bot.Conversation, r bot.Reply) (bot.SentMessage, error) {
	room, err := a.room(conv)
	if err != nil {
		return bot.SentMessage{}, err
	}
	parts := split(r.Text, maxBodyRunes)
	var sent bot.SentMessage
	for i, p := range parts {
		part := bot.Reply{Text: p}
		if i == len(parts)-1 {
			part.Choices = r.Choices
		}
		evtID, err := a.post(ctx, room, messageContent(part))
		if err != nil {
			if i > 0 {
				// Part of the reply went out: never "gone", so that nothing
				// is posted twice.
				return sent, fmt.Errorf("%w: %w", err, bot.ErrUnknownOutcome)
			}
			return sent, err
		}
		sent = bot.SentMessage{Conversation: conv, ID: string(evtID)}
	}
	a.rememberChoices(ctx, room, id.EventID(sent.ID), r.Choices)
	return sent, nil
}

func messageContent(r bot.Reply) *event.MessageEventContent {
	body, formatted := render(r)
	return &event.MessageEventContent{
		MsgType:       event.MsgText,
		Body:          body,
		Format:        event.FormatHTML,
		FormattedBody: formatted,
		Mentions:      &event.Mentions{},
	}
}

// post sends one message event, encrypted when the room is.
func (a *Adapter) post(ctx context.Context, room id.RoomID, content *event.MessageEventContent) (id.EventID, error) {
	enc, err := a.encrypted(ctx, room)
	if err != nil {
		return "", err
	}
	if enc && a.cli.Crypto == nil {
		return "", errors.New("matrix: the room is end-to-end encrypted and this bot runs without encryption: nothing was sent")
	}
	if enc {
		// The room key goes to the members the state store knows: load
		// them once if it has not seen the room's full state (a new crypto
		// store resuming from a stored next_batch, say).
		if fetched, err := a.cli.StateStore.HasFetchedMembers(ctx, room); err == nil && !fetched {
			if _, err := a.cli.Members(ctx, room); err != nil {
				return "", fmt.Errorf("matrix: reading a room's members before encrypting: %w", err)
			}
		}
	}
	resp, err := a.cli.SendMessageEvent(ctx, room, event.EventMessage, content, mautrix.ReqSendEvent{TransactionID: a.cli.TxnID()})
	if err != nil {
		return "", sendErr(err)
	}
	return resp.EventID, nil
}

// sendErr classifies a failed send for the core: a 429 (after the
// transport's retries) wraps bot.ErrRateLimited; a refusal because the bot
// is not (or no longer) in the room wraps bot.ErrConversationGone; no answer
// at all leaves the outcome unknown (the same transaction id would be
// needed to retry safely).
func sendErr(err error) error {
	var he mautrix.HTTPError
	status := 0
	if errors.As(err, &he) && he.Response != nil {
		status = he.Response.StatusCode
	}
	switch {
	case errors.Is(err, mautrix.MLimitExceeded) || status == http.StatusTooManyRequests:
		wait := 0
		if he.RespError != nil {
			if v, ok := he.RespError.ExtraData["retry_after_ms"].(float64); ok {
				wait = int(v)
			}
		}
		return fmt.Errorf("matrix: sending a message: %w: %w", err, &bot.RateLimitError{RetryAfter: msDuration(wait)})
	case errors.Is(err, mautrix.MForbidden) || status == http.StatusNotFound:
		return fmt.Errorf("matrix: sending a message: %w: %w", err, bot.ErrConversationGone)
	case status == 0 && !strings.Contains(err.Error(), "failed to encrypt"):
		return fmt.Errorf("matrix: sending a message: %w: %w", err, bot.ErrUnknownOutcome)
	}
	return fmt.Errorf("matrix: sending a message: %w", err)
}

// Update replaces a message the bot posted (an m.replace edit), such as
// the choices once answered. Only the last part of a long message is
// replaced.
func (a *Adapter) Update(ctx context.Context, msg bot.SentMessage, r bot.Reply) error {
	room, err := a.room(msg.Conversation)
	if err != nil {
		return err
	}
	if msg.ID == "" {
		return fmt.Errorf("matrix: update: no message id: %w", bot.ErrInvalid)
	}
	parts := split(r.Text, maxBodyRunes)
	next := messageContent(bot.Reply{Text: parts[len(parts)-1], Choices: r.Choices})
	content := &event.MessageEventContent{
		MsgType:       event.MsgText,
		Body:          "* " + next.Body,
		Format:        event.FormatHTML,
		FormattedBody: "* " + next.FormattedBody,
		Mentions:      &event.Mentions{},
		NewContent:    next,
		RelatesTo:     &event.RelatesTo{Type: event.RelReplace, EventID: id.EventID(msg.ID)},
	}
	if _, err := a.post(ctx, room, content); err != nil {
		return err
	}
	if len(r.Choices) == 0 {
		_ = a.opts.Store.DeleteValue(ctx, a.hashKey("choices-event", msg.ID))
	}
	a.rememberChoices(ctx, room, id.EventID(msg.ID), r.Choices)
	return nil
}

func (a *Adapter) room(conv bot.Conversation) (id.RoomID, error) {
	if conv.Platform != bot.PlatformMatrix || !strings.HasPrefix(conv.ID, "!") {
		return "", fmt.Errorf("matrix: not a matrix room: %w", bot.ErrInvalid)
	}
	return id.RoomID(conv.ID), nil
}

func (a *Adapter) user(u bot.UserRef) (id.UserID, error) {
	uid := id.UserID(u.User)
	if u.Platform != bot.PlatformMatrix {
		return "", fmt.Errorf("matrix: not a matrix user: %w", bot.ErrInvalid)
	}
	if _, _, err := uid.Parse(); err != nil {
		return "", fmt.Errorf("matrix: not a matrix user id: %w", bot.ErrInvalid)
	}
	return uid, nil
}

// createOptions is what every room the bot opens has: private, invite
// only, encrypted (unless encryption is disabled).
func (a *Adapter) createRoom(ctx context.Context, req *mautrix.ReqCreateRoom) (id.RoomID, error) {
	if !a.opts.DisableEncryption {
		req.InitialState = append(req.InitialState, &event.Event{
			Type:    event.StateEncryption,
			Content: event.Content{Parsed: &event.EncryptionEventContent{Algorithm: id.AlgorithmMegolmV1}},
		})
	}
	resp, err := a.cli.CreateRoom(ctx, req)
	if err != nil {
		return "", fmt.Errorf("matrix: creating a room: %w", err)
	}
	if a.cli.StateStore != nil {
		if !a.opts.DisableEncryption {
			_ = a.cli.StateStore.SetEncryptionEvent(ctx, resp.RoomID, &event.EncryptionEventContent{Algorithm: id.AlgorithmMegolmV1})
		}
		_ = a.cli.StateStore.SetMembership(ctx, resp.RoomID, a.userID, event.MembershipJoin)
		for _, u := range req.Invite {
			_ = a.cli.StateStore.SetMembership(ctx, resp.RoomID, u, event.MembershipInvite)
		}
	}
	return resp.RoomID, nil
}

// OpenDirect returns the direct room with user: the one remembered (opened
// by either side), else a new encrypted direct room with user invited.
func (a *Adapter) OpenDirect(ctx context.Context, user bot.UserRef) (bot.Conversation, error) {
	uid, err := a.user(user)
	if err != nil {
		return bot.Conversation{}, err
	}
	if b, err := a.opts.Store.Value(ctx, a.hashKey("dm", string(uid))); err == nil && len(b) > 0 {
		return a.conversation(id.RoomID(b), bot.Direct), nil
	}
	room, err := a.createRoom(ctx, &mautrix.ReqCreateRoom{
		Preset:   "trusted_private_chat",
		IsDirect: true,
		Invite:   []id.UserID{uid},
	})
	if err != nil {
		return bot.Conversation{}, err
	}
	a.rememberRoom(ctx, room, bot.Direct, uid)
	return a.conversation(room, bot.Direct), nil
}

// ForgetDirect drops the remembered direct room with user.
func (a *Adapter) ForgetDirect(ctx context.Context, user bot.UserRef) error {
	uid, err := a.user(user)
	if err != nil {
		return err
	}
	return a.opts.Store.DeleteValue(ctx, a.hashKey("dm", string(uid)))
}

// OpenGroup opens a new encrypted, invite-only room for the bot and
// members (2 to MaxGroupMembers distinct members), and invites them one at a
// time, InvitePace apart. Other counts return bot.ErrGroupSize.
func (a *Adapter) OpenGroup(ctx context.Context, members []bot.UserRef) (bot.Conversation, error) {
	var ids []id.UserID
	for _, m := range members {
		uid, err := a.user(m)
		if err != nil {
			return bot.Conversation{}, err
		}
		if uid != a.userID && !slices.Contains(ids, uid) {
			ids = append(ids, uid)
		}
	}
	if n := len(ids); n < 2 || n > MaxGroupMembers {
		return bot.Conversation{}, fmt.Errorf("matrix: %d members (2 to %d): %w", n, MaxGroupMembers, bot.ErrGroupSize)
	}
	lang := a.groupLang(ctx, members)
	cat := catalog.Default()
	room, err := a.createRoom(ctx, &mautrix.ReqCreateRoom{
		Preset: "private_chat",
		Name:   cat.T(lang, "matrix.group.name"),
		Topic:  cat.T(lang, "matrix.group.topic"),
	})
	if err != nil {
		return bot.Conversation{}, err
	}
	a.rememberRoom(ctx, room, bot.Group, "")
	for i, uid := range ids {
		if i > 0 {
			select {
			case <-ctx.Done():
				return bot.Conversation{}, ctx.Err()
			case <-a.opts.After(a.opts.InvitePace):
			}
		}
		if _, err := a.cli.InviteUser(ctx, room, &mautrix.ReqInviteUser{UserID: uid}); err != nil {
			return bot.Conversation{}, fmt.Errorf("matrix: inviting a member: %w", err)
		}
	}
	return a.conversation(room, bot.Group), nil
}

// groupLang is the language in which an introduction room is named: the
// members' language when they share one, else the bot's default.
func (a *Adapter) groupLang(ctx context.Context, members []bot.UserRef) string {
	lang := ""
	for _, m := range members {
		mem, err := a.opts.Store.Member(ctx, m)
		if err != nil || mem.Language == "" {
			return a.opts.DefaultLang
		}
		if lang != "" && string(mem.Language) != lang {
			return a.opts.DefaultLang
		}
		lang = string(mem.Language)
	}
	if lang == "" {
		return a.opts.DefaultLang
	}
	return lang
}

// Profile returns the user's display name (Matrix profiles hold no e-mail,
// and the time zone only where the homeserver supports it).
func (a *Adapter) Profile(ctx context.Context, user bot.UserRef) (bot.PlatformProfile, error) {
	uid, err := a.user(user)
	if err != nil {
		return bot.PlatformProfile{}, err
	}
	p, err := a.cli.GetProfile(ctx, uid)
	if err != nil {
		if errors.Is(err, mautrix.MNotFound) {
			return bot.PlatformProfile{}, fmt.Errorf("matrix: reading a profile: %w", bot.ErrNotFound)
		}
		return bot.PlatformProfile{}, fmt.Errorf("matrix: reading a profile: %w", err)
	}
	out := bot.PlatformProfile{DisplayName: p.DisplayName}
	if tz, ok := p.Extra["m.tz"].(string); ok {
		out.TimeZone = tz
	} else if tz, ok := p.Extra["us.cloke.msc4175.tz"].(string); ok {
		out.TimeZone = tz
	}
	return out, nil
}
