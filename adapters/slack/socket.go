package slack

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// ackTimeout bounds the wait to hand an acknowledgement to the socket
// writer; past Slack's 3 s the acknowledgement is useless anyway.
const ackTimeout = 3 * time.Second

// maxSocketPayload caps one Socket Mode frame (Slack's payloads are far
// smaller); a larger one closes the socket, which then reconnects.
const maxSocketPayload = 1 << 20

// runSocket reads Socket Mode until ctx ends. slack-go's client holds one
// WebSocket at a time: it reconnects at once on Slack's disconnect
// (refresh_requested, warning) and when pings stop, and with a backoff
// (honouring Retry-After) when apps.connections.open fails; it returns
// only when ctx ends or Slack refuses the app-level token.
func (a *Adapter) runSocket(ctx context.Context) error {
	api := slack.New(a.opts.BotToken, a.clientOptions(slack.OptionAppLevelToken(a.opts.AppToken))...)
	smc := socketmode.New(api,
		socketmode.OptionPingInterval(a.opts.PingInterval),
		socketmode.OptionReadLimit(maxSocketPayload),
		socketmode.OptionLog(slackLogger(a.log)),
	)
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- smc.RunContext(sctx) }()

	for {
		select {
		case err := <-done:
			return a.socketEnded(ctx, err)
		case evt := <-smc.Events:
			a.onSocketEvent(sctx, smc, evt)
		}
	}
}

// socketEnded turns the end of slack-go's loop into Run's result.
func (a *Adapter) socketEnded(ctx context.Context, err error) error {
	if ctx.Err() != nil || errors.Is(err, context.Canceled) {
		a.log.InfoContext(ctx, "slack socket mode stopped")
		return nil
	}
	if err == nil {
		return errors.New("slack socket mode: the connection loop ended unexpectedly")
	}
	if fatalAuth(err) {
		return fmt.Errorf("slack socket mode: %w (%v): MAILLAGE_SLACK_APP_TOKEN was refused; create a new app-level token with the connections:write scope", ErrAuth, err)
	}
	var sc slack.StatusCodeError
	if errors.As(err, &sc) && sc.Code == 404 {
		return fmt.Errorf("slack socket mode: apps.connections.open not found (check MAILLAGE_SLACK_API_URL and that Socket Mode is enabled): %w", err)
	}
	return fmt.Errorf("slack socket mode: %w", err)
}

// onSocketEvent acknowledges an envelope at once, then queues it.
func (a *Adapter) onSocketEvent(ctx context.Context, smc *socketmode.Client, evt socketmode.Event) {
	switch evt.Type {
	case socketmode.EventTypeConnecting:
		if c, ok := evt.Data.(*slack.ConnectingEvent); ok && (c.ConnectionCount > 0 || c.Attempt > 1) {
			a.log.InfoContext(ctx, "slack socket mode reconnecting", "connection", c.ConnectionCount+1, "attempt", c.Attempt)
			a.conn.Down(errors.New("socket mode reconnecting"))
		}
		return
	case socketmode.EventTypeConnected:
		a.conn.Up()
		a.log.InfoContext(ctx, "slack socket mode connected")
		return
	case socketmode.EventTypeConnectionError:
		if c, ok := evt.Data.(*slack.ConnectionErrorEvent); ok {
			a.log.WarnContext(ctx, "slack socket mode connection failed", "attempt", c.Attempt, "backoff", c.Backoff, "err", c.ErrorObj)
		}
		a.conn.Down(errors.New("socket mode connection failed"))
		return
	case socketmode.EventTypeInvalidAuth:
		a.log.ErrorContext(ctx, "slack socket mode: app-level token refused")
		a.conn.Down(errors.New("socket mode: app-level token refused"))
		return
	case socketmode.EventTypeHello:
		if evt.Request != nil {
			a.log.DebugContext(ctx, "slack socket mode hello", "connections", evt.Request.NumConnections)
		}
		return
	case socketmode.EventTypeIncomingError, socketmode.EventTypeErrorBadMessage, socketmode.EventTypeErrorWriteFailed:
		a.log.WarnContext(ctx, "slack socket mode frame error", "type", evt.Type)
		return
	}

	req := evt.Request
	if req == nil || req.EnvelopeID == "" {
		return
	}
	var kind jobKind
	switch evt.Type {
	case socketmode.EventTypeEventsAPI:
		kind = kindEvent
	case socketmode.EventTypeInteractive:
		kind = kindInteractive
	case socketmode.EventTypeSlashCommand:
		kind = kindCommand
	}
	var ackPayload any
	if cmd, ok := evt.Data.(slack.SlashCommand); ok {
		if p := a.commandAck(ctx, cmd); p != nil {
			ackPayload = p
		}
	}
	actx, cancel := context.WithTimeout(ctx, ackTimeout)
	err := smc.AckCtx(actx, req.EnvelopeID, ackPayload)
	cancel()
	if err != nil {
		a.log.WarnContext(ctx, "slack envelope not acknowledged", "envelope_id", req.EnvelopeID, "err", err)
	}
	if kind == 0 {
		return
	}
	j := job{kind: kind, payload: req.Payload, received: a.clock.Now(), via: "socket", retry: req.RetryAttempt}
	if !a.enqueue(ctx, j) {
		a.log.ErrorContext(ctx, "slack event dropped: queue full (acknowledged, Slack will not redeliver it)",
			"envelope_id", req.EnvelopeID, "kind", kind, "queue", a.queueCap())
	}
}
