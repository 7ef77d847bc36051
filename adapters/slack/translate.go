package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/catalog"
)

// How long deduplication records live: Slack retries an event for about an
// hour; a click is decided once for as long as a dialogue lives.
const (
	eventDedupTTL = 2 * time.Hour
	clickDedupTTL = 7 * 24 * time.Hour
	localeTTL     = 24 * time.Hour
	localeRetry   = 10 * time.Minute // after users.info failed
)

// slackbotUser is Slackbot's user id, the same in every workspace.
const slackbotUser = "USLACKBOT"

// helpCommand is what an empty /maillage or a bare mention asks for (the
// core accepts every command name in every language).
const helpCommand = "aide"

// maillageCommand is the slash command the manifest declares.
const maillageCommand = "/maillage"

// translate turns a payload into a message for the core. ok is false for
// payloads the core must not see: the bot's own or other bots' messages,
// edits and other subtypes, redeliveries, events of no interest.
func (a *Adapter) translate(ctx context.Context, j job) (bot.Message, bool, error) {
	switch j.kind {
	case kindEvent:
		return a.translateEvent(ctx, j)
	case kindInteractive:
		return a.translateInteraction(ctx, j)
	case kindCommand:
		var cmd slack.SlashCommand
		if err := json.Unmarshal(j.payload, &cmd); err != nil {
			return bot.Message{}, false, fmt.Errorf("decoding slash command: %w", err)
		}
		return a.translateCommand(ctx, cmd, j.received)
	}
	return bot.Message{}, false, fmt.Errorf("unknown payload kind %d", j.kind)
}

func (a *Adapter) translateEvent(ctx context.Context, j job) (bot.Message, bool, error) {
	ev, err := slackevents.ParseEvent(j.payload, slackevents.OptionNoVerifyToken())
	if err != nil {
		return bot.Message{}, false, fmt.Errorf("parsing event: %w", err)
	}
	if ev.Type != slackevents.CallbackEvent {
		return bot.Message{}, false, nil
	}
	cb, _ := ev.Data.(*slackevents.EventsAPICallbackEvent)
	if cb == nil || cb.EventID == "" {
		return bot.Message{}, false, errors.New("event callback without event_id")
	}
	// Redeliveries (socket retry_attempt, HTTP X-Slack-Retry-Num, or the
	// same event on two replicas) are dropped here.
	first, err := a.store.FirstSeen(ctx, "slack:event:"+cb.EventID, eventDedupTTL)
	switch {
	case errors.Is(err, bot.ErrUnavailable):
		// Without the store, answering twice is better than never: the
		// core tells the member the service is unavailable.
		a.log.WarnContext(ctx, "slack event not deduplicated: store unavailable", "event_id", cb.EventID, "err", err)
	case err != nil:
		return bot.Message{}, false, fmt.Errorf("deduplicating event: %w", err)
	case !first:
		a.log.DebugContext(ctx, "slack event redelivered, dropped", "event_id", cb.EventID, "retry", j.retry)
		return bot.Message{}, false, nil
	}

	team, botUser, botID := a.identity()
	if ev.TeamID != "" {
		team = ev.TeamID
	}
	var (
		user, text, channel, ts, userTeam string
		kind                              bot.ConversationKind
		mention                           bool
	)
	switch e := ev.InnerEvent.Data.(type) {
	case *slackevents.MessageEvent:
		// Only messages from people, plain or with a file: no edits
		// (message_changed), deletions, joins, bot_message, Slackbot, nor
		// the bot's own messages.
		if (e.SubType != "" && e.SubType != "file_share") || e.BotID != "" || e.User == "" ||
			e.User == botUser || e.User == slackbotUser {
			return bot.Message{}, false, nil
		}
		switch e.ChannelType {
		case "im":
			kind = bot.Direct
		case "mpim":
			kind = bot.Group
		default:
			kind = bot.Channel
		}
		user, text, channel, ts, userTeam = e.User, e.Text, e.Channel, e.TimeStamp, e.UserTeam
		mention = strings.Contains(text, "<@"+botUser+">")
	case *slackevents.AppMentionEvent:
		if e.BotID != "" || e.User == "" || e.User == botUser || e.User == slackbotUser || (botID != "" && e.BotID == botID) {
			return bot.Message{}, false, nil
		}
		user, text, channel, ts, userTeam = e.User, e.Text, e.Channel, e.TimeStamp, e.UserTeam
		kind, mention = kindOfChannel(channel, ""), true
	default:
		return bot.Message{}, false, nil
	}
	if channel == "" {
		// Nowhere to answer (a malformed or forged event): nothing to do.
		a.log.DebugContext(ctx, "slack event without a channel, ignored", "event_id", cb.EventID)
		return bot.Message{}, false, nil
	}
	// A mention in a group DM arrives twice (message.mpim and app_mention,
	// two event ids): the message itself is handled once.
	// The key holds no channel id (a member's direct conversation names
	// them): a keyed hash of it.
	first, err = a.store.FirstSeen(ctx, "slack:message:"+a.hashKey(channel, ts), eventDedupTTL)
	switch {
	case errors.Is(err, bot.ErrUnavailable):
		a.log.WarnContext(ctx, "slack message not deduplicated: store unavailable", "event_id", cb.EventID, "err", err)
	case err != nil:
		return bot.Message{}, false, fmt.Errorf("deduplicating message: %w", err)
	case !first:
		return bot.Message{}, false, nil
	}
	// A bare mention asks for help; a file sent without a word says nothing.
	clean := plainText(text, botUser)
	if clean == "" {
		if !mention {
			return bot.Message{}, false, nil
		}
		clean = helpCommand
	}
	// The conversation belongs to the workspace of the event; a member of
	// another organisation (a shared channel) keeps their own workspace.
	fromTeam := team
	if userTeam != "" {
		fromTeam = userTeam
	}
	from := bot.UserRef{Platform: bot.PlatformSlack, Workspace: fromTeam, User: user}
	return bot.Message{
		ID:           cb.EventID,
		From:         from,
		Conversation: bot.Conversation{Platform: bot.PlatformSlack, Workspace: team, ID: channel, Kind: kind},
		Text:         clean,
		Mention:      mention,
		Locale:       a.locale(ctx, from),
		Received:     j.received,
	}, true, nil
}

