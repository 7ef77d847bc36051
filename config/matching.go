package config

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Matching tunes the introductions: how pairs are scored, how rounds are
// planned, and the follow-up. Every key is explained in the README
// ("Mise en relation").
type Matching struct {
	Weights Weights  `yaml:"weights"`
	Size    SizeRule `yaml:"size"`
	// InterestWeights weigh some interests in the overlap, in percent of
	// an ordinary interest (100); ids from interests.
	InterestWeights InterestWeights `yaml:"interest_weights"`
	// Region is same, different or ignore.
	Region string     `yaml:"region"`
	Roles  RoleMatrix `yaml:"roles"`
	Repeat Repeat     `yaml:"repeat"`
	// Odd is trio or sit_out.
	Odd string `yaml:"odd"`
	// Candidates is the number of best partners per member the solver
	// starts from; pricing then checks every pair.
	Candidates int `yaml:"candidates"`
	// FollowupAfter is how long after a round the follow-up asks whether
	// the members met.
	FollowupAfter Duration `yaml:"followup_after"`
	// PauseAfterIgnored pauses a member who ignored that many rounds in a
	// row (0: never).
	PauseAfterIgnored int `yaml:"pause_after_ignored"`
	// Preferences says, per preference members may state, whether it is
	// a constraint (hard) or only points (soft).
	Preferences PreferenceModes `yaml:"preferences"`
	// GroupSize is the size of the groups a round forms (2 to 4).
	GroupSize int `yaml:"group_size"`
}

// PreferenceModes are hard or soft, per stated preference.
type PreferenceModes struct {
	// SimilarSize: « taille comparable uniquement ».
	SimilarSize string `yaml:"similar_size"`
	// SameRegion: « même région ».
	SameRegion string `yaml:"same_region"`
}

// Weights are the points (0..100) each criterion is worth at most.
type Weights struct {
	Size        int `yaml:"size"`
	Interests   int `yaml:"interests"`
	Region      int `yaml:"region"`
	Role        int `yaml:"role"`
	Workshop    int `yaml:"workshop"`
	Preferences int `yaml:"preferences"`
	// Complement: one member can help where the other looks for
	// experience.
	Complement int `yaml:"complement"`
}

// SizeRule says how collectivity sizes compare.
type SizeRule struct {
	// Mode is log (distance of log10 populations) or bracket.
	Mode string `yaml:"mode"`
	// LogSpanRatio is the population ratio at which size similarity falls
	// to 0 (mode log).
	LogSpanRatio int `yaml:"log_span_ratio"`
	// Brackets are the lower bounds of the size brackets after the first.
	Brackets []int `yaml:"brackets"`
	// SimilarRatio is the largest population ratio that still satisfies a
	// member asking for peers of similar size (outside their bracket).
	SimilarRatio int `yaml:"similar_ratio"`
}

// RoleMatrix is the compatibility of job roles, in percent.
type RoleMatrix struct {
	Same  int        `yaml:"same"`
	Other int        `yaml:"other"`
	Pairs []RolePair `yaml:"pairs"`
}

// RolePair overrides the compatibility of two roles (ids of member_roles).
type RolePair struct {
	Roles []string `yaml:"roles"`
	Value int      `yaml:"value"`
}

// Repeat is the rule for pairs introduced in recent rounds.
type Repeat struct {
	Rounds  int    `yaml:"rounds"`
	Mode    string `yaml:"mode"`
	Penalty int    `yaml:"penalty"`
}

// InterestWeights maps interest ids to a weight in percent (nil: none).
type InterestWeights map[string]int

// UnmarshalYAML reads a mapping of interest ids to whole numbers.
func (w *InterestWeights) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("must be a mapping of interest ids to weights in percent, such as {ia: 150}, got %s", describe(n))
	}
	m := InterestWeights{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!int" {
			return fmt.Errorf("%s: must be a whole number (percent), got %s", k.Value, describe(v))
		}
		x, err := strconv.Atoi(v.Value)
		if err != nil {
			return fmt.Errorf("%s: must be a whole number (percent), got %s", k.Value, describe(v))
		}
		m[k.Value] = x
	}
	if len(m) > 0 {
		*w = m
	}
	return nil
}

// Matching modes accepted in the file.
const (
	SizeLog           = "log"
	SizeBracket       = "bracket"
	RegionSame        = "same"
	RegionDifferent   = "different"
	RegionIgnore      = "ignore"
	RepeatForbid      = "forbid"
	RepeatPenalise    = "penalise"
	OddTrio           = "trio"
	OddSitOut         = "sit_out"
	PreferenceHard    = "hard"
	PreferenceSoft    = "soft"
	defaultFollowup   = 7 * 24 * time.Hour
	maxRepeatPenalty  = 100000
	maxInterestWeight = 1000
)

// maxBrackets: matching.MaxBrackets (scoring keeps a bracket in a byte).
const maxBrackets = 253

// dgclBrackets are the DGCL demographic strata (lower bounds).
var dgclBrackets = []int{500, 2000, 3500, 5000, 10000, 20000, 50000, 100000, 300000}

