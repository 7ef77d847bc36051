package bot

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

// defaultLogSalt keys pseudonyms built without a salt (tests, a
// deployment that sets none).
const defaultLogSalt = "maillage-log:"

// Pseudonyms is how logs name members: a short keyed hash of the reference
// (12 hex digits), never the id itself. The wiring builds one from
// MAILLAGE_LOG_SALT, or from a value derived from the deployment's
// secrets, and gives it to the core and the adapters: pseudonyms are then
// stable across restarts and shared by the replicas of one deployment, one
// member has one pseudonym in every log line, and nobody without the salt
// can tell which member a pseudonym stands for by hashing known user ids.
// The zero value uses a built-in salt.
type Pseudonyms struct {
	key []byte
}

// NewPseudonyms returns the pseudonyms keyed by salt (the built-in salt
// when empty).
func NewPseudonyms(salt string) Pseudonyms {
	if salt == "" {
		return Pseudonyms{}
	}
	return Pseudonyms{key: []byte(salt)}
}

// Of returns the pseudonym of u.
func (p Pseudonyms) Of(u UserRef) string {
	key := p.key
	if key == nil {
		key = []byte(defaultLogSalt)
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(u.String()))
	return hex.EncodeToString(m.Sum(nil)[:6])
}
