package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"time"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/catalog"
	"github.com/sndgct/maillage/bot/introductions"
	"github.com/sndgct/maillage/bot/members"
	"github.com/sndgct/maillage/config"
	"github.com/sndgct/maillage/internal/blossom"
	"github.com/sndgct/maillage/internal/matching"
)

const matchUsage = `Usage:
  maillage match --dry-run [--members FILE.csv] [--json] [--config FILE] [--data-dir DIR] [--lang fr|en]
  maillage match --scores-out FILE.tsv [--members FILE.csv] [--config FILE] [--data-dir DIR]
  maillage match --edges FILE.tsv [--json]

--dry-run computes the round that would run now, exactly as the bot does,
without storing or sending anything: the groups, each pair's score broken
down by criterion, the total, the solver's certificate (gap 0 proves the
optimum over every pair) and the comparison with greedy and random
pairings. Members come from the configured store (opted in, not paused and
due by their pace), or from a CSV file in the format of "maillage members
import" (every line with a collectivity is then a candidate, without
history). With the embedded store, stop the bot first (it holds the file).

--scores-out writes every pair score considered, one "a<TAB>b<TAB>score" per
line (members numbered as in --dry-run; forbidden pairs left out; scores in
points). "maillage match --edges" solves such a file again.

--edges solves a given graph: lines "u<TAB>v<TAB>weight" (integer ids,
integer or decimal weights, negatives allowed; blank lines and lines
starting with # ignored). It prints the pairs of a maximum-cardinality
matching of greatest total weight and that total; with --json:
{"pairs": [[u, v], ...], "total": W}.

Exit codes: 0 success, 1 runtime failure, 2 bad usage, unreadable or invalid
input file, or invalid configuration.
`

func matchCommand(ctx context.Context, args []string, std stdio, env func(string) string) error {
	fs := newFlagSet("match")
	dryRun := fs.Bool("dry-run", false, "compute the round that would run now, without storing or sending anything")
	members := fs.String("members", "", "take the members from this CSV file (members import format) instead of the store")
	asJSON := fs.Bool("json", false, "print JSON instead of text")
	scoresOut := fs.String("scores-out", "", "write every pair score considered to this TSV file")
	edges := fs.String("edges", "", "solve the graph of this TSV file (u<TAB>v<TAB>weight per line)")
	configPath := fs.String("config", "", "configuration file (YAML); default $MAILLAGE_CONFIG, else built-in defaults")
	dataDir := fs.String("data-dir", "", "data directory of the embedded store (default ./maillage-data, or $MAILLAGE_DATA_DIR)")
	lang := fs.String("lang", "", "language of the text report: fr or en (default from the configuration: fr)")
	if err := parseFlags(fs, matchUsage, args, std.out); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("%w: unexpected argument %q (see `maillage match --help`)", errUsage, fs.Arg(0))
	case *edges != "" && (*dryRun || *scoresOut != "" || *members != ""):
		return fmt.Errorf("%w: --edges solves a file on its own: it takes no --dry-run, --scores-out or --members", errUsage)
	case *edges != "":
		return solveEdges(*edges, *asJSON, std)
	case !*dryRun && *scoresOut == "":
		return fmt.Errorf("%w: want --dry-run, --scores-out FILE.tsv or --edges FILE.tsv (see `maillage match --help`)", errUsage)
	}
	cfg, err := loadConfig(*configPath, *dataDir, env)
	if err != nil {
		return configError(err, std)
	}
	if *lang == "" {
		*lang = cfg.Bot.DefaultLanguage
	}
	l, ok := bot.ParseLang(*lang)
	if !ok {
		return fmt.Errorf("%w: --lang must be fr or en, got %q", errUsage, *lang)
	}
	plan, err := planFromCLI(ctx, cfg, *members, std)
	if err != nil {
		return err
	}
	if *scoresOut != "" {
		n, err := writeScores(*scoresOut, plan.Pool)
		if err != nil {
			return err
		}
		fmt.Fprintf(std.err, "maillage: %d pair scores written to %s\n", n, *scoresOut)
	}
	if !*dryRun {
		return nil
	}
	if *asJSON {
		enc := json.NewEncoder(std.out)
		enc.SetIndent("", "  ")
		return enc.Encode(plan.JSON(1))
	}
	fmt.Fprintln(std.out, markupFor(std.out)(introductions.PlanReport(catalog.Default(), l, plan)))
	return nil
}

// matchSettings turns the matching section into the core's settings.
func matchSettings(cfg *config.Config) bot.MatchSettings {
	m := cfg.Matching
	w := m.Weights
	rules := matching.Rules{
		Weights: matching.Weights{Size: float64(w.Size), Interests: float64(w.Interests), Region: float64(w.Region),
			Role: float64(w.Role), Workshop: float64(w.Workshop), Preferences: float64(w.Preferences),
			Complement: float64(w.Complement)},
		SizeMode:     m.Size.Mode,
		LogSpan:      math.Log10(float64(m.Size.LogSpanRatio)),
		Brackets:     m.Size.Brackets,
		RegionMode:   m.Region,
		Roles:        matching.RoleMatrix{Same: float64(m.Roles.Same) / 100, Other: float64(m.Roles.Other) / 100},
		SimilarRatio: float64(m.Size.SimilarRatio),
		Repeat:       matching.Repeat{Rounds: m.Repeat.Rounds, Mode: m.Repeat.Mode, Penalty: float64(m.Repeat.Penalty)},
		Odd:          m.Odd,
		Candidates:   m.Candidates,
		Hard: matching.HardPreferences{SimilarSize: m.Preferences.SimilarSize == config.PreferenceHard,
			SameRegion: m.Preferences.SameRegion == config.PreferenceHard},
		GroupSize: m.GroupSize,
	}
	if len(m.InterestWeights) > 0 {
		rules.InterestWeights = map[string]float64{}
		for id, pct := range m.InterestWeights {
			rules.InterestWeights[id] = float64(pct) / 100
		}
	}
	for _, p := range m.Roles.Pairs {
		if len(p.Roles) == 2 {
			rules.Roles.Pairs = append(rules.Roles.Pairs, matching.RolePair{A: p.Roles[0], B: p.Roles[1], Value: float64(p.Value) / 100})
		}
	}
	return bot.MatchSettings{Rules: rules, FollowupAfter: m.FollowupAfter.Std(), PauseAfterIgnored: m.PauseAfterIgnored}
}

