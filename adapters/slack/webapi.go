package slack

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"time"

	"github.com/slack-go/slack"
	"github.com/sndgct/maillage/bot"
)

// dmCacheTTL is how long a direct conversation id stays cached.
const dmCacheTTL = 30 * 24 * time.Hour

// Group conversations (mpim) hold 2 to 8 people besides the bot.
const (
	minGroup = 2
	maxGroup = 8
)

// rateKey is the store key holding until when method is rate limited.
func rateKey(method string) string { return "slack:ratelimit:" + method }

// call runs fn, the Web API method named method, honouring the 429
// answers Slack gave to any replica: while the method is blocked, call
// waits when the block ends within MaxRateWait and otherwise fails with
// ErrRateLimited. A 429 answer blocks the method for every replica. When
// retrySafe (the request was certainly not carried out on a 429), call
// retries once after a wait within MaxRateWait.
func (a *Adapter) call(ctx context.Context, method string, retrySafe bool, fn func(ctx context.Context) error) error {
	for attempt := 0; ; attempt++ {
		if err := a.waitRateLimit(ctx, method); err != nil {
			return err
		}
		err := fn(ctx)
		var rl *slack.RateLimitedError
		if !errors.As(err, &rl) {
			return err
		}
		wait := max(rl.RetryAfter, time.Second)
		until := a.clock.Now().Add(wait)
		perr := a.store.PutValue(ctx, rateKey(method), []byte(until.UTC().Format(time.RFC3339Nano)), wait+time.Second)
		if perr != nil {
			a.log.WarnContext(ctx, "slack rate limit not shared with the other replicas", "method", method, "err", perr)
		}
		a.log.WarnContext(ctx, "slack rate limited", "method", method, "retry_after", wait)
		if !retrySafe || attempt > 0 || wait > a.opts.MaxRateWait {
			return fmt.Errorf("slack %s: %w: %w", method, ErrRateLimited, &bot.RateLimitError{RetryAfter: wait})
		}
		if perr != nil {
			// waitRateLimit will not find the block: wait here.
			if err := a.sleep(ctx, wait); err != nil {
				return fmt.Errorf("slack %s: waiting for the rate limit: %w", method, err)
			}
		}
	}
}

// waitRateLimit waits for, or refuses, a method another call (here or on
// another replica) found rate limited.
func (a *Adapter) waitRateLimit(ctx context.Context, method string) error {
	v, err := a.store.Value(ctx, rateKey(method))
	switch {
	case errors.Is(err, bot.ErrNotFound):
		return nil
	case err != nil:
		// The store is down: calling Slack is still the best we can do.
		a.log.DebugContext(ctx, "slack rate limit unknown", "method", method, "err", err)
		return nil
	}
	until, err := time.Parse(time.RFC3339Nano, string(v))
	if err != nil {
		return nil
	}
	wait := until.Sub(a.clock.Now())
	switch {
	case wait <= 0:
		return nil
	case wait > a.opts.MaxRateWait:
		return fmt.Errorf("slack %s: %w: %w", method, ErrRateLimited, &bot.RateLimitError{RetryAfter: wait.Round(time.Second)})
	}
	if err := a.sleep(ctx, wait); err != nil {
		return fmt.Errorf("slack %s: waiting for the rate limit: %w", method, err)
	}
	return nil
}

// outcomeKnown reports whether a failed request certainly did nothing:
// Slack answered with an error, a 4xx status or a 429.
func outcomeKnown(err error) bool {
	var (
		se slack.SlackErrorResponse
		rl *slack.RateLimitedError
		sc slack.StatusCodeError
	)
	switch {
	case errors.As(err, &se), errors.As(err, &rl):
		return true
	case errors.As(err, &sc):
		return sc.Code >= 400 && sc.Code < 500
	}
	var dnsErr *net.DNSError
	var opErr *net.OpError
	if errors.As(err, &dnsErr) || (errors.As(err, &opErr) && opErr.Op == "dial") {
		return true // never reached Slack
	}
	return false
}

func (a *Adapter) checkConversation(conv bot.Conversation) error {
	if conv.Platform != bot.PlatformSlack || conv.ID == "" {
		return fmt.Errorf("slack: conversation %s/%s is not a Slack conversation", conv.Platform, conv.ID)
	}
	return nil
}

// msgOptions are the options of every post and update: text and blocks,
// no link_names, no parse=full (slack-go sets neither unless asked).
func msgOptions(m rendered) []slack.MsgOption {
	opts := []slack.MsgOption{slack.MsgOptionText(m.Text, false)}
	if len(m.Blocks) > 0 {
		opts = append(opts, slack.MsgOptionBlocks(m.Blocks...))
	}
	return opts
}

