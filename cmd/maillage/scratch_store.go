package main

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/sndgct/maillage/bot"
)

// scratchStore holds the members of a CSV file in memory for "match
// --dry-run --members": the importer validates and saves them, the planner
// reads them back, with no history, registration or round. It replaces a
// bbolt scratch file, which cost one synced transaction per member (5.9 s
// of a 10,000-member dry run).
//
// Only the methods the importer and the planner call are implemented; the
// embedded bot.Store is nil, so any other call panics, which the dry-run
// tests would show.
type scratchStore struct {
	bot.Store
	members map[string]bot.Member
}

func newScratchStore() *scratchStore { return &scratchStore{members: map[string]bot.Member{}} }

func (s *scratchStore) Member(_ context.Context, ref bot.UserRef) (bot.Member, error) {
	m, ok := s.members[ref.Key()]
	if !ok {
		return bot.Member{}, fmt.Errorf("scratch member %s: %w", ref.Key(), bot.ErrNotFound)
	}
	return m, nil
}

func (s *scratchStore) SaveMember(_ context.Context, m bot.Member) error {
	s.members[m.Ref.Key()] = m
	return nil
}

// Members calls fn for every member in the stores' order: by Ref.String(),
// then by key.
func (s *scratchStore) Members(ctx context.Context, fn func(bot.Member) error) error {
	keys := make([]string, 0, len(s.members))
	for k := range s.members {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		return cmp.Or(cmp.Compare(s.members[a].Ref.String(), s.members[b].Ref.String()), cmp.Compare(a, b))
	})
	for _, k := range keys {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(s.members[k]); err != nil {
			return err
		}
	}
	return nil
}

func (s *scratchStore) Rounds(context.Context, int, func(bot.MatchRound) error) error { return nil }

func (s *scratchStore) EachHighlightFollows(context.Context, func(bot.HighlightFollows) error) error {
	return nil
}

func (s *scratchStore) EachMatchRecord(context.Context, func(bot.MatchRecord) error) error {
	return nil
}
