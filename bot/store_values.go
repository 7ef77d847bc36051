package bot

import (
	"context"
	"time"
)

// MaxValueSize is the largest value a ValueStore accepts, in bytes.
const MaxValueSize = 64 << 10

// ValueStore keeps small opaque values with an expiry, for the adapters'
// caches and coordination shared between replicas (a direct-message channel
// id, the time until which a platform method is rate limited). Callers choose
// keys that hold no user id (hash them), so that nothing personal sits in
// keys; values expire by themselves.
//
// Like every Store method, each returns an error wrapping the context's
// error when ctx has already ended, and errors wrapping ErrUnavailable when
// the store cannot be reached.
type ValueStore interface {
	// PutValue stores v under key until ttl has passed, replacing any
	// value. It returns an error wrapping ErrInvalid for an empty key,
	// ttl <= 0 or a value larger than MaxValueSize.
	PutValue(ctx context.Context, key string, v []byte, ttl time.Duration) error

	// Value returns the value stored under key, or an error wrapping
	// ErrNotFound when there is none or it has expired. ErrInvalid for an
	// empty key.
	Value(ctx context.Context, key string) ([]byte, error)

	// DeleteValue removes the value under key; no error if there is none.
	// ErrInvalid for an empty key.
	DeleteValue(ctx context.Context, key string) error
}

// KeyValue is one value of ValueBatchWriter.PutValues.
type KeyValue struct {
	Key   string
	Value []byte
}

// ValueBatchWriter is an optional capability of a ValueStore: several
// values written at once (one transaction, one pipeline), for the
// broadcast engine's cache of direct conversations.
type ValueBatchWriter interface {
	// PutValues stores each value under its key until ttl has passed,
	// as PutValue would. ErrInvalid as PutValue, and then nothing is
	// written.
	PutValues(ctx context.Context, kvs []KeyValue, ttl time.Duration) error
}

// ValueBatchReader is an optional capability of a ValueStore: several
// values read at once (one transaction, one pipeline), for the broadcast
// engine's cache of direct conversations.
type ValueBatchReader interface {
	// Values returns the value under each key, as Value would, or nil
	// where there is none (never set, expired, deleted). ErrInvalid for an
	// empty key.
	Values(ctx context.Context, keys []string) ([][]byte, error)
}
