package bolt

import (
	"context"
	"fmt"
	"strconv"

	bbolt "go.etcd.io/bbolt"
)

var bucketScrub = []byte("scrub")

// ScrubErased overwrites the free pages of the file, which bbolt leaves
// as they were: a deleted member's record would otherwise stay readable in
// the file until its pages were reused. It fills every free page with a
// zeroed filler record in one transaction (bbolt gives each new page a
// zeroed buffer and reuses free pages first), then deletes the filler in
// a second one. Pages still held by a concurrent reader are caught by the
// next call; the bot calls it after every erasure and purge.
func (s *Store) ScrubErased(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return wrap("scrub", err)
	}
	err := s.db.Update(func(tx *bbolt.Tx) error {
		free := 0
		for id := 2; ; id++ {
			p, err := tx.Page(id)
			if err != nil {
				return err
			}
			if p == nil {
				break
			}
			if p.Type == "free" {
				free++
			}
		}
		if free == 0 {
			return nil
		}
		b, err := tx.CreateBucketIfNotExists(bucketScrub)
		if err != nil {
			return err
		}
		// One filler record per page: more than half a page each, so that
		// no two share a leaf.
		filler := make([]byte, s.db.Info().PageSize*5/8)
		for i := range free + 2 {
			if err := b.Put([]byte("f"+strconv.Itoa(i)), filler); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return wrap("scrub", fmt.Errorf("fill free pages: %w", err))
	}
	err = s.db.Update(func(tx *bbolt.Tx) error {
		if tx.Bucket(bucketScrub) == nil {
			return nil
		}
		return tx.DeleteBucket(bucketScrub)
	})
	if err != nil {
		return wrap("scrub", fmt.Errorf("drop filler: %w", err))
	}
	return nil
}
