package mattermost

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/sndgct/maillage/bot"
)

// A failed post tells the core whether it was refused for now (429, with
// the server's wait), refused for good, or may have gone through.
func TestPostErrClassification(t *testing.T) {
	limited := postErr(&model.Response{StatusCode: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {"7"}}},
		&model.AppError{Id: "api.context.rate_limited", StatusCode: http.StatusTooManyRequests})
	if !errors.Is(limited, bot.ErrRateLimited) || bot.RetryAfter(limited) != 7*time.Second {
		t.Errorf("429: %v (retry after %s), want ErrRateLimited after 7s", limited, bot.RetryAfter(limited))
	}
	lost := postErr(nil, context.DeadlineExceeded)
	if !errors.Is(lost, bot.ErrUnknownOutcome) {
		t.Errorf("timeout: %v, want ErrUnknownOutcome", lost)
	}
	refused := postErr(&model.Response{StatusCode: http.StatusForbidden}, &model.AppError{Id: "api.context.permissions.app_error", StatusCode: http.StatusForbidden})
	if errors.Is(refused, bot.ErrUnknownOutcome) || errors.Is(refused, bot.ErrRateLimited) {
		t.Errorf("403: %v, want a plain failure", refused)
	}
	for status, gone := range map[int]bool{http.StatusNotFound: true, http.StatusForbidden: true, http.StatusTooManyRequests: false, http.StatusInternalServerError: false, 0: false} {
		if got := channelGone(&model.Response{StatusCode: status}, &model.AppError{StatusCode: status}); got != gone {
			t.Errorf("channelGone(%d) = %v, want %v", status, got, gone)
		}
	}
	dial := postErr(nil, &net.OpError{Op: "dial", Err: errors.New("connection refused")})
	if errors.Is(dial, bot.ErrUnknownOutcome) {
		t.Errorf("dial error: %v, want a plain failure (nothing was sent)", dial)
	}
}

// A post whose answer was lost is found again (reconciliation), and a post
// never made is not.
func TestFindSent(t *testing.T) {
	h := newHarness(t, "")
	if _, err := h.a.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	conv := bot.Conversation{Platform: bot.PlatformMattermost, Workspace: h.a.Workspace(), ID: dmID, Kind: bot.Direct}
	before := time.Now()
	sent, err := h.a.Send(ctx, conv, bot.Reply{Text: "Bonjour Anne, @here le congrès [ouvre](https://x.example)."})
	if err != nil {
		t.Fatal(err)
	}
	got, found, err := h.a.FindSent(ctx, conv, before, bot.Reply{Text: "Bonjour Anne, @here le congrès [ouvre](https://x.example)."})
	if err != nil || !found || got.ID != sent.ID {
		t.Errorf("FindSent(the post) = %v, %v, %v; want found %s", got, found, err, sent.ID)
	}
	if _, found, err := h.a.FindSent(ctx, conv, before, bot.Reply{Text: "Bonjour Yann"}); err != nil || found {
		t.Errorf("FindSent(another text) = %v, %v; want not found", found, err)
	}
	// The same text posted before the attempt (beyond the clock skew) is an
	// earlier message, not the one looked for.
	later := time.Now().Add(2 * clockSkew)
	if _, found, err := h.a.FindSent(ctx, conv, later, bot.Reply{Text: "Bonjour Anne, @here le congrès [ouvre](https://x.example)."}); err != nil || found {
		t.Errorf("FindSent(an earlier post of the same text) = %v, %v; want not found", found, err)
	}
}
