package core

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"sync/atomic"

	"github.com/sndgct/maillage/bot"
)

// logSalt keys the pseudonyms of the logs (SetLogSalt).
var logSalt atomic.Pointer[[]byte]

// defaultLogSalt keys pseudonyms until SetLogSalt is called.
var defaultLogSalt = []byte("maillage-log:")

// SetLogSalt sets the key of the pseudonyms that stand for members in the
// logs, for the whole process. cmd/maillage sets it from MAILLAGE_LOG_SALT,
// or from a value derived from the deployment's secrets: pseudonyms are then
// stable across restarts and shared by the replicas of one deployment, and
// nobody without the salt can tell which member a pseudonym stands for by
// hashing known user ids. An empty salt restores the built-in default.
func SetLogSalt(salt string) {
	if salt == "" {
		logSalt.Store(nil)
		return
	}
	b := []byte(salt)
	logSalt.Store(&b)
}

// Pseudonym is how logs name a member: a short keyed hash of the reference
// (12 hex digits), never the id itself. Adapters use it too, so that one
// member has one pseudonym in every log line.
func Pseudonym(u bot.UserRef) string {
	key := defaultLogSalt
	if p := logSalt.Load(); p != nil {
		key = *p
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(u.String()))
	return hex.EncodeToString(m.Sum(nil)[:6])
}
