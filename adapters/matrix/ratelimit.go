package matrix

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Limits of the 429 handling: a call is retried as long as the homeserver
// asks, up to maxRetries429 times and maxWait429 of waiting in all (a call
// that would wait longer fails, and the core holds the delivery): a storm
// of short refusals, as homeservers send under load, loses no reply.
const (
	maxRetries429 = 40
	maxWait429    = 2 * time.Minute
)

// rateLimited retries a request answered 429 M_LIMIT_EXCEEDED after the
// delay the homeserver asks for: retry_after_ms in the body (Dendrite,
// Synapse), else a Retry-After header, else one second. A 429 means the
// server did not process the request, so sending it again (same
// transaction id for a message) can neither lose nor double it.
type rateLimited struct {
	next  http.RoundTripper
	after func(time.Duration) <-chan time.Time
	log   *slog.Logger
}

func (t *rateLimited) RoundTrip(req *http.Request) (*http.Response, error) {
	waited := time.Duration(0)
	for attempt := 0; ; attempt++ {
		resp, err := t.next.RoundTrip(req)
		if err != nil || resp.StatusCode != http.StatusTooManyRequests || attempt == maxRetries429 {
			return resp, err
		}
		raw, rerr := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		_ = resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(raw))
		if rerr != nil {
			return resp, nil
		}
		wait := retryDelay(resp.Header, raw)
		if waited+wait > maxWait429 || (req.Body != nil && req.Body != http.NoBody && req.GetBody == nil) {
			return resp, nil
		}
		next := req.Clone(req.Context())
		if req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			next.Body = body
		}
		req = next
		t.log.Warn("rate limited by the homeserver, waiting", "path", redactPath(req.URL.Path), "wait", wait)
		select {
		case <-req.Context().Done():
			return nil, req.Context().Err()
		case <-t.after(wait):
		}
		waited += wait
	}
}

// retryDelay reads how long a 429 asks to wait.
func retryDelay(h http.Header, body []byte) time.Duration {
	var e struct {
		ErrCode      string `json:"errcode"`
		RetryAfterMS *int64 `json:"retry_after_ms"`
	}
	if json.Unmarshal(body, &e) == nil && e.RetryAfterMS != nil && *e.RetryAfterMS >= 0 {
		return time.Duration(*e.RetryAfterMS) * time.Millisecond
	}
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if s, err := strconv.Atoi(v); err == nil && s >= 0 {
			return time.Duration(s) * time.Second
		}
	}
	return time.Second
}

// redactPath keeps the shape of a client-server API path for the logs,
// without room or user ids.
func redactPath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if strings.ContainsAny(s, "!@:%$") {
			parts[i] = "…"
		}
	}
	return strings.Join(parts, "/")
}

func msDuration(ms int) time.Duration { return time.Duration(ms) * time.Millisecond }
