package bot

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

// TestKeyHasherMatchesHMAC: Of is HMAC-SHA-256 of the parts, each ended by
// a zero byte, as crypto/hmac computes it, for secrets shorter than,
// equal to and longer than the block, and messages of every length
// around the stack buffer's.
func TestKeyHasherMatchesHMAC(t *testing.T) {
	secrets := [][]byte{nil, []byte("s"), []byte(strings.Repeat("k", 64)), []byte(strings.Repeat("long secret ", 20))}
	for _, secret := range secrets {
		h := NewKeyHasher(secret)
		key := secret
		if len(key) == 0 {
			key = []byte(defaultKeySecret)
		}
		for n := 0; n < 400; n += 7 {
			parts := []string{strings.Repeat("é", n/2), "", "mattermost|W1|u" + strings.Repeat("x", n%13)}
			m := hmac.New(sha256.New, key)
			for _, p := range parts {
				m.Write([]byte(p))
				m.Write([]byte{0})
			}
			if got, want := h.Of(parts...), hex.EncodeToString(m.Sum(nil)); got != want {
				t.Fatalf("secret of %d bytes, parts %q: Of = %s, crypto/hmac = %s", len(secret), parts, got, want)
			}
		}
	}
	ref := UserRef{Platform: PlatformSlack, Workspace: "T1", User: "U1"}
	if zero := (KeyHasher{}).Ref(ref); zero != NewKeyHasher(nil).Ref(ref) || NewKeyHasher([]byte("a")).Ref(ref) == zero {
		t.Fatal("the secret does not key the hash")
	}
}

func BenchmarkKeyHasherRef(b *testing.B) {
	h := NewKeyHasher([]byte("a deployment's secret of 32 bytes"))
	ref := UserRef{Platform: PlatformMattermost, Workspace: "W1", User: "u00042"}
	b.ReportAllocs()
	for b.Loop() {
		h.Ref(ref)
	}
}
