package bot

import (
	"crypto/hmac"
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
func (h KeyHasher) Of(parts ...string) string {
	key := h.secret
	if key == nil {
		key = []byte(defaultKeySecret)
	}
	m := hmac.New(sha256.New, key)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return hex.EncodeToString(m.Sum(nil))
}