func defaultMatching() Matching {
	return Matching{
		Weights: Weights{Size: 40, Interests: 35, Region: 10, Role: 15, Workshop: 10, Preferences: 20, Complement: 15},
		Size:    SizeRule{Mode: SizeLog, LogSpanRatio: 100, Brackets: slices.Clone(dgclBrackets), SimilarRatio: 2},
		Region:  RegionSame,
		Roles: RoleMatrix{Same: 100, Other: 50, Pairs: []RolePair{
			{Roles: []string{"dgs", "dg_epci"}, Value: 90},
			{Roles: []string{"dgs", "dga"}, Value: 70},
			{Roles: []string{"dgs", "sgm"}, Value: 80},
			{Roles: []string{"dga", "directeur"}, Value: 70},
		}},
		Repeat:            Repeat{Rounds: 12, Mode: RepeatPenalise, Penalty: 1000},
		Odd:               OddTrio,
		Candidates:        4,
		FollowupAfter:     Duration(defaultFollowup),
		PauseAfterIgnored: 3,
		Preferences:       PreferenceModes{SimilarSize: PreferenceHard, SameRegion: PreferenceHard},
		GroupSize:         2,
	}
}

func (c *Config) validateMatching(ch *checker) {
	m := c.Matching
	w := m.Weights
	for _, f := range []struct {
		key string
		v   int
	}{{"size", w.Size}, {"interests", w.Interests}, {"region", w.Region}, {"role", w.Role},
		{"workshop", w.Workshop}, {"preferences", w.Preferences}, {"complement", w.Complement}} {
		ch.rangeInt("matching.weights."+f.key, f.v, 0, 100)
	}
	if w.Size == 0 && w.Interests == 0 && w.Region == 0 && w.Role == 0 && w.Workshop == 0 && w.Preferences == 0 && w.Complement == 0 {
		ch.add("matching.weights", "at least one weight must be above 0")
	}
	ch.oneOf("matching.size.mode", m.Size.Mode, SizeLog, SizeBracket)
	ch.rangeInt("matching.size.log_span_ratio", m.Size.LogSpanRatio, 2, 1000000)
	ch.rangeInt("matching.size.similar_ratio", m.Size.SimilarRatio, 1, 1000)
	if len(m.Size.Brackets) == 0 {
		ch.add("matching.size.brackets", "must list at least one population bound (the DGCL strata: %v)", dgclBrackets)
	}
	if len(m.Size.Brackets) > maxBrackets {
		ch.add("matching.size.brackets", "must list at most %d population bounds, got %d", maxBrackets, len(m.Size.Brackets))
	}
	for i, b := range m.Size.Brackets {
		p := fmt.Sprintf("matching.size.brackets[%d]", i)
		switch {
		case b < 1:
			ch.add(p, "must be a population above 0, got %d", b)
		case i > 0 && b <= m.Size.Brackets[i-1]:
			ch.add(p, "must be greater than the bound before it (%d), got %d", m.Size.Brackets[i-1], b)
		}
	}
	interests := labelIDs(c.Interests)
	for _, id := range slices.Sorted(maps.Keys(m.InterestWeights)) {
		p := "matching.interest_weights." + id
		if !slices.Contains(interests, id) {
			ch.add(p, "unknown interest %s (interests: %s)", quote(id), joinIDs(interests))
			continue
		}
		ch.rangeInt(p, m.InterestWeights[id], 0, maxInterestWeight)
	}
	ch.oneOf("matching.region", m.Region, RegionSame, RegionDifferent, RegionIgnore)
	ch.rangeInt("matching.roles.same", m.Roles.Same, 0, 100)
	ch.rangeInt("matching.roles.other", m.Roles.Other, 0, 100)
	roles := labelIDs(c.MemberRoles)
	// The default pairs name the default roles: they are ignored, not
	// refused, when member_roles lists other roles.
	builtin := reflect.DeepEqual(m.Roles.Pairs, defaultMatching().Roles.Pairs)
	seen := map[[2]string]int{}
	for i, rp := range m.Roles.Pairs {
		p := fmt.Sprintf("matching.roles.pairs[%d]", i)
		if len(rp.Roles) != 2 {
			ch.add(p+".roles", "must name exactly two roles, got %d", len(rp.Roles))
		} else {
			for j, r := range rp.Roles {
				if !builtin && !slices.Contains(roles, r) {
					ch.add(fmt.Sprintf("%s.roles[%d]", p, j), "unknown role %s (member_roles: %s)", quote(r), joinIDs(roles))
				}
			}
			key := [2]string{min(rp.Roles[0], rp.Roles[1]), max(rp.Roles[0], rp.Roles[1])}
			if first, dup := seen[key]; dup {
				ch.add(p, "duplicate of matching.roles.pairs[%d]", first)
			}
			seen[key] = i
		}
		ch.rangeInt(p+".value", rp.Value, 0, 100)
	}
	ch.rangeInt("matching.repeat.rounds", m.Repeat.Rounds, 0, 100)
	ch.oneOf("matching.repeat.mode", m.Repeat.Mode, RepeatForbid, RepeatPenalise)
	ch.rangeInt("matching.repeat.penalty", m.Repeat.Penalty, 0, maxRepeatPenalty)
	ch.oneOf("matching.odd", m.Odd, OddTrio, OddSitOut)
	ch.rangeInt("matching.candidates", m.Candidates, 1, 200)
	ch.rangeDuration("matching.followup_after", m.FollowupAfter, time.Hour, 60*24*time.Hour)
	ch.rangeInt("matching.pause_after_ignored", m.PauseAfterIgnored, 0, 20)
	ch.oneOf("matching.preferences.similar_size", m.Preferences.SimilarSize, PreferenceHard, PreferenceSoft)
	ch.oneOf("matching.preferences.same_region", m.Preferences.SameRegion, PreferenceHard, PreferenceSoft)
	ch.rangeInt("matching.group_size", m.GroupSize, 2, 4)
}

func labelIDs(ls []Label) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = l.ID
	}
	return out
}

func joinIDs(ids []string) string { return strings.Join(ids, ", ") }
