package bot

import (
	"crypto/sha256"
	"encoding/hex"
)

// defaultKeySecret keys the hashes of a KeyHasher built without a secret
// (tests). A deployment always has its own (see core.DeploymentSecret).
const defaultKeySecret = "maillage-delivery:"

// KeyHasher makes the hashes that stand for members in store keys
// (delivery records, digests already sent...): a keyed hash (HMAC-SHA-256)
// under the deployment's secret, so that nobody holding a copy of the
// store and a member's platform id can tell which keys are theirs once the
// member is erased, unless they also hold the secret. The zero value uses
// a built-in secret.
type KeyHasher struct {
	secret []byte
}

// NewKeyHasher returns the hasher keyed by secret (the built-in one when
// empty).
func NewKeyHasher(secret []byte) KeyHasher {
	if len(secret) == 0 {
		return KeyHasher{}
	}
	return KeyHasher{secret: append([]byte(nil), secret...)}
}

// Ref returns the hash standing for u: 64 hex digits.
func (h KeyHasher) Ref(u UserRef) string { return h.Of(u.Key()) }

// Of returns the hash of parts (each ended by a zero byte): 64 hex digits.
//
// HMAC-SHA-256 (RFC 2104) computed with sha256.Sum256 on buffers kept on
// the stack for short messages: crypto/hmac allocates two digests a call,
// and a broadcast hashes every recipient several times (the direct
// conversations' cache keys). TestKeyHasherMatchesHMAC compares it with
// crypto/hmac.
func (h KeyHasher) Of(parts ...string) string {
	key := h.secret
	if key == nil {
		key = []byte(defaultKeySecret)
	}
	var k [sha256.BlockSize]byte
	if len(key) > sha256.BlockSize {
		sum := sha256.Sum256(key)
		copy(k[:], sum[:])
	} else {
		copy(k[:], key)
	}
	var stack [256]byte
	msg := stack[:0]
	for i := range k {
		msg = append(msg, k[i]^0x36)
	}
	for _, p := range parts {
		msg = append(msg, p...)
		msg = append(msg, 0)
	}
	inner := sha256.Sum256(msg)
	var outer [sha256.BlockSize + sha256.Size]byte
	for i := range k {
		outer[i] = k[i] ^ 0x5c
	}
	copy(outer[sha256.BlockSize:], inner[:])
	sum := sha256.Sum256(outer[:])
	var out [2 * sha256.Size]byte
	hex.Encode(out[:], sum[:])
	return string(out[:])
}