// Send posts r to conv, in several messages when it is too long for one;
// it returns the last one (which carries the buttons). A post that timed
// out is not retried: the error wraps ErrUnknownOutcome.
func (a *Adapter) Send(ctx context.Context, conv bot.Conversation, r bot.Reply) (bot.SentMessage, error) {
	if err := a.checkConversation(conv); err != nil {
		return bot.SentMessage{}, err
	}
	msgs, err := render(r)
	if err != nil {
		return bot.SentMessage{}, fmt.Errorf("slack send: %w", err)
	}
	var sent bot.SentMessage
	for _, m := range msgs {
		if m.Text == "" && len(m.Blocks) == 0 {
			return bot.SentMessage{}, errors.New("slack send: empty reply")
		}
		var ts string
		err := a.call(ctx, "chat.postMessage", true, func(ctx context.Context) error {
			var err error
			_, ts, err = a.api.PostMessageContext(ctx, conv.ID, msgOptions(m)...)
			return err
		})
		if err != nil {
			if !outcomeKnown(err) {
				return sent, fmt.Errorf("slack chat.postMessage: %w: %w", ErrUnknownOutcome, err)
			}
			if sent.ID == "" && conversationGone(err) {
				return sent, fmt.Errorf("slack chat.postMessage: %w: %w", bot.ErrConversationGone, err)
			}
			return sent, fmt.Errorf("slack chat.postMessage: %w", err)
		}
		sent = bot.SentMessage{Conversation: conv, ID: ts}
	}
	return sent, nil
}

// Update replaces the message msg with r (chat.update). A reply too long
// for one message replaces msg with its first part and posts the rest.
func (a *Adapter) Update(ctx context.Context, msg bot.SentMessage, r bot.Reply) error {
	if err := a.checkConversation(msg.Conversation); err != nil {
		return err
	}
	msgs, err := render(r)
	if err != nil {
		return fmt.Errorf("slack update: %w", err)
	}
	// An update is idempotent: retrying it after a 429 is safe.
	err = a.call(ctx, "chat.update", true, func(ctx context.Context) error {
		_, _, _, err := a.api.UpdateMessageContext(ctx, msg.Conversation.ID, msg.ID, msgOptions(msgs[0])...)
		return err
	})
	if err != nil {
		return fmt.Errorf("slack chat.update: %w", err)
	}
	if len(msgs) > 1 {
		for _, m := range msgs[1:] {
			err := a.call(ctx, "chat.postMessage", true, func(ctx context.Context) error {
				_, _, err := a.api.PostMessageContext(ctx, msg.Conversation.ID, msgOptions(m)...)
				return err
			})
			if err != nil {
				return fmt.Errorf("slack chat.postMessage: %w", err)
			}
		}
	}
	return nil
}

// checkUser verifies that ref is a user of this workspace.
func (a *Adapter) checkUser(ref bot.UserRef) error {
	team, _, _ := a.identity()
	if ref.Platform != bot.PlatformSlack || ref.User == "" {
		return fmt.Errorf("slack: %w: not a Slack user reference", bot.ErrInvalid)
	}
	if team != "" && ref.Workspace != "" && ref.Workspace != team {
		return fmt.Errorf("slack: %w: user of another workspace (%s, the bot is installed in %s)", bot.ErrInvalid, ref.Workspace, team)
	}
	return nil
}

// OpenDirect opens (or finds) the direct conversation with user. Its id is
// cached in the store for 30 days, keyed by a hash of the reference.
func (a *Adapter) OpenDirect(ctx context.Context, user bot.UserRef) (bot.Conversation, error) {
	if err := a.checkUser(user); err != nil {
		return bot.Conversation{}, err
	}
	conv := bot.Conversation{Platform: bot.PlatformSlack, Workspace: user.Workspace, Kind: bot.Direct}
	if c, ok := a.CachedDirect(ctx, user); ok {
		return c, nil
	}
	key := "slack:dm:" + a.hashKey(user.Key())
	id, err := a.openConversation(ctx, []string{user.User})
	if err != nil {
		return bot.Conversation{}, err
	}
	if err := a.store.PutValue(ctx, key, []byte(id), dmCacheTTL); err != nil {
		a.log.WarnContext(ctx, "slack direct conversation not cached", "err", err)
	}
	conv.ID = id
	return conv, nil
}

// conversationGone reports Slack's refusals of a post because the
// conversation no longer exists or is closed to posts.
func conversationGone(err error) bool {
	var se slack.SlackErrorResponse
	return errors.As(err, &se) && (se.Err == "channel_not_found" || se.Err == "is_archived")
}

// ForgetDirect drops the cached direct conversation with user
// (bot.DirectForgetter): the next OpenDirect asks Slack again.
func (a *Adapter) ForgetDirect(ctx context.Context, user bot.UserRef) error {
	dmKey, _ := a.userKeys(user)
	if err := a.store.DeleteValue(ctx, dmKey); err != nil {
		return fmt.Errorf("slack forget direct conversation: %w", err)
	}
	return nil
}