// kindOfChannel guesses a conversation's kind from its id (D… is a direct
// message) and name (group DMs are named mpdm-…).
func kindOfChannel(id, name string) bot.ConversationKind {
	switch {
	case strings.HasPrefix(id, "D"):
		return bot.Direct
	case strings.HasPrefix(name, "mpdm-"):
		return bot.Group
	}
	return bot.Channel
}

func (a *Adapter) translateInteraction(ctx context.Context, j job) (bot.Message, bool, error) {
	var cb slack.InteractionCallback
	if err := json.Unmarshal(j.payload, &cb); err != nil {
		return bot.Message{}, false, fmt.Errorf("decoding interaction: %w", err)
	}
	if cb.Type != slack.InteractionTypeBlockActions || len(cb.ActionCallback.BlockActions) == 0 {
		return bot.Message{}, false, nil
	}
	act := cb.ActionCallback.BlockActions[0]
	action, value, err := decodeChoice(act.Value)
	if err != nil {
		a.log.DebugContext(ctx, "slack button not from maillage, ignored", "action_id", act.ActionID)
		return bot.Message{}, false, nil
	}
	team, _, _ := a.identity()
	if cb.Team.ID != "" {
		team = cb.Team.ID
	}
	if cb.User.TeamID != "" {
		team = cb.User.TeamID
	}
	channel := cb.Channel.ID
	if channel == "" {
		channel = cb.Container.ChannelID
	}
	msgTS := cb.Container.MessageTs
	if msgTS == "" {
		msgTS = cb.Message.Timestamp
	}
	if cb.User.ID == "" || channel == "" {
		return bot.Message{}, false, errors.New("block_actions without user or channel")
	}
	from := bot.UserRef{Platform: bot.PlatformSlack, Workspace: team, User: cb.User.ID}
	// Decided once per (choice action, message, user), whatever the
	// number of deliveries or replicas, and whatever button of the same
	// question is clicked next.
	key := "slack:click:" + a.hashKey(from.Key(), channel, msgTS, action)
	first, err := a.store.FirstSeen(ctx, key, clickDedupTTL)
	switch {
	case errors.Is(err, bot.ErrUnavailable):
		// The core answers that the service is unavailable; a click
		// handled twice is better than one lost.
		a.log.WarnContext(ctx, "slack click not deduplicated: store unavailable", "action", action, "err", err)
	case err != nil:
		return bot.Message{}, false, fmt.Errorf("deduplicating click: %w", err)
	case !first:
		a.log.DebugContext(ctx, "slack click already decided, dropped", "action", action)
		return bot.Message{}, false, nil
	}
	id := act.ActionTs
	if id == "" {
		id = cb.ActionTs
	}
	kind := kindOfChannel(channel, cb.Channel.Name)
	if kind == bot.Direct && msgTS != "" {
		a.markChosen(ctx, cb, channel, msgTS, act)
	}
	return bot.Message{
		ID:           id,
		From:         from,
		Conversation: bot.Conversation{Platform: bot.PlatformSlack, Workspace: team, ID: channel, Kind: kind},
		Choice:       &bot.ChoiceEvent{Action: action, Value: value, MessageRef: msgTS},
		Locale:       a.locale(ctx, from),
		Received:     j.received,
	}, true, nil
}

