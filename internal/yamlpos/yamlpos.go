// Package yamlpos helps strict YAML checkers report where a problem is: the
// line of a value given its path ("sessions[2].topics[0]"), and the nearest
// known key for a misspelt one. It is shared by the config and the content
// files so that both report problems the same way.
package yamlpos

import (
	"fmt"
	"strings"

	"github.com/sndgct/maillage/internal/textnorm"
)

// LineOf returns the line recorded for path in lines or, for a path the file
// leaves out, the line of its nearest enclosing key or list item; 0 if none.
func LineOf(lines map[string]int, path string) int {
	for path != "" {
		if l, ok := lines[path]; ok {
			return l
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return 0
}

// Nearest returns the known key closest to key (case-insensitive, at most two
// edits away), or "" when none is that close. known is tried in order, so
// ties go to the first.
func Nearest(key string, known []string) string {
	best, bestDist := "", 3
	for _, k := range known {
		if d := textnorm.Distance(strings.ToLower(key), k); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

// DidYouMean returns ` (did you mean "x"?)` for a near miss, else "".
func DidYouMean(key string, known []string) string {
	if best := Nearest(key, known); best != "" {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	return ""
}
