package features_test

import (
	"testing"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/internal/textnorm"
)

// No two commands share a name once folded: the router would silently
// pick one. Features add commands in parallel; this catches a clash at
// merge.
func TestCommandNamesAreUnique(t *testing.T) {
	seen := map[string]string{}
	for _, c := range allCommands(t) {
		for _, lang := range bot.Languages {
			for _, n := range c.Names[lang] {
				f := textnorm.Fold(n)
				if f == "" {
					f = n
				}
				if other, dup := seen[f]; dup && other != c.ID {
					t.Errorf("name %q of command %q is also a name of %q", n, c.ID, other)
				}
				seen[f] = c.ID
			}
		}
	}
}
