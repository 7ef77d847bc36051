package mattermost

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/sndgct/maillage/bot"
)

// directCalls counts the calls that create (or find) a direct channel.
func (fs *fakeServer) directCalls() int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	n := 0
	for _, r := range fs.requests {
		if r == "POST /api/v4/channels/direct" {
			n++
		}
	}
	return n
}

// A member's direct channel is asked of the server once: the second
// message (a broadcast's, a reminder's), on this replica or another, finds
// it in the store; its id is in the member's export and their erasure
// removes it, after which the server is asked again.
func TestDirectChannelCached(t *testing.T) {
	h := newHarness(t, "")
	ctx := context.Background()
	alice := bot.UserRef{Platform: bot.PlatformMattermost, Workspace: h.a.Workspace(), User: aliceID}
	if _, err := h.a.OpenDirect(ctx, alice); err == nil || !strings.Contains(err.Error(), "not started") {
		t.Errorf("OpenDirect before Check: %v", err)
	}
	if _, err := h.a.Check(ctx); err != nil {
		t.Fatal(err)
	}
	if c, ok := h.a.CachedDirect(ctx, alice); ok {
		t.Fatalf("CachedDirect before any OpenDirect = %+v", c)
	}
	if got, err := h.a.ExportUser(ctx, alice); err != nil || got != nil {
		t.Errorf("ExportUser(nothing kept) = %v, %v; want nil", got, err)
	}
	want := bot.Conversation{Platform: bot.PlatformMattermost, Workspace: h.a.Workspace(), ID: dmID, Kind: bot.Direct}
	for i := range 2 {
		conv, err := h.a.OpenDirect(ctx, alice)
		if err != nil || conv != want {
			t.Fatalf("OpenDirect #%d = %+v, %v; want %+v", i+1, conv, err, want)
		}
		if _, err := h.a.Send(ctx, conv, bot.Reply{Text: "Annonce"}); err != nil {
			t.Fatal(err)
		}
	}
	if n := h.fs.directCalls(); n != 1 {
		t.Errorf("%d calls to create the direct channel for two messages, want 1", n)
	}
	other := h.replica(t)
	if _, err := other.a.Check(ctx); err != nil {
		t.Fatal(err)
	}
	if c, ok := other.a.CachedDirect(ctx, alice); !ok || c != want {
		t.Errorf("another replica's CachedDirect = %+v, %v; want %+v", c, ok, want)
	}
	if conv, err := other.a.OpenDirect(ctx, alice); err != nil || conv != want || h.fs.directCalls() != 1 {
		t.Errorf("another replica's OpenDirect = %+v, %v after %d calls; want the cached channel, no call", conv, err, h.fs.directCalls())
	}

	// No user id in the store's keys: only a keyed hash.
	if key := h.a.dmKey(alice); strings.Contains(key, aliceID) || !strings.HasPrefix(key, "mattermost:dm:") {
		t.Errorf("cache key %q", key)
	}

	got, err := h.a.ExportUser(ctx, alice)
	if wantExport := map[string]string{"direct_channel": dmID}; err != nil || !reflect.DeepEqual(got, wantExport) {
		t.Errorf("ExportUser = %v, %v; want %v", got, err, wantExport)
	}
	if err := h.a.ForgetUser(ctx, alice); err != nil {
		t.Fatal(err)
	}
	if got, err := h.a.ExportUser(ctx, alice); err != nil || got != nil {
		t.Errorf("ExportUser after ForgetUser = %v, %v; want nil", got, err)
	}
	if c, ok := other.a.CachedDirect(ctx, alice); ok {
		t.Errorf("the cache survived the erasure on another replica: %+v", c)
	}
	if err := h.a.ForgetUser(ctx, alice); err != nil {
		t.Errorf("ForgetUser with nothing kept: %v", err)
	}
	if _, err := h.a.OpenDirect(ctx, alice); err != nil || h.fs.directCalls() != 2 {
		t.Errorf("OpenDirect after the erasure: %v, %d calls; want the server asked again", err, h.fs.directCalls())
	}

	// A failed creation caches nothing; a user of another platform is refused.
	bob := bot.UserRef{Platform: bot.PlatformMattermost, Workspace: h.a.Workspace(), User: "bobbobbobbobbobbobbobbobbo"}
	if _, err := h.a.OpenDirect(ctx, bob); err == nil {
		t.Error("OpenDirect with a user the server refuses succeeded")
	}
	if c, ok := h.a.CachedDirect(ctx, bob); ok {
		t.Errorf("a refused channel was cached: %+v", c)
	}
	slackUser := bot.UserRef{Platform: bot.PlatformSlack, Workspace: "T1", User: "U1"}
	if _, err := h.a.OpenDirect(ctx, slackUser); !errors.Is(err, bot.ErrInvalid) {
		t.Errorf("OpenDirect(slack user) = %v, want ErrInvalid", err)
	}
	if _, ok := h.a.CachedDirect(ctx, slackUser); ok {
		t.Error("CachedDirect(slack user) found something")
	}
}
