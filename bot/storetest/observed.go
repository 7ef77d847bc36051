package storetest

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/sndgct/maillage/bot"
)

// storeCall is one call a recorder was told of.
type storeCall struct {
	op  string
	d   time.Duration
	err error
}

// recorder is a bot.StoreObserver that keeps the calls it is told of.
type recorder struct {
	mu    sync.Mutex
	calls []storeCall
}

func (r *recorder) StoreCall(op string, d time.Duration, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, storeCall{op, d, err})
}

// take returns the calls recorded since the last take.
func (r *recorder) take() []storeCall {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.calls
	r.calls = nil
	return c
}

// purger is a store that keeps expired records until told to remove them.
type purger interface {
	Purge(ctx context.Context) (int, error)
}

// Observed checks a store's bot.StoreObserver: open returns a fresh, empty
// store that reports its calls to obs (and registers its Close with
// t.Cleanup). Every method of bot.Store but Close, found by reflection so
// that a method added to the port is checked too, is called once with a
// live context and once with a canceled one; each call must report exactly
// one StoreCall named after the method, with the error the method returned
// (the canceled calls all fail). Purge, when the store has it, is checked
// the same way; Close reports nothing.
func Observed(t *testing.T, open func(t *testing.T, obs bot.StoreObserver) bot.Store) {
	t.Helper()
	rec := &recorder{}
	s := open(t, rec)
	rec.take() // whatever opening the store did is not a call of its user

	live := t.Context()
	canceled, cancel := context.WithCancel(live)
	cancel()

	st := reflect.TypeFor[bot.Store]()
	errType := reflect.TypeFor[error]()
	sv := reflect.ValueOf(s)
	var want, observed []string
	for i := range st.NumMethod() {
		m := st.Method(i)
		if m.Name == "Close" {
			continue
		}
		want = append(want, m.Name)
		for _, ctx := range []context.Context{live, canceled} {
			out := sv.MethodByName(m.Name).Call(args(ctx, m.Type))
			var err error
			if last := out[len(out)-1]; last.Type() == errType && !last.IsNil() {
				err = last.Interface().(error)
			}
			if ctx == canceled && err == nil {
				t.Errorf("%s(canceled context) returned no error", m.Name)
			}
			if checkOneCall(t, m.Name, err, rec.take()) && ctx == live {
				observed = append(observed, m.Name)
			}
		}
	}
	if !slices.Equal(observed, want) {
		t.Errorf("observed methods:\n%q\nwant every method of bot.Store but Close:\n%q", observed, want)
	}

	// A call that fails for a reason of its own reports its error.
	_, err := s.Member(live, bot.UserRef{Platform: bot.PlatformSlack, Workspace: "T01", User: "U-nobody"})
	if !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("Member(unknown) = %v, want ErrNotFound", err)
	}
	checkOneCall(t, "Member", err, rec.take())

	if p, ok := s.(purger); ok {
		for _, ctx := range []context.Context{live, canceled} {
			_, err := p.Purge(ctx)
			checkOneCall(t, "Purge", err, rec.take())
		}
	}

	if err := s.Close(); err != nil {
		t.Errorf("Close() error: %v", err)
	}
	if calls := rec.take(); len(calls) > 0 {
		t.Errorf("Close reported %v, want nothing", calls)
	}
}

// checkOneCall reports whether calls is the single call of op that
// returned err.
func checkOneCall(t *testing.T, op string, err error, calls []storeCall) bool {
	t.Helper()
	if len(calls) != 1 || calls[0].op != op {
		t.Errorf("%s reported %v, want one call of %s", op, calls, op)
		return false
	}
	if got := calls[0].err; !errors.Is(got, err) || !errors.Is(err, got) {
		t.Errorf("%s reported error %v, returned %v", op, got, err)
		return false
	}
	if calls[0].d < 0 {
		t.Errorf("%s reported a negative duration %v", op, calls[0].d)
		return false
	}
	return true
}

// args are arguments for a call of a method of type ft (its receiver
// excluded): ctx, then plausible values: a valid member reference, a
// short id, a minute, callbacks that return zero values, zero otherwise.
func args(ctx context.Context, ft reflect.Type) []reflect.Value {
	in := []reflect.Value{reflect.ValueOf(ctx)}
	for j := 1; j < ft.NumIn(); j++ {
		pt := ft.In(j)
		switch {
		case pt == reflect.TypeFor[bot.UserRef]():
			in = append(in, reflect.ValueOf(alice))
		case pt == reflect.TypeFor[time.Duration]():
			in = append(in, reflect.ValueOf(time.Minute))
		case pt.Kind() == reflect.String:
			in = append(in, reflect.ValueOf("observed").Convert(pt))
		case pt.Kind() == reflect.Func:
			in = append(in, reflect.MakeFunc(pt, func([]reflect.Value) []reflect.Value {
				out := make([]reflect.Value, pt.NumOut())
				for k := range out {
					out[k] = reflect.Zero(pt.Out(k))
				}
				return out
			}))
		default:
			in = append(in, reflect.Zero(pt))
		}
	}
	return in
}
