package outbox

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/sndgct/maillage/bot"
)

// TestDmKeyUnchanged: the cache's keys stay what they were (conversations
// cached by an earlier version are found), "bc:dm:" and RefHash.
func TestDmKeyUnchanged(t *testing.T) {
	for _, ref := range []bot.UserRef{
		{Platform: bot.PlatformSlack, Workspace: "T1", User: "U1"},
		{Platform: bot.PlatformMatrix, Workspace: "", User: "@é:x/y"},
		{},
	} {
		if got, want := dmKey(ref), "bc:dm:"+RefHash(ref); got != want {
			t.Errorf("dmKey(%v) = %q, want %q", ref, got, want)
		}
	}
	// And RefHash itself, as it has always been computed.
	ref := bot.UserRef{Platform: bot.PlatformSlack, Workspace: "T1", User: "U1"}
	sum := sha256.Sum256([]byte("maillage-delivery:" + ref.Key()))
	if got, want := RefHash(ref), hex.EncodeToString(sum[:]); got != want {
		t.Errorf("RefHash = %q, want %q", got, want)
	}
}
