package slack

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
)

// signatureWindow is how far a request's timestamp may be from the clock,
// either way.
const signatureWindow = 5 * time.Minute

// RegisterRoutes adds the Events API routes to the bot's HTTP server when a
// signing secret is set: POST /slack/events (Events API),
// /slack/interactive (buttons) and /slack/commands (/maillage).
func (a *Adapter) RegisterRoutes(mux *http.ServeMux) {
	if a.opts.SigningSecret == "" {
		return
	}
	mux.HandleFunc("POST /slack/events", a.serveEvents)
	mux.HandleFunc("POST /slack/interactive", a.serveInteractive)
	mux.HandleFunc("POST /slack/commands", a.serveCommand)
}

// errStale is returned for a timestamp outside the signature window.
var errStale = errors.New("request timestamp outside the five-minute window")

// verify reads the body (at most MaxBodyBytes) and checks Slack's signature
// on it, and that its timestamp is within five minutes of the clock either
// way. It answers the request itself when it fails (413 for a body too
// large, 401 otherwise) and then returns nil.
func (a *Adapter) verify(w http.ResponseWriter, r *http.Request) []byte {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, a.opts.MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			a.log.WarnContext(r.Context(), "slack request refused: body too large", "path", r.URL.Path, "limit", a.opts.MaxBodyBytes)
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return nil
		}
		http.Error(w, "cannot read the request body", http.StatusBadRequest)
		return nil
	}
	if err := a.checkSignature(r.Header, body); err != nil {
		a.log.WarnContext(r.Context(), "slack request refused: bad signature", "path", r.URL.Path, "err", err)
		http.Error(w, "invalid signature", http.StatusUnauthorized)
		return nil
	}
	return body
}

// checkSignature checks the X-Slack-Signature of body with slack-go's
// SecretsVerifier, after checking X-Slack-Request-Timestamp against the
// adapter's clock.
func (a *Adapter) checkSignature(h http.Header, body []byte) error {
	ts, err := strconv.ParseInt(h.Get("X-Slack-Request-Timestamp"), 10, 64)
	if err != nil {
		return slack.ErrMissingHeaders
	}
	if d := a.clock.Now().Sub(time.Unix(ts, 0)); d > signatureWindow || d < -signatureWindow {
		return errStale
	}
	sv, err := slack.NewSecretsVerifier(h, a.opts.SigningSecret)
	if err != nil {
		return err
	}
	if _, err := sv.Write(body); err != nil {
		return err
	}
	return sv.Ensure()
}

// accept queues j and answers 200, or 503 when the queue stays full (Slack
// then retries: nothing is lost).
func (a *Adapter) accept(w http.ResponseWriter, r *http.Request, j job) {
	if !a.enqueue(r.Context(), j) {
		a.refuseBusy(w, r, j.kind)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// refuseBusy answers 503 when the queue stays full.
func (a *Adapter) refuseBusy(w http.ResponseWriter, r *http.Request, kind jobKind) {
	a.log.ErrorContext(r.Context(), "slack request refused: queue full (Slack will retry)", "kind", kind, "queue", a.queueCap())
	w.Header().Set("Retry-After", "10")
	http.Error(w, "busy, retry later", http.StatusServiceUnavailable)
}

func (a *Adapter) newJob(r *http.Request, kind jobKind, payload []byte) job {
	retry, _ := strconv.Atoi(r.Header.Get("X-Slack-Retry-Num"))
	return job{kind: kind, payload: payload, received: a.clock.Now(), via: "http", retry: retry}
}

func (a *Adapter) serveEvents(w http.ResponseWriter, r *http.Request) {
	body := a.verify(w, r)
	if body == nil {
		return
	}
	var outer struct {
		Type      string `json:"type"`
		Challenge string `json:"challenge"`
	}
	if err := json.Unmarshal(body, &outer); err != nil {
		http.Error(w, "invalid JSON", http.StatusBadRequest)
		return
	}
	switch outer.Type {
	case slackevents.URLVerification:
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"challenge": outer.Challenge})
	case slackevents.CallbackEvent:
		a.accept(w, r, a.newJob(r, kindEvent, body))
	default:
		// app_rate_limited and other notices: nothing to do.
		a.log.InfoContext(r.Context(), "slack events api notice", "type", outer.Type)
		w.WriteHeader(http.StatusOK)
	}
}

func (a *Adapter) serveInteractive(w http.ResponseWriter, r *http.Request) {
	body := a.verify(w, r)
	if body == nil {
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil || form.Get("payload") == "" {
		http.Error(w, "missing payload", http.StatusBadRequest)
		return
	}
	a.accept(w, r, a.newJob(r, kindInteractive, []byte(form.Get("payload"))))
}

func (a *Adapter) serveCommand(w http.ResponseWriter, r *http.Request) {
	body := a.verify(w, r)
	if body == nil {
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	cmd, err := slack.SlashCommandParse(r)
	if err != nil {
		http.Error(w, "invalid form", http.StatusBadRequest)
		return
	}
	payload, err := json.Marshal(cmd)
	if err != nil {
		http.Error(w, "invalid command", http.StatusBadRequest)
		return
	}
	// The reply comes in the member's direct conversation with the bot;
	// the answer to this request may say so, to the member alone.
	if !a.enqueue(r.Context(), a.newJob(r, kindCommand, payload)) {
		a.refuseBusy(w, r, kindCommand)
		return
	}
	if ack := a.commandAck(r.Context(), cmd); ack != nil {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(ack)
		return
	}
	w.WriteHeader(http.StatusOK)
}
