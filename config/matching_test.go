package config

import (
	"strconv"
	"testing"
)

func TestMatchingProblems(t *testing.T) {
	checkProblemCases(t, []problemCase{
		{"new weight out of range", "matching:\n  weights:\n    workshop: 120\n", []Problem{{Line: 3, Path: "matching.weights.workshop", Message: "must be between 0 and 100, got 120"}}},
		{"size mode", "matching:\n  size:\n    mode: cubic\n", []Problem{{Line: 3, Path: "matching.size.mode", Message: `must be one of log, bracket, got "cubic"`}}},
		{"brackets not increasing", "matching:\n  size:\n    brackets: [500, 400]\n", []Problem{{Line: 3, Path: "matching.size.brackets[1]", Message: "must be greater than the bound before it (500), got 400"}}},
		{"brackets empty", "matching:\n  size:\n    brackets: []\n", []Problem{{Line: 3, Path: "matching.size.brackets", Message: "must list at least one population bound (the DGCL strata: [500 2000 3500 5000 10000 20000 50000 100000 300000])"}}},
		{"too many brackets", "matching:\n  size:\n    brackets: [" + manyBounds(254) + "]\n", []Problem{{Line: 3, Path: "matching.size.brackets", Message: "must list at most 253 population bounds, got 254"}}},
		{"span ratio", "matching:\n  size:\n    log_span_ratio: 1\n", []Problem{{Line: 3, Path: "matching.size.log_span_ratio", Message: "must be between 2 and 1000000, got 1"}}},
		{"unknown interest weight", "matching:\n  interest_weights: {ai: 150}\n", []Problem{{Line: 2, Path: "matching.interest_weights.ai", Message: `unknown interest "ai" (interests: ia, management, management_distance, transition_ecologique, finances, rh, numerique, qvt, deconnexion, intercommunalite, commande_publique, relation_elus)`}}},
		{"interest weight not a number", "matching:\n  interest_weights: {ia: lots}\n", []Problem{{Line: 2, Path: "matching.interest_weights", Message: `ia: must be a whole number (percent), got "lots"`}}},
		{"interest weight too big", "matching:\n  interest_weights:\n    ia: 5000\n", []Problem{{Line: 2, Path: "matching.interest_weights.ia", Message: "must be between 0 and 1000, got 5000"}}},
		{"region mode", "matching:\n  region: near\n", []Problem{{Line: 2, Path: "matching.region", Message: `must be one of same, different, ignore, got "near"`}}},
		{"role pair", "matching:\n  roles:\n    pairs:\n      - {roles: [dgs, ceo], value: 150}\n      - {roles: [dgs], value: 10}\n      - {roles: [ceo, dgs], value: 10}\n", []Problem{
			{Line: 4, Path: "matching.roles.pairs[0].roles[1]", Message: `unknown role "ceo" (member_roles: dgs, dga, sgm, dg_epci, directeur, autre)`},
			{Line: 4, Path: "matching.roles.pairs[0].value", Message: "must be between 0 and 100, got 150"},
			{Line: 5, Path: "matching.roles.pairs[1].roles", Message: "must name exactly two roles, got 1"},
			{Line: 6, Path: "matching.roles.pairs[2].roles[0]", Message: `unknown role "ceo" (member_roles: dgs, dga, sgm, dg_epci, directeur, autre)`},
			{Line: 6, Path: "matching.roles.pairs[2]", Message: "duplicate of matching.roles.pairs[0]"},
		}},
		{"repeat", "matching:\n  repeat: {rounds: -1, mode: never, penalty: 1000001}\n", []Problem{
			{Line: 2, Path: "matching.repeat.rounds", Message: "must be between 0 and 100, got -1"},
			{Line: 2, Path: "matching.repeat.mode", Message: `must be one of forbid, penalise, got "never"`},
			{Line: 2, Path: "matching.repeat.penalty", Message: "must be between 0 and 100000, got 1000001"},
		}},
		{"odd", "matching:\n  odd: skip\n", []Problem{{Line: 2, Path: "matching.odd", Message: `must be one of trio, sit_out, got "skip"`}}},
		{"followup", "matching:\n  followup_after: 10m\n", []Problem{{Line: 2, Path: "matching.followup_after", Message: "must be between 1h and 1440h, got 10m0s"}}},
		{"pause", "matching:\n  pause_after_ignored: 50\n  candidates: 0\n", []Problem{
			{Line: 2, Path: "matching.pause_after_ignored", Message: "must be between 0 and 20, got 50"},
			{Line: 3, Path: "matching.candidates", Message: "must be between 1 and 200, got 0"},
		}},
	})
	// Custom member roles: the default role pairs do not apply to them,
	// and are not refused.
	if _, err := Parse([]byte("member_roles:\n  - {id: chef, fr: Chef, en: Head}\n"), "f.yaml", nil); err != nil {
		t.Errorf("custom member roles with the default role pairs: %v", err)
	}
}

// manyBounds lists n increasing population bounds, YAML flow style.
func manyBounds(n int) string {
	s := ""
	for i := range n {
		if i > 0 {
			s += ", "
		}
		s += strconv.Itoa(1000 * (i + 1))
	}
	return s
}
