package core

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/sndgct/maillage/bot"
)

// The deployment's secret lives in the store under secretKey, written once
// at the first start (the replicas of one deployment share it) and kept
// "for ever" (a ValueStore value needs a ttl).
const (
	secretKey     = "deployment-secret"
	secretInitKey = "deployment-secret-init"
	secretTTL     = 100 * 365 * 24 * time.Hour
	secretBytes   = 32
)

// SecretStore is the part of the store DeploymentSecret uses.
type SecretStore interface {
	bot.ValueStore
	bot.ClaimStore
}

// DeploymentSecret returns the deployment's secret, the key of the hashes
// that stand for members in store keys (Options.KeySecret): read from the
// store, or, at the first start, made of 32 random bytes and written there.
// When replicas start together, one writes it (under a claim) and the
// others read it. wait sleeps between reads (nil: a real timer).
func DeploymentSecret(ctx context.Context, store SecretStore, owner string, wait func(context.Context, time.Duration) error) ([]byte, error) {
	if wait == nil {
		wait = sleep
	}
	for attempt := 0; ; attempt++ {
		v, err := store.Value(ctx, secretKey)
		switch {
		case err == nil:
			s, derr := hex.DecodeString(string(v))
			if derr != nil || len(s) < 16 {
				return nil, errors.New("deployment secret: the stored value is not one")
			}
			return s, nil
		case !errors.Is(err, bot.ErrNotFound):
			return nil, fmt.Errorf("deployment secret: %w", err)
		}
		got, err := store.Claim(ctx, secretInitKey, owner, time.Minute)
		if err != nil {
			return nil, fmt.Errorf("deployment secret: %w", err)
		}
		if got {
			s := make([]byte, secretBytes)
			_, _ = rand.Read(s)
			if err := store.PutValue(ctx, secretKey, []byte(hex.EncodeToString(s)), secretTTL); err != nil {
				return nil, fmt.Errorf("deployment secret: %w", err)
			}
			return s, nil
		}
		if attempt >= 50 {
			return nil, errors.New("deployment secret: another replica took the claim and wrote none")
		}
		if err := wait(ctx, 100*time.Millisecond); err != nil {
			return nil, err
		}
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