// OpenGroup opens (or finds) the group conversation (mpim) of the bot and
// members: 2 to 8 distinct people, else bot.ErrGroupSize.
func (a *Adapter) OpenGroup(ctx context.Context, members []bot.UserRef) (bot.Conversation, error) {
	var ids []string
	workspace := ""
	for _, m := range members {
		if err := a.checkUser(m); err != nil {
			return bot.Conversation{}, err
		}
		if !slices.Contains(ids, m.User) {
			ids = append(ids, m.User)
		}
		workspace = m.Workspace
	}
	if len(ids) < minGroup || len(ids) > maxGroup {
		return bot.Conversation{}, fmt.Errorf("slack: %d people: %w (Slack group conversations hold %d to %d)", len(ids), bot.ErrGroupSize, minGroup, maxGroup)
	}
	id, err := a.openConversation(ctx, ids)
	if err != nil {
		return bot.Conversation{}, err
	}
	return bot.Conversation{Platform: bot.PlatformSlack, Workspace: workspace, ID: id, Kind: bot.Group}, nil
}

func (a *Adapter) openConversation(ctx context.Context, users []string) (string, error) {
	var ch *slack.Channel
	err := a.call(ctx, "conversations.open", true, func(ctx context.Context) error {
		var err error
		ch, _, _, err = a.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: users})
		return err
	})
	if err != nil {
		return "", fmt.Errorf("slack conversations.open: %w", err)
	}
	if ch == nil || ch.ID == "" {
		return "", errors.New("slack conversations.open: no channel in the answer")
	}
	return ch.ID, nil
}

// Profile returns what Slack says of user (users.info): display name,
// e-mail when the app has users:read.email, locale and time zone. The
// locale is cached for a day for incoming messages.
func (a *Adapter) Profile(ctx context.Context, user bot.UserRef) (bot.PlatformProfile, error) {
	if err := a.checkUser(user); err != nil {
		return bot.PlatformProfile{}, err
	}
	var u *slack.User
	err := a.call(ctx, "users.info", true, func(ctx context.Context) error {
		var err error
		u, err = a.api.GetUserInfoContext(ctx, user.User)
		return err
	})
	if err != nil {
		var se slack.SlackErrorResponse
		if errors.As(err, &se) && se.Err == "user_not_found" {
			return bot.PlatformProfile{}, fmt.Errorf("slack users.info: %w", bot.ErrNotFound)
		}
		return bot.PlatformProfile{}, fmt.Errorf("slack users.info: %w", err)
	}
	p := bot.PlatformProfile{
		DisplayName: firstNonEmpty(u.Profile.DisplayName, u.Profile.RealName, u.RealName, u.Name),
		Email:       u.Profile.Email,
		Locale:      u.Locale,
		TimeZone:    u.TZ,
	}
	// Cached even when empty: a member without a locale is not asked
	// again on every message.
	key := "slack:locale:" + a.hashKey(user.Key())
	if err := a.store.PutValue(ctx, key, []byte(p.Locale), localeTTL); err != nil {
		a.log.DebugContext(ctx, "slack locale not cached", "err", err)
	}
	return p, nil
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// userKeys are the store keys of what the adapter keeps about user.
func (a *Adapter) userKeys(user bot.UserRef) (dm, locale string) {
	h := a.hashKey(user.Key())
	return "slack:dm:" + h, "slack:locale:" + h
}

// ExportUser returns what the adapter keeps about user (bot.PlatformData):
// the id of their direct conversation with the bot and their Slack locale,
// when cached; nil when nothing is.
func (a *Adapter) ExportUser(ctx context.Context, user bot.UserRef) (any, error) {
	dmKey, localeKey := a.userKeys(user)
	out := map[string]string{}
	for name, key := range map[string]string{"direct_conversation": dmKey, "slack_locale": localeKey} {
		v, err := a.store.Value(ctx, key)
		switch {
		case errors.Is(err, bot.ErrNotFound):
		case err != nil:
			return nil, fmt.Errorf("slack export: %w", err)
		case len(v) > 0:
			out[name] = string(v)
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// ForgetUser deletes what the adapter keeps about user (bot.PlatformData),
// for a member who erases their data. Click records expire by themselves
// and hold no readable user id.
func (a *Adapter) ForgetUser(ctx context.Context, user bot.UserRef) error {
	dmKey, localeKey := a.userKeys(user)
	for _, key := range []string{dmKey, localeKey} {
		if err := a.store.DeleteValue(ctx, key); err != nil {
			return fmt.Errorf("slack forget: %w", err)
		}
	}
	return nil
}
