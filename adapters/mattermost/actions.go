package mattermost

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/sndgct/maillage/bot"
)

// maxActionBody caps a click request: Mattermost sends well under 8 KiB.
const maxActionBody = 64 << 10

// buttonToken is what a button's context carries. Mattermost does not
// sign the calls it makes to an integration URL, so the token, signed with
// the button key (derived from the bot's access token), proves that the
// bot made the button: it binds the post (by a nonce the post holds in
// its properties), the button, the choice, the member allowed to click
// (empty in a group: any member of it) and an expiry.
type buttonToken struct {
	ActionID string
	Action   string
	Value    string
	Member   string
	Nonce    string
	Expires  int64 // Unix seconds
}

// Context keys, short to keep posts small.
const (
	ctxActionID = "i"
	ctxAction   = "a"
	ctxValue    = "v"
	ctxMember   = "m"
	ctxNonce    = "n"
	ctxExpires  = "e"
	ctxSig      = "s"
)

func (t buttonToken) mac(key []byte) []byte {
	m := hmac.New(sha256.New, key)
	for _, part := range []string{"v1", t.ActionID, t.Action, t.Value, t.Member, t.Nonce, strconv.FormatInt(t.Expires, 10)} {
		// Length-prefixed, so that no two tokens share a signed string.
		m.Write([]byte(strconv.Itoa(len(part)) + ":" + part))
	}
	return m.Sum(nil)
}

func (t buttonToken) context(key []byte) map[string]any {
	return map[string]any{
		ctxActionID: t.ActionID, ctxAction: t.Action, ctxValue: t.Value, ctxMember: t.Member,
		ctxNonce: t.Nonce, ctxExpires: strconv.FormatInt(t.Expires, 10),
		ctxSig: base64.RawURLEncoding.EncodeToString(t.mac(key)),
	}
}

// Errors of verify: errBadToken means not made by this bot (401);
// errForbidden means made by it, but not for this member or no longer (403).
var (
	errBadToken  = errors.New("button token missing or not signed by this bot")
	errForbidden = errors.New("button not for this member, or expired")
)

// verify checks a click's context, as the clicking user and at now.
func verifyToken(key []byte, ctx map[string]any, userID string, now time.Time) (buttonToken, error) {
	str := func(k string) (string, bool) {
		v, ok := ctx[k].(string)
		return v, ok
	}
	var t buttonToken
	var ok [7]bool
	var exp, sig string
	t.ActionID, ok[0] = str(ctxActionID)
	t.Action, ok[1] = str(ctxAction)
	t.Value, ok[2] = str(ctxValue)
	t.Member, ok[3] = str(ctxMember)
	t.Nonce, ok[4] = str(ctxNonce)
	exp, ok[5] = str(ctxExpires)
	sig, ok[6] = str(ctxSig)
	for _, o := range ok {
		if !o {
			return buttonToken{}, errBadToken
		}
	}
	e, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || t.Nonce == "" || t.Action == "" {
		return buttonToken{}, errBadToken
	}
	t.Expires = e
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, t.mac(key)) {
		return buttonToken{}, errBadToken
	}
	if (t.Member != "" && t.Member != userID) || !now.Before(time.Unix(t.Expires, 0)) {
		return buttonToken{}, errForbidden
	}
	return t, nil
}

// RegisterRoutes adds the button endpoint to the bot's HTTP server, and
// the slash command's when it has a token.
func (a *Adapter) RegisterRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST "+ActionsPath, a.serveAction)
	if a.opts.CommandToken != "" {
		mux.HandleFunc("POST "+CommandPath, a.serveCommand)
	}
}

// serveAction handles a button click that the Mattermost server forwards:
// it checks the token, answers at once with the post updated (the chosen
// answer replaces the buttons), and hands the choice to the core once.
func (a *Adapter) serveAction(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxActionBody))
	if err != nil {
		http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
		return
	}
	var req model.PostActionIntegrationRequest
	if err := json.Unmarshal(body, &req); err != nil || req.UserId == "" || req.PostId == "" {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	tok, err := verifyToken(a.key, req.Context, req.UserId, a.opts.Clock.Now())
	switch {
	case errors.Is(err, errBadToken):
		a.log.Warn("refused a button call with a bad token", "remote", r.RemoteAddr)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	case err != nil:
		a.log.Info("refused a button click", "reason", err.Error())
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	d := a.handler.Load()
	me := a.botUser()
	if d == nil || me == nil {
		http.Error(w, "not ready", http.StatusServiceUnavailable)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	post, resp, err := a.client.GetPost(ctx, req.PostId, "")
	if err != nil {
		if resp != nil && resp.StatusCode == http.StatusNotFound {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		a.log.Warn("button click: reading the post", "err", appErrorText(err))
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
		return
	}
	// The token must be one of this post's, a post of the bot, in the
	// channel the server says the click came from.
	if post.UserId != me.Id || post.ChannelId != req.ChannelId || post.GetProp(propNonce) != tok.Nonce {
		a.log.Warn("refused a button click bound to another post")
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	// Each member decides once per post: in a group (an introduction),
	// every member answers the same buttons.
	// The key holds a keyed hash of the member's id, not the id.
	first, err := a.opts.Store.FirstSeen(ctx, "mattermost:click:"+a.storeHash(post.Id, req.UserId), dedupTTL)
	switch {
	case errors.Is(err, bot.ErrUnavailable):
		// The core answers that the service is unavailable: a click
		// handled twice is better than one lost without a word.
		a.log.Warn("button click not deduplicated: store unavailable", "err", err)
		first = true
	case err != nil:
		a.log.Warn("button click: deduplicating", "err", err)
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
		return
	}
	ci, err := a.channel(ctx, post.ChannelId)
	if err != nil {
		a.log.Warn("button click: reading the channel", "err", err)
		ci.typ = model.ChannelTypeDirect
	}
	w.Header().Set("Content-Type", "application/json")
	if !first {
		_, _ = w.Write([]byte("{}")) // already answered (double click, second replica)
		return
	}
	// In a direct conversation the chosen answer replaces the buttons; in
	// a group the post stays as it is: the others still answer, and one
	// member's answer (« ne plus me proposer… ») is not shown to them.
	var update *model.Post
	if ci.typ == model.ChannelTypeDirect {
		update = answered(post, tok.ActionID)
	}
	_ = json.NewEncoder(w).Encode(model.PostActionIntegrationResponse{Update: update})
	// The server waits for the answer: send it before queueing the choice.
	_ = http.NewResponseController(w).Flush()

	d.put(bot.Message{
		ID:           "click:" + post.Id,
		From:         a.userRef(req.UserId),
		Conversation: a.conversation(post.ChannelId, ci.typ),
		Choice:       &bot.ChoiceEvent{Action: tok.Action, Value: tok.Value, MessageRef: post.Id},
		Locale:       a.locale(ctx, req.UserId),
		Received:     a.opts.Clock.Now(),
	})
}

// answered returns post with its buttons replaced by the chosen one's
// label, in bold after a check mark.
func answered(post *model.Post, actionID string) *model.Post {
	label := ""
	for _, att := range post.Attachments() {
		for _, act := range att.Actions {
			if act != nil && act.Id == actionID {
				label = act.Name
			}
		}
	}
	props := model.StringInterface{}
	for k, v := range post.GetProps() {
		props[k] = v
	}
	delete(props, propNonce)
	props[model.PostPropsAttachments] = []*model.SlackAttachment{{Text: "✓ **" + render(label) + "**"}}
	return &model.Post{Id: post.Id, ChannelId: post.ChannelId, Message: post.Message, Props: props}
}
