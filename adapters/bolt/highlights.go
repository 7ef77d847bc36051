package bolt

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/sndgct/maillage/bot"
	bbolt "go.etcd.io/bbolt"
)

// The highlights feature keeps two more buckets, created on first write:
//
//	highlight_subs       ref.Key() -> bot.HighlightFollows
//	published_highlights "<len>:<event><id>" -> bot.PublishedHighlight
var (
	bucketSubscriptions = []byte("highlight_subs")
	bucketPublished     = []byte("published_highlights")
)

var _ bot.HighlightStore = (*Store)(nil)

// HighlightFollows returns the member's follows and registrations.
func (s *Store) HighlightFollows(ctx context.Context, ref bot.UserRef) (_ bot.HighlightFollows, err error) {
	defer s.observe("HighlightFollows", s.callStart(), &err)
	return recordOf[bot.HighlightFollows](ctx, s, "subscription", bucketSubscriptions, ref)
}

// SaveHighlightFollows creates or replaces sub.Member's record.
func (s *Store) SaveHighlightFollows(ctx context.Context, sub bot.HighlightFollows) (err error) {
	defer s.observe("SaveHighlightFollows", s.callStart(), &err)
	const op = "save subscription"
	if err := ctx.Err(); err != nil {
		return wrap(op, err)
	}
	if err := checkRef(op, sub.Member); err != nil {
		return err
	}
	return s.putJSON(op, bucketSubscriptions, []byte(sub.Member.Key()), sub)
}

// EachHighlightFollows calls fn for every record, ordered by Member.String(),
// outside the transaction.
func (s *Store) EachHighlightFollows(ctx context.Context, fn func(bot.HighlightFollows) error) (err error) {
	defer s.observe("EachHighlightFollows", s.callStart(), &err)
	const op = "subscriptions"
	all, err := readAll[bot.HighlightFollows](ctx, s, op, bucketSubscriptions)
	if err != nil {
		return err
	}
	return bot.YieldSorted(all, bot.CompareHighlightFollows, fn)
}

// EraseHighlightFollows removes the member's record.
func (s *Store) EraseHighlightFollows(ctx context.Context, ref bot.UserRef) (err error) {
	defer s.observe("EraseHighlightFollows", s.callStart(), &err)
	return s.eraseRecord(ctx, "erase subscription", bucketSubscriptions, ref)
}

// SaveHighlight creates or replaces the published highlight (Event, ID).
func (s *Store) SaveHighlight(ctx context.Context, h bot.PublishedHighlight) (err error) {
	defer s.observe("SaveHighlight", s.callStart(), &err)
	const op = "save highlight"
	if err := ctx.Err(); err != nil {
		return wrap(op, err)
	}
	if err := h.Valid(); err != nil {
		return fmt.Errorf("bolt store %s: %w: %w", op, bot.ErrInvalid, err)
	}
	return s.putJSON(op, bucketPublished, []byte(h.Key()), h)
}

// DeleteHighlight removes the published highlight (event, id).
func (s *Store) DeleteHighlight(ctx context.Context, event, id string) (err error) {
	defer s.observe("DeleteHighlight", s.callStart(), &err)
	const op = "delete highlight"
	if err := ctx.Err(); err != nil {
		return wrap(op, err)
	}
	key := []byte(bot.PublishedKey(event, id))
	err = s.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketPublished)
		if b == nil || b.Get(key) == nil {
			return bot.ErrNotFound
		}
		return b.Delete(key)
	})
	if err != nil {
		return wrap(op, err)
	}
	return nil
}

// PublishedHighlights calls fn for every published highlight, by time,
// event and id, outside the transaction.
func (s *Store) PublishedHighlights(ctx context.Context, fn func(bot.PublishedHighlight) error) (err error) {
	defer s.observe("PublishedHighlights", s.callStart(), &err)
	const op = "published highlights"
	all, err := readAll[bot.PublishedHighlight](ctx, s, op, bucketPublished)
	if err != nil {
		return err
	}
	return bot.YieldSorted(all, bot.ComparePublished, fn)
}

func (s *Store) putJSON(op string, bucket, key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return wrap(op, err)
	}
	err = s.db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucket)
		if err != nil {
			return err
		}
		return b.Put(key, data)
	})
	if err != nil {
		return wrap(op, err)
	}
	return nil
}

// readAll decodes every value of a bucket (none if it does not exist yet).
func readAll[T any](ctx context.Context, s *Store, op string, bucket []byte) ([]T, error) {
	if err := ctx.Err(); err != nil {
		return nil, wrap(op, err)
	}
	var all []T
	err := s.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucket)
		if b == nil {
			return nil
		}
		return b.ForEach(func(_, v []byte) error {
			var x T
			if err := json.Unmarshal(v, &x); err != nil {
				return fmt.Errorf("decode a record of %s: %w", bucket, err)
			}
			all = append(all, x)
			return nil
		})
	})
	if err != nil {
		return nil, wrap(op, err)
	}
	return all, nil
}
