package mattermost

import (
	"context"
	"crypto/subtle"
	"net/http"
	"strings"
	"time"

	"github.com/sndgct/maillage/bot"
)

// CommandPath receives the optional slash command (/maillage), when
// Options.CommandToken is set.
const CommandPath = "/mattermost/command"

// serveCommand handles the slash command: Mattermost sends it with the
// command's own verification token. It answers at once with nothing
// shown in the channel, and the core answers in the member's direct
// channel with the bot, so that nothing personal lands in a channel.
// An empty command asks for help.
func (a *Adapter) serveCommand(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxActionBody)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	token := r.PostForm.Get("token")
	if h := r.Header.Get("Authorization"); token == "" && strings.HasPrefix(h, "Token ") {
		token = strings.TrimPrefix(h, "Token ")
	}
	if subtle.ConstantTimeCompare([]byte(token), []byte(a.opts.CommandToken)) != 1 {
		a.log.Warn("refused a slash command with a bad token", "remote", r.RemoteAddr)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	userID := r.PostForm.Get("user_id")
	d := a.handler.Load()
	if userID == "" || d == nil || a.botUser() == nil {
		http.Error(w, "not ready", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"response_type":"ephemeral","text":""}`))
	_ = http.NewResponseController(w).Flush()

	text := strings.TrimSpace(r.PostForm.Get("text"))
	if text == "" {
		text = "help"
	}
	user := a.userRef(userID)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 10*time.Second)
	defer cancel()
	conv, err := a.OpenDirect(ctx, user)
	if err != nil {
		a.log.Warn("slash command: opening the direct channel", "err", err)
		return
	}
	d.put(bot.Message{
		ID:           "command:" + r.PostForm.Get("trigger_id"),
		From:         user,
		Conversation: conv,
		Text:         text,
		Locale:       a.locale(ctx, userID),
		Received:     a.opts.Clock.Now(),
	})
}
