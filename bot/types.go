// Package bot is Maillage's domain: the types (members, messages, replies,
// rounds, broadcasts…), the ports the core consumes (ChatAdapter and its
// optional capabilities, Store and its narrow sub-ports, Directory, Clock,
// Observer) with their error contracts, and the settings. It imports no
// chat platform, storage or config package: cmd/maillage turns the config
// into Settings and picks the adapters; the runtime is bot/core and each
// feature a package of its own (docs/ARCHITECTURE.md).
package bot

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Platform names a chat platform. Adapters use these constants.
type Platform string

// Known platforms.
const (
	PlatformTerminal   Platform = "terminal"
	PlatformSlack      Platform = "slack"
	PlatformMattermost Platform = "mattermost"
	// PlatformMatrix covers every Matrix homeserver, Tchap included.
	PlatformMatrix Platform = "matrix"
)

// UserRef identifies a person: (platform, workspace, user id). It never uses a
// display name, which people can change.
type UserRef struct {
	Platform  Platform `json:"platform"`
	Workspace string   `json:"workspace"`
	User      string   `json:"user"`
}

// String returns "platform/workspace/user", the form used in keys and logs.
func (u UserRef) String() string {
	return string(u.Platform) + "/" + u.Workspace + "/" + u.User
}

// Key encodes u without ambiguity, as three length-prefixed parts
// "<len>:<platform><len>:<workspace><len>:<user>" (lengths in bytes):
// unlike String, two distinct references never share a Key, whatever
// characters their parts hold. Stores use it as the record key.
func (u UserRef) Key() string {
	var b strings.Builder
	for _, part := range []string{string(u.Platform), u.Workspace, u.User} {
		b.WriteString(strconv.Itoa(len(part)))
		b.WriteByte(':')
		b.WriteString(part)
	}
	return b.String()
}

// IsZero reports whether u is the zero reference.
func (u UserRef) IsZero() bool { return u == UserRef{} }

// Valid reports an error when a part of the reference is missing.
func (u UserRef) Valid() error {
	switch {
	case u.Platform == "":
		return fmt.Errorf("user reference %q: missing platform", u.String())
	case u.User == "":
		return fmt.Errorf("user reference %q: missing user id", u.String())
	}
	return nil
}

// ConversationKind tells a direct message from a group or a channel.
type ConversationKind int

// Conversation kinds.
const (
	// Direct is a one-to-one conversation between the bot and a member.
	Direct ConversationKind = iota + 1
	// Group is a private conversation between the bot and several members.
	Group
	// Channel is a named, possibly public, channel.
	Channel
)

func (k ConversationKind) String() string {
	switch k {
	case Direct:
		return "direct"
	case Group:
		return "group"
	case Channel:
		return "channel"
	}
	return "unknown"
}

// Conversation is where a message was said or is to be sent.
type Conversation struct {
	Platform  Platform         `json:"platform"`
	Workspace string           `json:"workspace"`
	ID        string           `json:"id"`
	Kind      ConversationKind `json:"kind"`
}

// Message is one incoming event, already acknowledged by the adapter: either
// a text message or a choice (a button click, a numbered answer).
type Message struct {
	// ID is the platform's id for the event, with which adapters drop
	// redeliveries (Store.FirstSeen); the terminal numbers its lines.
	ID           string
	From         UserRef
	Conversation Conversation
	// Text is the message as typed. Empty when Choice is set.
	Text string
	// Choice is set when the member picked one of the choices of an
	// earlier reply.
	Choice *ChoiceEvent
	// Mention is true when the bot was explicitly mentioned (in a channel).
	Mention bool
	// Locale is the platform's locale for the user, when known ("fr-FR").
	Locale string
	// Received is when the adapter received the event.
	Received time.Time
}

// ChoiceEvent is the member's pick among the choices of a reply.
type ChoiceEvent struct {
	// Action is the Choice.Action of the picked choice.
	Action string
	// Value is the Choice.Value of the picked choice.
	Value string
	// MessageRef is the platform id of the message that carried the choice,
	// when known.
	MessageRef string
}

// Reply is what the core answers or sends.
//
// Text uses a small markdown subset that every adapter renders: *bold*,
// _italic_, `code`, lines starting with "- " as bullets, and blank lines
// between paragraphs. Nothing else is interpreted; adapters escape the rest
// (mentions such as @channel or <!here> never become live).
type Reply struct {
	Text    string
	Choices []Choice
}

// Choice is one button (or numbered option in the terminal).
type Choice struct {
	// Action says what the choice does (an opaque route such as
	// "lang.set"); Value its argument ("en"). Together at most 200 bytes.
	Action string
	Value  string
	// Label is shown to the member, already translated.
	Label string
	// Style is a hint: "" (default), "primary" or "danger".
	Style string
}

// SentMessage identifies a message the adapter posted.
type SentMessage struct {
	Conversation Conversation
	// ID is the platform's message id (Slack ts, Mattermost post id).
	ID string
}
