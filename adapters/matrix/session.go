package matrix

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/id"

	"github.com/sndgct/maillage/bot"
)

// Store keys. They hold no id: the per-user and per-room ones are hashed
// (hashKey).
const (
	sessionKey   = "matrix:session:v1"
	nextBatchKey = "matrix:next_batch:v1"
	recoveryKey  = "matrix:recovery_key:v1"
	// keep is the lifetime of the values that must outlive any outage.
	keep = 10 * 365 * 24 * time.Hour
	// eventTTL is how long an event id is remembered against redelivery.
	eventTTL = 7 * 24 * time.Hour
)

// session is the bot's Matrix session, kept sealed in the store so that
// the bot logs in once and keeps its device.
type session struct {
	UserID      id.UserID   `json:"user_id"`
	DeviceID    id.DeviceID `json:"device_id"`
	AccessToken string      `json:"access_token"`
}

// startSession restores the stored session, or adopts the given access
// token, or logs in with the password (once), and checks it with whoami.
// With newDevice (no crypto store yet), a stored session is not reused: its
// device's keys are on the homeserver but lost here, so the bot logs in to a
// new device.
func (a *Adapter) startSession(ctx context.Context, newDevice bool) error {
	var s session
	raw, err := a.sealedValue(ctx, sessionKey)
	switch {
	case err == nil:
		if jerr := json.Unmarshal(raw, &s); jerr != nil || s.UserID != a.userID {
			a.log.Warn("ignoring a stored session of another account")
			s = session{}
		}
	case errors.Is(err, bot.ErrNotFound):
	default:
		return fmt.Errorf("matrix: reading the stored session: %w", err)
	}
	if newDevice && s.AccessToken != "" {
		if a.opts.Password == "" {
			return errors.New("matrix: the crypto store is missing but a session is stored: set MAILLAGE_MATRIX_PASSWORD so that the bot logs in to a new device (or restore the crypto store)")
		}
		a.log.Warn("no crypto store for the stored session's device: logging in to a new device")
		s = session{}
	}
	fresh := false
	if s.AccessToken == "" && a.opts.AccessToken != "" {
		s = session{UserID: a.userID, DeviceID: id.DeviceID(a.opts.DeviceID), AccessToken: a.opts.AccessToken}
		fresh = true
	}
	if s.AccessToken == "" {
		if err := a.login(ctx, &s); err != nil {
			return err
		}
		fresh = true
	}
	a.cli.AccessToken, a.cli.DeviceID = s.AccessToken, s.DeviceID
	who, err := a.cli.Whoami(ctx)
	if err != nil && (errors.Is(err, mautrix.MUnknownToken) || errors.Is(err, mautrix.MMissingToken)) && !fresh && a.opts.Password != "" {
		// The stored token was revoked (a logout elsewhere): log in again,
		// on the same device, so the crypto store stays valid.
		a.log.Warn("the stored session was refused: logging in again on the same device")
		if err := a.login(ctx, &s); err != nil {
			return err
		}
		a.cli.AccessToken, a.cli.DeviceID = s.AccessToken, s.DeviceID
		fresh = true
		who, err = a.cli.Whoami(ctx)
	}
	if err != nil {
		return fmt.Errorf("matrix: checking the session with the homeserver: %w", err)
	}
	if who.UserID != a.userID {
		return fmt.Errorf("matrix: the access token belongs to %s, not to MAILLAGE_MATRIX_USER_ID", who.UserID)
	}
	if s.DeviceID == "" {
		s.DeviceID = who.DeviceID
		a.cli.DeviceID = who.DeviceID
		fresh = true
	}
	if s.DeviceID == "" {
		return errors.New("matrix: the homeserver does not say which device the access token belongs to: set MAILLAGE_MATRIX_DEVICE_ID")
	}
	if fresh {
		b, _ := json.Marshal(s)
		if err := a.putSealed(ctx, sessionKey, b, keep); err != nil {
			return fmt.Errorf("matrix: saving the session: %w", err)
		}
	}
	a.log.Info("matrix session ready", "device", s.DeviceID, "new", fresh)
	return nil
}

// login opens a session with the password, on the stored device if any.
func (a *Adapter) login(ctx context.Context, s *session) error {
	if a.opts.Password == "" {
		return errors.New("matrix: no stored session and no MAILLAGE_MATRIX_PASSWORD to log in with")
	}
	resp, err := a.cli.Login(ctx, &mautrix.ReqLogin{
		Type:                     mautrix.AuthTypePassword,
		Identifier:               mautrix.UserIdentifier{Type: mautrix.IdentifierTypeUser, User: string(a.userID)},
		Password:                 a.opts.Password,
		DeviceID:                 s.DeviceID,
		InitialDeviceDisplayName: a.opts.DeviceName,
	})
	if err != nil {
		if errors.Is(err, mautrix.MForbidden) {
			return fmt.Errorf("matrix: the homeserver refused the login of %s: check MAILLAGE_MATRIX_PASSWORD (on Tchap, an expired bot account must be renewed): %w", a.userID, err)
		}
		return fmt.Errorf("matrix: logging in: %w", err)
	}
	*s = session{UserID: a.userID, DeviceID: resp.DeviceID, AccessToken: resp.AccessToken}
	return nil
}

func (a *Adapter) loadNextBatch(ctx context.Context) (string, error) {
	b, err := a.opts.Store.Value(ctx, nextBatchKey)
	switch {
	case err == nil:
		return string(b), nil
	case errors.Is(err, bot.ErrNotFound):
		return "", nil
	}
	return "", fmt.Errorf("matrix: reading next_batch: %w", err)
}

func (a *Adapter) saveNextBatch(ctx context.Context, since string) error {
	return a.opts.Store.PutValue(ctx, nextBatchKey, []byte(since), keep)
}

// putSealed stores v encrypted (AES-GCM) with a key derived from the
// pickle key: the store never holds the token in clear.
func (a *Adapter) putSealed(ctx context.Context, key string, v []byte, ttl time.Duration) error {
	block, err := aes.NewCipher(a.sealKey)
	if err != nil {
		return err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return err
	}
	nonce := make([]byte, gcm.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return err
	}
	return a.opts.Store.PutValue(ctx, key, gcm.Seal(nonce, nonce, v, []byte(key)), ttl)
}

func (a *Adapter) sealedValue(ctx context.Context, key string) ([]byte, error) {
	b, err := a.opts.Store.Value(ctx, key)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(a.sealKey)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	if len(b) < gcm.NonceSize() {
		return nil, errors.New("matrix: a sealed value is too short")
	}
	out, err := gcm.Open(nil, b[:gcm.NonceSize()], b[gcm.NonceSize():], []byte(key))
	if err != nil {
		return nil, fmt.Errorf("matrix: a sealed value does not open with MAILLAGE_MATRIX_PICKLE_KEY (was the key changed?): %w", err)
	}
	return out, nil
}
