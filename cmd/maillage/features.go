package main

import "github.com/sndgct/maillage/bot/core"

// features are the feature packages this binary runs, one line each, in
// the order help lists their commands. Adding a feature is adding its
// package and one line here.
func features() []core.NewFeature {
	return []core.NewFeature{}
}
