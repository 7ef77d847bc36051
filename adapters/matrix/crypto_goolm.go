//go:build goolm

package matrix

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"

	"go.mau.fi/util/dbutil"
	"maunium.net/go/mautrix/crypto/cryptohelper"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/sndgct/maillage/bot"

	_ "modernc.org/sqlite" // the crypto store's pure-Go SQLite driver
)

// encryptionBuilt is true: the crypto machine is mautrix's, on goolm (pure
// Go, so the binary stays static).
const encryptionBuilt = true

type cryptoEngine interface{ Close() error }

// startCrypto opens the crypto store (an SQLite file encrypted with the
// pickle key: mautrix's own SQL store, which keeps the Olm account, the
// Olm and Megolm sessions and the devices transactionally), starts the
// crypto machine on the bot's device, and cross-signs the device the first
// time (see crossSign).
func (a *Adapter) startCrypto(ctx context.Context) (cryptoEngine, error) {
	q := url.Values{}
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Set("_txlock", "immediate")
	raw, err := sql.Open("sqlite", "file:"+a.opts.CryptoDB+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("matrix: opening the crypto store %s: %w", a.opts.CryptoDB, err)
	}
	db, err := dbutil.NewWithDB(raw, "sqlite3")
	if err != nil {
		_ = raw.Close()
		return nil, fmt.Errorf("matrix: opening the crypto store: %w", err)
	}
	helper, err := cryptohelper.NewCryptoHelper(a.cli, []byte(a.opts.PickleKey), db)
	if err != nil {
		_ = raw.Close()
		return nil, fmt.Errorf("matrix: starting end-to-end encryption: %w", err)
	}
	helper.DecryptErrorCallback = func(evt *event.Event, err error) {
		a.mu.Lock()
		history := !a.ignoreUntil.IsZero() && evt.Timestamp < a.ignoreUntil.UnixMilli()
		a.mu.Unlock()
		if history {
			// Messages from before the device existed: never readable,
			// and never answered anyway.
			a.log.Debug("an encrypted message from before the first start could not be decrypted", "err", err)
			return
		}
		a.log.Warn("an encrypted message could not be decrypted", "err", err)
	}
	if err := helper.Init(ctx); err != nil {
		_ = helper.Close()
		return nil, fmt.Errorf("matrix: starting end-to-end encryption (device %s): %w", a.cli.DeviceID, err)
	}
	a.cli.Crypto = helper
	if err := a.crossSign(ctx, helper); err != nil {
		a.log.Warn("cross-signing the bot's device", "err", err)
	}
	return helper, nil
}

// crossSign signs the bot's device with its cross-signing keys the first
// time the device runs: with the recovery key kept (sealed) in the store
// when the account already has cross-signing keys, else by generating and
// uploading new ones (which needs the password), whose recovery key is
// then kept in the store, sealed with the pickle key.
func (a *Adapter) crossSign(ctx context.Context, helper *cryptohelper.CryptoHelper) error {
	mach := helper.Machine()
	doneKey := a.hashKey("cross-signed", string(a.cli.DeviceID))
	if _, err := a.opts.Store.Value(ctx, doneKey); err == nil {
		return nil
	}
	done := func() error { return a.opts.Store.PutValue(ctx, doneKey, []byte("1"), keep) }
	if rk, err := a.sealedValue(ctx, recoveryKey); err == nil {
		if err := mach.VerifyWithRecoveryKey(ctx, string(rk)); err == nil {
			a.log.Info("device cross-signed with the stored recovery key")
			return done()
		} else {
			a.log.Warn("the stored recovery key did not verify the device; new cross-signing keys follow", "err", err)
		}
	} else if !errors.Is(err, bot.ErrNotFound) {
		return err
	}
	if a.opts.Password == "" {
		return errors.New("no MAILLAGE_MATRIX_PASSWORD: the cross-signing keys cannot be uploaded, so clients may withhold their keys from this device")
	}
	rk, _, err := mach.GenerateAndUploadCrossSigningKeysWithPassword(ctx, a.opts.Password, "")
	if err != nil {
		return fmt.Errorf("uploading cross-signing keys: %w", err)
	}
	if err := a.putSealed(ctx, recoveryKey, []byte(rk), keep); err != nil {
		return fmt.Errorf("keeping the recovery key: %w", err)
	}
	if err := mach.SignOwnDevice(ctx, mach.OwnIdentity()); err != nil {
		return fmt.Errorf("signing the device: %w", err)
	}
	if err := mach.SignOwnMasterKey(ctx); err != nil {
		return fmt.Errorf("signing the master key: %w", err)
	}
	a.log.Info("device cross-signed with new cross-signing keys; the recovery key is kept sealed in the store")
	return done()
}

// CrossSigned reports whether the bot's device carries a signature of its
// own self-signing key, as other clients check it.
func (a *Adapter) CrossSigned(ctx context.Context) (bool, error) {
	helper, ok := a.cli.Crypto.(*cryptohelper.CryptoHelper)
	if !ok {
		return false, errors.New("matrix: no crypto machine")
	}
	mach := helper.Machine()
	keys, err := mach.GetOwnCrossSigningPublicKeys(ctx)
	if err != nil || keys == nil {
		return false, err
	}
	return mach.CryptoStore.IsKeySignedBy(ctx, a.userID, mach.OwnIdentity().SigningKey, a.userID, keys.SelfSigningKey)
}

var _ = id.AlgorithmMegolmV1
