package core_test

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/bottest"
	"github.com/sndgct/maillage/bot/core"
)

// The first start writes a random secret; every later start and every
// replica starting at the same time read the same one; two deployments
// (two stores) have different ones; the hashes it keys differ from the
// built-in secret's.
func TestDeploymentSecretSharedAndKept(t *testing.T) {
	h := bottest.NewHarness(t, bot.Settings{})
	noWait := func(context.Context, time.Duration) error { return nil }
	var wg sync.WaitGroup
	got := make([][]byte, 5)
	errs := make([]error, 5)
	for i := range got {
		wg.Go(func() {
			got[i], errs[i] = core.DeploymentSecret(t.Context(), h.Store, fmt.Sprintf("replica-%d", i), noWait)
		})
	}
	wg.Wait()
	for i := range got {
		if errs[i] != nil || len(got[i]) != 32 || !bytes.Equal(got[i], got[0]) {
			t.Fatalf("replica %d: secret %x (%v), want the 32 bytes of replica 0: %x", i, got[i], errs[i], got[0])
		}
	}
	again, err := core.DeploymentSecret(t.Context(), h.Store, "later", noWait)
	if err != nil || !bytes.Equal(again, got[0]) {
		t.Errorf("a later start read %x (%v), want the same secret", again, err)
	}
	other, err := core.DeploymentSecret(t.Context(), bottest.NewHarness(t, bot.Settings{}).Store, "x", noWait)
	if err != nil || bytes.Equal(other, got[0]) {
		t.Errorf("another deployment's secret %x (%v) equals this one's", other, err)
	}
	alice := bottest.User("alice")
	if bot.NewKeyHasher(got[0]).Ref(alice) == (bot.KeyHasher{}).Ref(alice) {
		t.Error("the deployment's hashes are the built-in secret's")
	}
}
