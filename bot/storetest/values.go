package storetest

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sndgct/maillage/bot"
)

// valueTests are the ValueStore contracts, run by Run.
func valueTests() []namedTest {
	return []namedTest{
		{"ValueRoundTrip", testValueRoundTrip},
		{"ValueInvalid", testValueInvalid},
		{"ValueExpiry", testValueExpiry},
		{"ValueCanceledContext", testValueCanceledContext},
		{"ValueBatch", testValueBatch},
		{"ValueBatchRead", testValueBatchRead},
	}
}

type namedTest = struct {
	name string
	fn   func(t *testing.T, h Harness)
}

func wantValue(t *testing.T, s bot.Store, key string, want []byte) {
	t.Helper()
	got, err := s.Value(t.Context(), key)
	if err != nil {
		t.Fatalf("Value(%q) error: %v", key, err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("Value(%q) = %q, want %q", key, got, want)
	}
}

func testValueRoundTrip(t *testing.T, h Harness) {
	ctx := t.Context()
	vals := map[string][]byte{
		"slack:dm:3f2a":           []byte("D0123"),
		"{v}:* é 🚀":               {0, 1, 2, 0xff},
		"empty":                   {},
		"big":                     bytes.Repeat([]byte("x"), bot.MaxValueSize),
		strings.Repeat("k", 1000): []byte("long key"),
	}
	for k, v := range vals {
		if err := h.Store.PutValue(ctx, k, v, time.Hour); err != nil {
			t.Fatalf("PutValue(%q) error: %v", k, err)
		}
	}
	for k, v := range vals {
		wantValue(t, h.Store, k, v)
	}
	// Replace.
	if err := h.Store.PutValue(ctx, "slack:dm:3f2a", []byte("D0456"), time.Hour); err != nil {
		t.Fatalf("PutValue(replace) error: %v", err)
	}
	wantValue(t, h.Store, "slack:dm:3f2a", []byte("D0456"))
	// Values live apart from seen keys and claims.
	if !firstSeen(t, h.Store, "slack:dm:3f2a", time.Hour) {
		t.Errorf("FirstSeen(key also used by PutValue) = false, want true")
	}
	// Delete, twice.
	for range 2 {
		if err := h.Store.DeleteValue(ctx, "slack:dm:3f2a"); err != nil {
			t.Fatalf("DeleteValue error: %v", err)
		}
	}
	_, err := h.Store.Value(ctx, "slack:dm:3f2a")
	wantErrIs(t, "Value(deleted)", err, bot.ErrNotFound)
	_, err = h.Store.Value(ctx, "never")
	wantErrIs(t, "Value(never stored)", err, bot.ErrNotFound)
}

func testValueInvalid(t *testing.T, h Harness) {
	ctx := t.Context()
	puts := []struct {
		key string
		v   []byte
		ttl time.Duration
	}{
		{"", []byte("v"), time.Hour},
		{"k", []byte("v"), 0},
		{"k", []byte("v"), -time.Second},
		{"k", bytes.Repeat([]byte("x"), bot.MaxValueSize+1), time.Hour},
	}
	for _, p := range puts {
		err := h.Store.PutValue(ctx, p.key, p.v, p.ttl)
		wantErrIs(t, fmt.Sprintf("PutValue(%q, %d bytes, %v)", p.key, len(p.v), p.ttl), err, bot.ErrInvalid)
	}
	_, err := h.Store.Value(ctx, "")
	wantErrIs(t, "Value(empty key)", err, bot.ErrInvalid)
	wantErrIs(t, "DeleteValue(empty key)", h.Store.DeleteValue(ctx, ""), bot.ErrInvalid)
	_, err = h.Store.Value(ctx, "k")
	wantErrIs(t, "Value(k) after invalid puts", err, bot.ErrNotFound)
}

func testValueExpiry(t *testing.T, h Harness) {
	h.needAdvance(t)
	ctx := t.Context()
	if err := h.Store.PutValue(ctx, "short", []byte("a"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := h.Store.PutValue(ctx, "long", []byte("b"), time.Hour); err != nil {
		t.Fatal(err)
	}
	h.Advance(59 * time.Second)
	wantValue(t, h.Store, "short", []byte("a"))
	h.Advance(2 * time.Second)
	_, err := h.Store.Value(ctx, "short")
	wantErrIs(t, "Value(expired)", err, bot.ErrNotFound)
	wantValue(t, h.Store, "long", []byte("b"))
	// A new put after expiry lives again.
	if err := h.Store.PutValue(ctx, "short", []byte("c"), time.Minute); err != nil {
		t.Fatal(err)
	}
	wantValue(t, h.Store, "short", []byte("c"))
}

// testValueBatch checks the optional bot.ValueBatchWriter: every value
// written, replaced, expiring; an invalid one and nothing is written.
func testValueBatch(t *testing.T, h Harness) {
	s, ok := h.Store.(bot.ValueBatchWriter)
	if !ok {
		t.Skip("the store writes values one at a time")
	}
	ctx := t.Context()
	if err := h.Store.PutValue(ctx, "b", []byte("old"), time.Hour); err != nil {
		t.Fatal(err)
	}
	kvs := []bot.KeyValue{{Key: "a", Value: []byte("1")}, {Key: "b", Value: []byte("2")}, {Key: "{v}:* é", Value: []byte{0, 0xff}}}
	if err := s.PutValues(ctx, kvs, time.Minute); err != nil {
		t.Fatalf("PutValues: %v", err)
	}
	for _, kv := range kvs {
		wantValue(t, h.Store, kv.Key, kv.Value)
	}
	for _, bad := range [][]bot.KeyValue{
		{{Key: "c", Value: []byte("3")}, {Key: "", Value: []byte("v")}},
		{{Key: "c", Value: []byte("3")}, {Key: "d", Value: bytes.Repeat([]byte("x"), bot.MaxValueSize+1)}},
	} {
		wantErrIs(t, "PutValues(with an invalid value)", s.PutValues(ctx, bad, time.Minute), bot.ErrInvalid)
	}
	wantErrIs(t, "PutValues(ttl 0)", s.PutValues(ctx, []bot.KeyValue{{Key: "c", Value: []byte("3")}}, 0), bot.ErrInvalid)
	_, err := h.Store.Value(ctx, "c")
	wantErrIs(t, "Value(c) after invalid batches", err, bot.ErrNotFound)
	if err := s.PutValues(ctx, nil, time.Minute); err != nil {
		t.Errorf("PutValues(none): %v", err)
	}
	if h.Advance == nil {
		return
	}
	h.Advance(61 * time.Second)
	_, err = h.Store.Value(ctx, "a")
	wantErrIs(t, "Value(a) after its ttl", err, bot.ErrNotFound)
}

func testValueCanceledContext(t *testing.T, h Harness) {
	if err := h.Store.PutValue(t.Context(), "k", []byte("v"), time.Hour); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	wantErrIs(t, "PutValue(canceled)", h.Store.PutValue(ctx, "k", []byte("w"), time.Hour), context.Canceled)
	_, err := h.Store.Value(ctx, "k")
	wantErrIs(t, "Value(canceled)", err, context.Canceled)
	wantErrIs(t, "DeleteValue(canceled)", h.Store.DeleteValue(ctx, "k"), context.Canceled)
	wantValue(t, h.Store, "k", []byte("v"))
}

// testValueBatchRead checks the optional bot.ValueBatchReader: each key's
// value as Value returns it, nil where there is none (never set, deleted,
// expired), an empty value empty but not nil.
func testValueBatchRead(t *testing.T, h Harness) {
	r, ok := h.Store.(bot.ValueBatchReader)
	if !ok {
		t.Skip("the store reads values one at a time")
	}
	ctx := t.Context()
	for k, v := range map[string]string{"a": "1", "{v}:* é": "\x00\xff", "empty": "", "gone": "x"} {
		if err := h.Store.PutValue(ctx, k, []byte(v), time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.Store.PutValue(ctx, "long", []byte("L"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := h.Store.DeleteValue(ctx, "gone"); err != nil {
		t.Fatal(err)
	}
	check := func(keys []string, want []string) {
		t.Helper()
		got, err := r.Values(ctx, keys)
		if err != nil || len(got) != len(keys) {
			t.Fatalf("Values(%q) = %q, %v", keys, got, err)
		}
		for i, w := range want {
			switch {
			case w == "<nil>" && got[i] != nil:
				t.Errorf("Values: %q = %q, want none", keys[i], got[i])
			case w != "<nil>" && (got[i] == nil || string(got[i]) != w):
				t.Errorf("Values: %q = %q (nil %v), want %q", keys[i], got[i], got[i] == nil, w)
			}
		}
	}
	keys := []string{"a", "never", "{v}:* é", "empty", "gone", "a", "long"}
	check(keys, []string{"1", "<nil>", "\x00\xff", "", "<nil>", "1", "L"})
	if got, err := r.Values(ctx, nil); err != nil || len(got) != 0 {
		t.Errorf("Values(none) = %q, %v", got, err)
	}
	_, err := r.Values(ctx, []string{"a", ""})
	wantErrIs(t, "Values(with an empty key)", err, bot.ErrInvalid)
	if h.Advance == nil {
		return
	}
	h.Advance(61 * time.Second)
	check(keys, []string{"<nil>", "<nil>", "<nil>", "<nil>", "<nil>", "<nil>", "L"})
}