// planFromCLI plans the round over the store's members, or over the
// members of a CSV file imported into an in-memory scratch store.
func planFromCLI(ctx context.Context, cfg *config.Config, csvPath string, std stdio) (*introductions.RoundPlan, error) {
	logger := commandLogger(cfg.Log, std)
	rules := matchSettings(cfg).Rules
	now := time.Now()
	if csvPath == "" {
		store, _, err := openStore(ctx, cfg, logger, nil)
		if err != nil {
			return nil, err
		}
		defer store.Close()
		return introductions.Planner{Store: store, Rules: rules}.Plan(ctx, "dry-run", "", now, now)
	}
	f, err := os.Open(csvPath)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errUsage, err)
	}
	defer f.Close()
	store := newScratchStore()
	dir, err := loadDirectory()
	if err != nil {
		return nil, err
	}
	s := settings(cfg, "")
	im := members.Importer{Store: store, Directory: dir, MemberRoles: s.MemberRoles, Interests: s.Interests,
		Workspaces: s.ImportWorkspaces}
	rep, err := im.Import(ctx, f, false)
	if errors.Is(err, members.ErrImportFile) {
		return nil, fmt.Errorf("%w: %s: %v", errUsage, csvPath, err)
	}
	if err != nil {
		return nil, err
	}
	if len(rep.Rejected) > 0 {
		cat := catalog.Default()
		fmt.Fprintln(std.err, members.FormatImportReport(func(key string, args ...string) string {
			return cat.T(cfg.Bot.DefaultLanguage, key, args...)
		}, rep))
		return nil, fmt.Errorf("%w: %s: %d line(s) rejected (see above); fix them or remove them", errUsage, csvPath, len(rep.Rejected))
	}
	var pool []bot.Member
	if err := store.Members(ctx, func(m bot.Member) error {
		if m.Collectivity != nil {
			pool = append(pool, m)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if len(pool) < rep.Lines {
		fmt.Fprintf(std.err, "maillage: %d of %d members have no collectivity and cannot be matched\n", rep.Lines-len(pool), rep.Lines)
	}
	return introductions.Planner{Store: store, Rules: rules, Members: pool}.Plan(ctx, "dry-run", "", now, now)
}

// writeScores writes every allowed pair's score, "a<TAB>b<TAB>points".
func writeScores(path string, pool *matching.Pool) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, fmt.Errorf("%w: %v", errUsage, err)
	}
	w := bufio.NewWriterSize(f, 1<<16)
	var n int64
	buf := make([]byte, 0, 64)
	for i := range pool.Len() {
		for j := i + 1; j < pool.Len(); j++ {
			s, ok := pool.Milli(i, j)
			if !ok {
				continue
			}
			buf = strconv.AppendInt(buf[:0], int64(i), 10)
			buf = append(buf, '\t')
			buf = strconv.AppendInt(buf, int64(j), 10)
			buf = append(buf, '\t')
			buf = append(buf, introductions.FormatMilli(s)...)
			buf = append(buf, '\n')
			if _, err := w.Write(buf); err != nil {
				f.Close()
				return n, fmt.Errorf("writing %s: %w", path, err)
			}
			n++
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return n, fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return n, fmt.Errorf("writing %s: %w", path, err)
	}
	return n, nil
}

// solveEdges solves the graph of a TSV file and prints the pairs, with
// the ids of the file, and the exact total weight.
func solveEdges(path string, asJSON bool, std stdio) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	defer f.Close()
	g, err := blossom.ReadEdges(f)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", errUsage, path, err)
	}
	m, err := blossom.Solve(g.N, g.Edges)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", errUsage, path, err)
	}
	pairs := [][2]int64{}
	for u, v := range m.Mate {
		if v > u {
			pairs = append(pairs, [2]int64{g.IDs[u], g.IDs[v]})
		}
	}
	total := blossom.FormatWeight(m.Total, g.Scale)
	if asJSON {
		return json.NewEncoder(std.out).Encode(struct {
			Pairs [][2]int64  `json:"pairs"`
			Total json.Number `json:"total"`
		}{pairs, json.Number(total)})
	}
	w := bufio.NewWriter(std.out)
	for _, p := range pairs {
		fmt.Fprintf(w, "%d\t%d\n", p[0], p[1])
	}
	fmt.Fprintf(w, "# %d pairs, %d vertices unmatched, total weight %s\n", len(pairs), g.N-2*len(pairs), total)
	return w.Flush()
}
