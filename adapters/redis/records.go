package redis

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/sndgct/maillage/bot"
)

// hgetJSON decodes the field of a hash; an error wrapping ErrNotFound when
// it is absent.
func hgetJSON[T any](ctx context.Context, s *Store, op, key, field string) (T, error) {
	var v T
	cctx, cancel, err := s.start(ctx, op)
	if err != nil {
		return v, err
	}
	defer cancel()
	data, err := s.rdb.HGet(cctx, key, field).Bytes()
	if err != nil {
		return v, fail(ctx, op, err)
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return v, fmt.Errorf("redis store %s: decode: %w", op, err)
	}
	return v, nil
}

// recordOf returns the member's record of a per-member hash.
func recordOf[T any](ctx context.Context, s *Store, op, key string, ref bot.UserRef) (T, error) {
	if err := checkRef(op, ref); err != nil && ctx.Err() == nil {
		var zero T
		return zero, err
	}
	return hgetJSON[T](ctx, s, op, key, ref.Key())
}

// eraseRecord removes the member's record of a per-member hash; no error
// when there is none.
func (s *Store) eraseRecord(ctx context.Context, op, key string, ref bot.UserRef) error {
	cctx, cancel, err := s.start(ctx, op)
	if err != nil {
		return err
	}
	defer cancel()
	if err := checkRef(op, ref); err != nil {
		return err
	}
	if err := s.rdb.HDel(cctx, key, ref.Key()).Err(); err != nil {
		return fail(ctx, op, err)
	}
	return nil
}
