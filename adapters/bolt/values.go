package bolt

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/sndgct/maillage/bot"
	bbolt "go.etcd.io/bbolt"
)

// bucketValues holds ValueStore key -> {"value": bytes, "expires": time}.
var bucketValues = []byte("values")

type valueRecord struct {
	Value   []byte    `json:"value"`
	Expires time.Time `json:"expires"`
}

func checkValueKey(op, key string) error {
	if key == "" {
		return fmt.Errorf("bolt store %s: %w: empty key", op, bot.ErrInvalid)
	}
	return nil
}

// PutValue stores v under key for ttl.
func (s *Store) PutValue(ctx context.Context, key string, v []byte, ttl time.Duration) (err error) {
	defer s.observe("PutValue", s.callStart(), &err)
	if err := ctx.Err(); err != nil {
		return wrap("put value", err)
	}
	if err := checkValueKey("put value", key); err != nil {
		return err
	}
	if ttl <= 0 || len(v) > bot.MaxValueSize {
		return fmt.Errorf("bolt store put value %q: %w: a positive ttl and at most %d bytes are required", key, bot.ErrInvalid, bot.MaxValueSize)
	}
	rec, err := json.Marshal(valueRecord{Value: v, Expires: s.clock.Now().Add(ttl)})
	if err != nil {
		return fmt.Errorf("bolt store put value %q: %w", key, err)
	}
	err = s.db.Update(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketValues).Put([]byte(key), rec)
	})
	if err != nil {
		return wrap(fmt.Sprintf("put value %q", key), err)
	}
	return nil
}

var _ bot.ValueBatchWriter = (*Store)(nil)

// PutValues stores the values for ttl in one transaction.
func (s *Store) PutValues(ctx context.Context, kvs []bot.KeyValue, ttl time.Duration) (err error) {
	defer s.observe("PutValues", s.callStart(), &err)
	const op = "put values"
	if err := ctx.Err(); err != nil {
		return wrap(op, err)
	}
	recs, err := s.valueRecords(op, kvs, ttl)
	if err != nil || len(kvs) == 0 {
		return err
	}
	err = s.db.Update(func(tx *bbolt.Tx) error { return putValueRecords(tx, kvs, recs) })
	if err != nil {
		return wrap(op, err)
	}
	return nil
}

// valueRecords checks the values of PutValues and encodes their records.
func (s *Store) valueRecords(op string, kvs []bot.KeyValue, ttl time.Duration) ([][]byte, error) {
	expires := s.clock.Now().Add(ttl)
	recs := make([][]byte, len(kvs))
	for i, kv := range kvs {
		if err := checkValueKey(op, kv.Key); err != nil {
			return nil, err
		}
		if ttl <= 0 || len(kv.Value) > bot.MaxValueSize {
			return nil, fmt.Errorf("bolt store %s %q: %w: a positive ttl and at most %d bytes are required", op, kv.Key, bot.ErrInvalid, bot.MaxValueSize)
		}
		var err error
		if recs[i], err = json.Marshal(valueRecord{Value: kv.Value, Expires: expires}); err != nil {
			return nil, fmt.Errorf("bolt store %s %q: %w", op, kv.Key, err)
		}
	}
	return recs, nil
}

func putValueRecords(tx *bbolt.Tx, kvs []bot.KeyValue, recs [][]byte) error {
	b := tx.Bucket(bucketValues)
	for i, kv := range kvs {
		if err := b.Put([]byte(kv.Key), recs[i]); err != nil {
			return err
		}
	}
	return nil
}

// Value returns the value under key, or ErrNotFound.
func (s *Store) Value(ctx context.Context, key string) (_ []byte, err error) {
	defer s.observe("Value", s.callStart(), &err)
	if err := ctx.Err(); err != nil {
		return nil, wrap("value", err)
	}
	if err := checkValueKey("value", key); err != nil {
		return nil, err
	}
	var out []byte
	err = s.db.View(func(tx *bbolt.Tx) error {
		v := tx.Bucket(bucketValues).Get([]byte(key))
		if v == nil {
			return bot.ErrNotFound
		}
		var r valueRecord
		if err := json.Unmarshal(v, &r); err != nil {
			return err
		}
		if s.expired(r.Expires) {
			return bot.ErrNotFound
		}
		out = r.Value
		if out == nil {
			out = []byte{}
		}
		return nil
	})
	if err != nil {
		return nil, wrap(fmt.Sprintf("value %q", key), err)
	}
	return out, nil
}

// DeleteValue removes the value under key.
func (s *Store) DeleteValue(ctx context.Context, key string) (err error) {
	defer s.observe("DeleteValue", s.callStart(), &err)
	if err := ctx.Err(); err != nil {
		return wrap("delete value", err)
	}
	if err := checkValueKey("delete value", key); err != nil {
		return err
	}
	err = s.db.Update(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketValues).Delete([]byte(key))
	})
	if err != nil {
		return wrap(fmt.Sprintf("delete value %q", key), err)
	}
	return nil
}

// Values returns the values under keys (nil where there is none), read in
// one transaction.
func (s *Store) Values(ctx context.Context, keys []string) (_ [][]byte, err error) {
	defer s.observe("Values", s.callStart(), &err)
	if err := ctx.Err(); err != nil {
		return nil, wrap("values", err)
	}
	for _, key := range keys {
		if err := checkValueKey("values", key); err != nil {
			return nil, err
		}
	}
	out := make([][]byte, len(keys))
	err = s.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketValues)
		for i, key := range keys {
			v := b.Get([]byte(key))
			if v == nil {
				continue
			}
			var r valueRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("value %q: %w", key, err)
			}
			if !s.expired(r.Expires) {
				out[i] = r.Value
				if out[i] == nil {
					out[i] = []byte{}
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, wrap("values", err)
	}
	return out, nil
}
