package mattermost

import (
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Limits of the 429 handling: a few retries, never a long wait (a call
// that would wait longer fails, and the core logs it).
const (
	maxRetries429 = 3
	maxWait429    = 60 * time.Second
)

// rateLimited retries a request answered 429 Too Many Requests after the
// delay the server asks for (Retry-After, else X-RateLimit-Reset), which
// is safe: a 429 means the server did not process the request.
type rateLimited struct {
	next  http.RoundTripper
	after func(time.Duration) <-chan time.Time
	now   func() time.Time
	log   *slog.Logger
}

func (t *rateLimited) RoundTrip(req *http.Request) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		resp, err := t.next.RoundTrip(req)
		if err != nil || resp.StatusCode != http.StatusTooManyRequests || attempt == maxRetries429 {
			return resp, err
		}
		wait := retryDelay(resp.Header, t.clock())
		if wait > maxWait429 || (req.Body != nil && req.Body != http.NoBody && req.GetBody == nil) {
			return resp, nil
		}
		_ = resp.Body.Close()
		next := req.Clone(req.Context())
		if req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			next.Body = body
		}
		req = next
		t.log.Warn("rate limited by the server, waiting", "path", req.URL.Path, "wait", wait)
		select {
		case <-req.Context().Done():
			return nil, req.Context().Err()
		case <-t.after(wait):
		}
	}
}

func (t *rateLimited) clock() time.Time {
	if t.now != nil {
		return t.now()
	}
	return time.Now()
}

// retryDelay reads how long to wait: Retry-After (seconds or an HTTP
// date), else X-RateLimit-Reset (seconds until the window resets, as
// Mattermost sends it, or a Unix time), else one second.
func retryDelay(h http.Header, now time.Time) time.Duration {
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if s, err := strconv.Atoi(v); err == nil && s >= 0 {
			return time.Duration(s) * time.Second
		}
		if t, err := http.ParseTime(v); err == nil {
			return max(t.Sub(now), 0)
		}
	}
	if v := strings.TrimSpace(h.Get("X-RateLimit-Reset")); v != "" {
		if s, err := strconv.ParseInt(v, 10, 64); err == nil && s >= 0 {
			if s > 1_000_000_000 { // a Unix time
				return max(time.Unix(s, 0).Sub(now), 0)
			}
			return time.Duration(s) * time.Second
		}
	}
	return time.Second
}
