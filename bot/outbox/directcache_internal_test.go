package outbox

import (
	"slices"
	"strings"
	"testing"

	"github.com/sndgct/maillage/bot"
)

// TestDmKeyFollowsDirectOrder: the cache's key is "bc:dm:" and the keyed
// RefHash, and DirectOrder sorts members as their cache keys sort (the
// broadcast engine lists recipients in that order).
func TestDmKeyFollowsDirectOrder(t *testing.T) {
	b := &Outbox{keys: bot.NewKeyHasher([]byte("a deployment's secret"))}
	refs := []bot.UserRef{
		{Platform: bot.PlatformSlack, Workspace: "T1", User: "U1"},
		{Platform: bot.PlatformSlack, Workspace: "T1", User: "U2"},
		{Platform: bot.PlatformMatrix, Workspace: "", User: "@é:x/y"},
		{Platform: bot.PlatformMattermost, Workspace: "w", User: "abc"},
		{},
	}
	for _, ref := range refs {
		if got, want := b.dmKey(ref), "bc:dm:"+b.RefHash(ref); got != want {
			t.Errorf("dmKey(%v) = %q, want %q", ref, got, want)
		}
		if strings.Contains(b.dmKey(ref), ref.User) && ref.User != "" {
			t.Errorf("dmKey(%v) holds the user id", ref)
		}
	}
	byOrder := slices.Clone(refs)
	slices.SortFunc(byOrder, func(x, y bot.UserRef) int { return strings.Compare(b.DirectOrder(x), b.DirectOrder(y)) })
	byKey := slices.Clone(refs)
	slices.SortFunc(byKey, func(x, y bot.UserRef) int { return strings.Compare(b.dmKey(x), b.dmKey(y)) })
	if !slices.Equal(byOrder, byKey) {
		t.Errorf("DirectOrder sorts %v, the keys sort %v", byOrder, byKey)
	}
}
