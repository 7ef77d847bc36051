package fakeclock

import (
	"testing"
	"time"
)

func TestAdvance(t *testing.T) {
	start := time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC)
	c := New(start)
	if got := c.Now(); !got.Equal(start) {
		t.Errorf("Now() = %v, want %v", got, start)
	}
	c.Advance(90 * time.Minute)
	if got, want := c.Now(), start.Add(90*time.Minute); !got.Equal(want) {
		t.Errorf("Now() after Advance = %v, want %v", got, want)
	}
}

func TestSet(t *testing.T) {
	start := time.Date(2026, 10, 25, 1, 0, 0, 0, time.UTC)
	c := New(start)
	c.Set(start.Add(-6 * time.Hour))
	if got, want := c.Now(), start.Add(-6*time.Hour); !got.Equal(want) {
		t.Fatalf("after Set back, Now() = %v, want %v", got, want)
	}
	c.Advance(time.Minute)
	if got, want := c.Now(), start.Add(-6*time.Hour+time.Minute); !got.Equal(want) {
		t.Fatalf("after Set then Advance, Now() = %v, want %v", got, want)
	}
}
