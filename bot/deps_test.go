package bot

import (
	"os/exec"
	"strings"
	"testing"
)

// The core stays free of platforms, storage and the config: adapters
// implement its ports and cmd/maillage wires them (ARCHITECTURE.md).
func TestCoreImportsNoPlatformStorageOrConfig(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/sndgct/maillage/bot/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	forbidden := []string{
		"github.com/slack-go/",
		"github.com/mattermost/",
		"github.com/redis/",
		"github.com/alicebob/miniredis",
		"go.etcd.io/bbolt",
		"github.com/prometheus/",
		"github.com/sndgct/maillage/config",
		"github.com/sndgct/maillage/adapters/",
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list -deps printed %d packages; expected the standard library at least", len(deps))
	}
	for _, dep := range deps {
		for _, f := range forbidden {
			if strings.HasPrefix(dep, f) {
				t.Errorf("package bot depends on %s; keep platforms, stores and config out of the core", dep)
			}
		}
	}
}