// translateCommand turns "/maillage TEXT" into TEXT said in the member's
// direct conversation with the bot, where the answer goes (the bot may not
// be a member of the channel the command was typed in). An empty command
// asks for help.
func (a *Adapter) translateCommand(ctx context.Context, cmd slack.SlashCommand, received time.Time) (bot.Message, bool, error) {
	if cmd.Command != maillageCommand || cmd.UserID == "" {
		return bot.Message{}, false, nil
	}
	team, _, _ := a.identity()
	if cmd.TeamID != "" {
		team = cmd.TeamID
	}
	from := bot.UserRef{Platform: bot.PlatformSlack, Workspace: team, User: cmd.UserID}
	conv, err := a.OpenDirect(ctx, from)
	if err != nil {
		return bot.Message{}, false, fmt.Errorf("slash command: %w", err)
	}
	text := plainText(cmd.Text, "")
	if text == "" {
		text = helpCommand
	}
	return bot.Message{
		ID:           cmd.TriggerID,
		From:         from,
		Conversation: conv,
		Text:         text,
		Locale:       a.locale(ctx, from),
		Received:     received,
	}, true, nil
}

// slackMarkup matches Slack's <…> markup in incoming text: <@U123>,
// <#C123|name>, <!here>, <https://x|label>, <mailto:a@b|a@b>.
var slackMarkup = regexp.MustCompile(`<([^<>]*)>`)

// plainText turns Slack's incoming message text into what the member
// typed: the bot's own mention removed, links shown by their label, other
// mentions kept as written, entities (&amp; &lt; &gt;) decoded.
func plainText(s, botUser string) string {
	s = slackMarkup.ReplaceAllStringFunc(s, func(m string) string {
		inner := m[1 : len(m)-1]
		target, label, hasLabel := strings.Cut(inner, "|")
		switch {
		case botUser != "" && target == "@"+botUser:
			return ""
		case hasLabel:
			return label
		case strings.HasPrefix(target, "mailto:"):
			return strings.TrimPrefix(target, "mailto:")
		}
		return target
	})
	s = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
	return strings.TrimSpace(s)
}

// locale returns the member's Slack locale ("fr-FR"), from a day-long
// cache shared by the replicas, else from users.info. Failures leave it
// empty: the core then uses its default language.
func (a *Adapter) locale(ctx context.Context, ref bot.UserRef) string {
	key := "slack:locale:" + a.hashKey(ref.Key())
	if v, err := a.store.Value(ctx, key); err == nil {
		return string(v)
	}
	p, err := a.Profile(ctx, ref)
	if err != nil {
		// Not asked again for a while: a missing scope or an unknown
		// user must not cost a users.info call per message.
		a.log.DebugContext(ctx, "slack locale unknown", "err", err)
		if perr := a.store.PutValue(ctx, key, nil, localeRetry); perr != nil {
			a.log.DebugContext(ctx, "slack locale not cached", "err", perr)
		}
		return ""
	}
	return p.Locale
}

// ackLookupTimeout bounds the store reads done before acknowledging a
// command: the acknowledgement must leave within Slack's 3 s.
const ackLookupTimeout = 500 * time.Millisecond

// commandAck is the acknowledgement payload of a slash command: typed
// outside the member's direct conversation with the bot, an ephemeral line
// (seen by the member alone) says where the answer goes; nil otherwise.
func (a *Adapter) commandAck(ctx context.Context, cmd slack.SlashCommand) map[string]string {
	if cmd.Command != maillageCommand || cmd.UserID == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, ackLookupTimeout)
	defer cancel()
	team, _, _ := a.identity()
	if cmd.TeamID != "" {
		team = cmd.TeamID
	}
	ref := bot.UserRef{Platform: bot.PlatformSlack, Workspace: team, User: cmd.UserID}
	if v, err := a.store.Value(ctx, "slack:dm:"+a.hashKey(ref.Key())); err == nil && string(v) == cmd.ChannelID {
		return nil
	}
	lang := a.opts.Lang
	if v, err := a.store.Value(ctx, "slack:locale:"+a.hashKey(ref.Key())); err == nil {
		if l, ok := bot.ParseLang(string(v)); ok {
			lang = string(l)
		}
	}
	return map[string]string{
		"response_type": "ephemeral",
		"text":          escapeText(catalog.Default().T(lang, "slack.command.dm", "bot", a.opts.BotName)),
	}
}

// markChosen replaces the buttons of the direct message a member just
// answered with a context line "✓ label": the question is visibly decided
// and cannot be clicked again. In group conversations the buttons stay,
// since each member decides for themself. A failure is only logged.
func (a *Adapter) markChosen(ctx context.Context, cb slack.InteractionCallback, channel, ts string, act *slack.BlockAction) {
	var kept []slack.Block
	for _, b := range cb.Message.Blocks.BlockSet {
		if b.BlockType() != slack.MBTAction {
			kept = append(kept, b)
		}
	}
	label := act.Value
	if act.Text.Text != "" {
		label = act.Text.Text
	}
	kept = append(kept, slack.NewContextBlock("chosen",
		slack.NewTextBlockObject(slack.MarkdownType, "✓ *"+escapeText(label)+"*", false, false)))
	err := a.call(ctx, "chat.update", true, func(ctx context.Context) error {
		_, _, _, err := a.api.UpdateMessageContext(ctx, channel, ts,
			slack.MsgOptionText(cb.Message.Text, false), slack.MsgOptionBlocks(kept...))
		return err
	})
	if err != nil {
		a.log.WarnContext(ctx, "slack answered question not marked", "err", err)
	}
}
