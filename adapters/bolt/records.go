package bolt

import (
	"context"
	"encoding/json"

	"github.com/sndgct/maillage/bot"
	bbolt "go.etcd.io/bbolt"
)

// getJSON decodes the value under key in bucket, or returns ErrNotFound
// (unwrapped: the caller wraps it with its operation).
func getJSON[T any](s *Store, bucket, key []byte) (T, error) {
	var v T
	err := s.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucket)
		if b == nil {
			return bot.ErrNotFound
		}
		data := b.Get(key)
		if data == nil {
			return bot.ErrNotFound
		}
		return json.Unmarshal(data, &v)
	})
	return v, err
}

// recordOf returns the member's record of a per-member bucket.
func recordOf[T any](ctx context.Context, s *Store, op string, bucket []byte, ref bot.UserRef) (T, error) {
	var zero T
	if err := ctx.Err(); err != nil {
		return zero, wrap(op, err)
	}
	if err := checkRef(op, ref); err != nil {
		return zero, err
	}
	v, err := getJSON[T](s, bucket, []byte(ref.Key()))
	if err != nil {
		return zero, wrap(op, err)
	}
	return v, nil
}

// eraseRecord removes the member's record of a per-member bucket; no
// error when there is none.
func (s *Store) eraseRecord(ctx context.Context, op string, bucket []byte, ref bot.UserRef) error {
	if err := ctx.Err(); err != nil {
		return wrap(op, err)
	}
	if err := checkRef(op, ref); err != nil {
		return err
	}
	err := s.db.Update(func(tx *bbolt.Tx) error {
		if b := tx.Bucket(bucket); b != nil {
			return b.Delete([]byte(ref.Key()))
		}
		return nil
	})
	if err != nil {
		return wrap(op, err)
	}
	return nil
}
