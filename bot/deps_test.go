package bot

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/sndgct/maillage"

// kits are the packages under bot/ that only tests import: the test kit
// runs the core on the real stores (bolt in a temporary directory).
var kits = []string{module + "/bot/bottest"}

// shared are the packages under bot/ that every feature may import.
var shared = []string{module + "/bot", module + "/bot/core", module + "/bot/outbox", module + "/bot/congress", module + "/bot/catalog"}

func goList(t *testing.T, args ...string) []string {
	t.Helper()
	out, err := exec.Command("go", append([]string{"list"}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("go list %v: %v\n%s", args, err, out)
	}
	return strings.Fields(string(out))
}

// corePackages are the packages under bot/ that the binary runs.
func corePackages(t *testing.T) []string {
	pkgs := slices.DeleteFunc(goList(t, module+"/bot/..."), func(p string) bool { return slices.Contains(kits, p) })
	if len(pkgs) < 5 {
		t.Fatalf("go list found %d packages under bot/", len(pkgs))
	}
	return pkgs
}

// The core stays free of platforms, storage and the config: adapters
// implement its ports and cmd/maillage wires them (ARCHITECTURE.md).
func TestCoreImportsNoPlatformStorageOrConfig(t *testing.T) {
	forbidden := []string{
		"github.com/slack-go/",
		"github.com/mattermost/",
		"github.com/redis/",
		"github.com/alicebob/miniredis",
		"go.etcd.io/bbolt",
		"github.com/prometheus/",
		module + "/config",
		module + "/adapters/",
	}
	deps := goList(t, append([]string{"-deps"}, corePackages(t)...)...)
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

// Feature packages talk to each other through the core's ports and
// events, never by importing each other; only the list of features
// (bot/features) names them all.
func TestFeaturesImportNoOtherFeature(t *testing.T) {
	var features []string
	for _, p := range corePackages(t) {
		if slices.Contains(shared, p) || p == module+"/bot/features" || p == module+"/bot/storetest" {
			continue
		}
		features = append(features, p)
	}
	if len(features) < 2 {
		t.Fatalf("found %d feature packages: %v", len(features), features)
	}
	for _, f := range features {
		for _, imp := range goList(t, "-f", `{{join .Imports " "}}`, f) {
			if imp != f && slices.Contains(features, imp) {
				t.Errorf("feature %s imports feature %s; go through a port or an event of the core", f, imp)
			}
		}
	}
}
