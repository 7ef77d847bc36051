package redis

import (
	"context"
	"errors"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/sndgct/maillage/bot"
)

func (s *Store) valueKey(key string) string { return s.prefix + "value:" + key }

// startValue checks the context and the key, and derives the per-call
// context.
func (s *Store) startValue(ctx context.Context, op, key string) (context.Context, context.CancelFunc, error) {
	cctx, cancel, err := s.start(ctx, op)
	if err != nil {
		return nil, nil, err
	}
	if key == "" {
		cancel()
		return nil, nil, fmt.Errorf("redis store %s: %w: empty key", op, bot.ErrInvalid)
	}
	return cctx, cancel, nil
}

// PutValue stores v under key for ttl (SET PX).
func (s *Store) PutValue(ctx context.Context, key string, v []byte, ttl time.Duration) (err error) {
	defer s.observe("PutValue", s.callStart(), &err)
	op := "put value"
	cctx, cancel, err := s.startValue(ctx, op, key)
	if err != nil {
		return err
	}
	defer cancel()
	op = fmt.Sprintf("%s %q", op, key)
	if ttl <= 0 || len(v) > bot.MaxValueSize {
		return fmt.Errorf("redis store %s: %w: a positive ttl and at most %d bytes are required", op, bot.ErrInvalid, bot.MaxValueSize)
	}
	if err := s.rdb.Do(cctx, "SET", s.valueKey(key), v, "PX", millis(ttl)).Err(); err != nil {
		return fail(ctx, op, err)
	}
	return nil
}

var _ bot.ValueBatchWriter = (*Store)(nil)

// PutValues stores the values for ttl in one pipeline of SET PX.
func (s *Store) PutValues(ctx context.Context, kvs []bot.KeyValue, ttl time.Duration) (err error) {
	defer s.observe("PutValues", s.callStart(), &err)
	const op = "put values"
	cctx, cancel, err := s.start(ctx, op)
	if err != nil {
		return err
	}
	defer cancel()
	for _, kv := range kvs {
		if kv.Key == "" {
			return fmt.Errorf("redis store %s: %w: empty key", op, bot.ErrInvalid)
		}
		if ttl <= 0 || len(kv.Value) > bot.MaxValueSize {
			return fmt.Errorf("redis store %s %q: %w: a positive ttl and at most %d bytes are required", op, kv.Key, bot.ErrInvalid, bot.MaxValueSize)
		}
	}
	if len(kvs) == 0 {
		return nil
	}
	_, err = s.rdb.Pipelined(cctx, func(p goredis.Pipeliner) error {
		for _, kv := range kvs {
			p.Do(cctx, "SET", s.valueKey(kv.Key), kv.Value, "PX", millis(ttl))
		}
		return nil
	})
	if err != nil {
		return fail(ctx, op, err)
	}
	return nil
}

// Value returns the value under key, or ErrNotFound.
func (s *Store) Value(ctx context.Context, key string) (_ []byte, err error) {
	defer s.observe("Value", s.callStart(), &err)
	op := "value"
	cctx, cancel, err := s.startValue(ctx, op, key)
	if err != nil {
		return nil, err
	}
	defer cancel()
	v, err := s.rdb.Get(cctx, s.valueKey(key)).Bytes()
	if err != nil {
		return nil, fail(ctx, fmt.Sprintf("%s %q", op, key), err)
	}
	return v, nil
}

// DeleteValue removes the value under key.
func (s *Store) DeleteValue(ctx context.Context, key string) (err error) {
	defer s.observe("DeleteValue", s.callStart(), &err)
	op := "delete value"
	cctx, cancel, err := s.startValue(ctx, op, key)
	if err != nil {
		return err
	}
	defer cancel()
	if err := s.rdb.Del(cctx, s.valueKey(key)).Err(); err != nil {
		return fail(ctx, fmt.Sprintf("%s %q", op, key), err)
	}
	return nil
}

// Values returns the values under keys (nil where there is none), read in
// one pipeline.
func (s *Store) Values(ctx context.Context, keys []string) (_ [][]byte, err error) {
	defer s.observe("Values", s.callStart(), &err)
	const op = "values"
	cctx, cancel, err := s.start(ctx, op)
	if err != nil {
		return nil, err
	}
	defer cancel()
	for _, key := range keys {
		if key == "" {
			return nil, fmt.Errorf("redis store %s: %w: empty key", op, bot.ErrInvalid)
		}
	}
	out := make([][]byte, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	cmds, err := s.rdb.Pipelined(cctx, func(p goredis.Pipeliner) error {
		for _, key := range keys {
			p.Get(cctx, s.valueKey(key))
		}
		return nil
	})
	if err != nil && !errors.Is(err, goredis.Nil) {
		return nil, fail(ctx, op, err)
	}
	for i, c := range cmds {
		v, err := c.(*goredis.StringCmd).Bytes()
		switch {
		case errors.Is(err, goredis.Nil):
		case err != nil:
			return nil, fail(ctx, op, err)
		case v == nil:
			out[i] = []byte{}
		default:
			out[i] = v
		}
	}
	return out, nil
}
