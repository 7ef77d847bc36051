package slacktest

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
)

// Payload returns a documented payload from testdata (name without .json),
// with the given fields set; a key "event.text" sets a nested field.
func Payload(name string, fields map[string]any) json.RawMessage {
	var m map[string]any
	mustLoad(name+".json", &m)
	for k, v := range fields {
		set(m, k, v)
	}
	raw, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return raw
}

func set(m map[string]any, path string, v any) {
	for i := 0; i < len(path); i++ {
		if path[i] == '.' {
			sub, ok := m[path[:i]].(map[string]any)
			if !ok {
				sub = map[string]any{}
				m[path[:i]] = sub
			}
			set(sub, path[i+1:], v)
			return
		}
	}
	m[path] = v
}

// MessageIM is the Events API payload of a direct message from user.
func MessageIM(eventID, user, channel, text, ts string) json.RawMessage {
	return Payload("event_message_im", map[string]any{
		"team_id": Team, "event_id": eventID, "event.user": user, "event.channel": channel,
		"event.text": text, "event.ts": ts, "event.event_ts": ts,
	})
}

// MessageMPIM is the Events API payload of a message in a group DM.
func MessageMPIM(eventID, user, channel, text, ts string) json.RawMessage {
	return Payload("event_message_mpim", map[string]any{
		"team_id": Team, "event_id": eventID, "event.user": user, "event.channel": channel,
		"event.text": text, "event.ts": ts, "event.event_ts": ts,
	})
}

// AppMention is the Events API payload of a mention of the bot.
func AppMention(eventID, user, channel, text, ts string) json.RawMessage {
	return Payload("event_app_mention", map[string]any{
		"team_id": Team, "event_id": eventID, "event.user": user, "event.channel": channel,
		"event.text": text, "event.ts": ts, "event.event_ts": ts,
	})
}

// BlockAction is the interactivity payload of a click by user on button b
// of the bot's message ts in channel. A group conversation the fake opened
// (G…) is named mpdm-…, as Slack names group DMs.
func BlockAction(user, channel, ts string, b Button) json.RawMessage {
	name := "directmessage"
	if strings.HasPrefix(channel, "G") {
		name = "mpdm-" + strings.ToLower(channel) + "-1"
	}
	return Payload("block_actions", map[string]any{
		"user.id": user, "user.team_id": Team, "team.id": Team, "channel.name": name,
		"channel.id": channel, "container.channel_id": channel, "container.message_ts": ts,
		"message.ts": ts, "actions": []any{map[string]any{
			"action_id": b.ActionID, "block_id": "choices-0", "type": "button", "value": b.Value,
			"text":      map[string]any{"type": "plain_text", "text": b.Label, "emoji": true},
			"action_ts": "1700000100.000001",
		}},
	})
}

// SlashCommand is the Socket Mode payload of "/maillage text" typed by
// user in channel.
func SlashCommand(user, channel, text string) json.RawMessage {
	return Payload("slash_command", map[string]any{
		"team_id": Team, "user_id": user, "channel_id": channel, "command": "/maillage", "text": text,
		"trigger_id": fmt.Sprintf("trigger-%s-%d", user, len(text)),
	})
}

// SlashCommandForm is the same command as the Events API posts it.
func SlashCommandForm(user, channel, text string) url.Values {
	return url.Values{
		"token": {"bHKJ2n9AW6Ju3MjciOHfbA1b"}, "team_id": {Team}, "team_domain": {"territorialis"},
		"channel_id": {channel}, "channel_name": {"general"}, "user_id": {user}, "user_name": {"membre"},
		"command": {"/maillage"}, "text": {text}, "api_app_id": {"A0FAKE"},
		"response_url": {"https://hooks.slack.invalid/commands/1/2"}, "trigger_id": {"trigger-form"},
	}
}

// Click is the interactivity payload of a click by user on button b of
// the bot's post p, carrying the message as Slack does (text and blocks).
func Click(user string, p Post, b Button) json.RawMessage {
	raw := BlockAction(user, p.Channel, p.TS, b)
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		panic(err)
	}
	msg := m["message"].(map[string]any)
	msg["text"] = p.Text
	var blocks any
	if len(p.Blocks) > 0 {
		if err := json.Unmarshal(p.Blocks, &blocks); err != nil {
			panic(err)
		}
		msg["blocks"] = blocks
	}
	out, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return out
}
