package schedule

import (
	"strings"
	"testing"
	"time"
)

var paris = mustLoad("Europe/Paris")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func utc(y int, m time.Month, d, h, mi, s int) time.Time {
	return time.Date(y, m, d, h, mi, s, 0, time.UTC)
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		spec, want string
	}{
		{"", "empty schedule"},
		{"   ", "empty schedule"},
		{"61 * * * *", "61"},
		{"* * * *", "expected exactly 5 fields"},
		{"@fortnightly", "unrecognized descriptor"},
		{"@every 1.5s", "whole number of seconds"},
		{"@every 500ms", "whole number of seconds"},
		{"@every soon", "invalid duration"},
		{"CRON_TZ=Mars/Olympus 0 9 * * *", "bad location"},
		{"CRON_TZ=Europe/Paris", "followed by a space"},
		{"0 9 * * lundii", `day of week (5th field): "lundii" is not a day`},
		{"0 9 * brumaire *", `month (4th field): "brumaire" is not a month`},
		{"x 9 * * *", `minute (1st field): "x" is not a number`},
	}
	for _, tt := range tests {
		_, err := Parse(tt.spec, paris)
		if err == nil {
			t.Errorf("Parse(%q) = nil error, want one containing %q", tt.spec, tt.want)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%q) error = %q, want it to contain %q", tt.spec, err, tt.want)
		}
	}
}

// French and full English day and month names read as robfig/cron's
// abbreviations, in any case, with or without accents.
func TestParseNames(t *testing.T) {
	from := time.Date(2026, 12, 7, 10, 0, 0, 0, paris) // a Monday
	tests := []struct {
		spec string
		next time.Time
	}{
		{"30 9 * * lundi", time.Date(2026, 12, 14, 9, 30, 0, 0, paris)},
		{"30 9 * * Lundi-Vendredi", time.Date(2026, 12, 8, 9, 30, 0, 0, paris)},
		{"0 9 * * mardi,jeudi", time.Date(2026, 12, 8, 9, 0, 0, 0, paris)},
		{"0 9 * * SAMEDI", time.Date(2026, 12, 12, 9, 0, 0, 0, paris)},
		{"0 9 * * sunday", time.Date(2026, 12, 13, 9, 0, 0, 0, paris)},
		{"0 9 1 septembre *", time.Date(2027, 9, 1, 9, 0, 0, 0, paris)},
		{"0 9 15 août *", time.Date(2027, 8, 15, 9, 0, 0, 0, paris)},
		{"0 9 1 Février *", time.Date(2027, 2, 1, 9, 0, 0, 0, paris)},
		{"0 9 * janvier-mars lun", time.Date(2027, 1, 4, 9, 0, 0, 0, paris)},
		{"CRON_TZ=Europe/Paris 30 9 * * vendredi", time.Date(2026, 12, 11, 9, 30, 0, 0, paris)},
	}
	for _, tt := range tests {
		s, err := Parse(tt.spec, paris)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.spec, err)
			continue
		}
		if got := s.Next(from); !got.Equal(tt.next) {
			t.Errorf("Parse(%q).Next = %v, want %v", tt.spec, got, tt.next)
		}
		if s.String() != tt.spec {
			t.Errorf("String() = %q, want the spec as written %q", s.String(), tt.spec)
		}
	}
}

func TestParseZones(t *testing.T) {
	tests := []struct {
		spec string
		want string
	}{
		{"0 9 * * *", "Europe/Paris"},
		{"CRON_TZ=America/Cayenne 0 9 * * *", "America/Cayenne"},
		{"TZ=Pacific/Noumea @daily", "Pacific/Noumea"},
		{"@every 2s", "UTC"},
	}
	for _, tt := range tests {
		s, err := Parse(tt.spec, paris)
		if err != nil {
			t.Fatalf("Parse(%q) error: %v", tt.spec, err)
		}
		if got := s.Location().String(); got != tt.want {
			t.Errorf("Parse(%q).Location() = %s, want %s", tt.spec, got, tt.want)
		}
		if s.String() != tt.spec {
			t.Errorf("String() = %q, want %q", s.String(), tt.spec)
		}
	}
}

// The daylight-saving tables: 29 March 2026 (02:00 CET -> 03:00 CEST, i.e.
// 01:00 UTC) and 25 October 2026 (03:00 CEST -> 02:00 CET, i.e. 01:00 UTC).
func TestNextDST(t *testing.T) {
	tests := []struct {
		name string
		spec string
		from time.Time
		want []time.Time // the successive Next values
	}{
		{
			name: "daily 02:30 fires at the jump on 29 March",
			spec: "30 2 * * *",
			from: utc(2026, 3, 27, 12, 0, 0),
			want: []time.Time{
				utc(2026, 3, 28, 1, 30, 0), // 02:30 CET
				utc(2026, 3, 29, 1, 0, 0),  // 02:30 does not exist: 03:00 CEST
				utc(2026, 3, 30, 0, 30, 0), // 02:30 CEST
			},
		},
		{
			name: "daily 02:30 fires once on 25 October (first occurrence)",
			spec: "30 2 * * *",
			from: utc(2026, 10, 24, 12, 0, 0),
			want: []time.Time{
				utc(2026, 10, 25, 0, 30, 0), // 02:30 CEST; not again at 02:30 CET
				utc(2026, 10, 26, 1, 30, 0), // 02:30 CET
			},
		},
		{
			name: "every quarter of the 2 o'clock hour collapses to one slot in the gap",
			spec: "*/15 2 * * *",
			from: utc(2026, 3, 29, 0, 0, 0),
			want: []time.Time{
				utc(2026, 3, 29, 1, 0, 0),
				utc(2026, 3, 30, 0, 0, 0),
			},
		},
		{
			name: "02:30 and 03:00 in the gap fire once at 03:00 CEST",
			spec: "0,30 2,3 29 3 *",
			from: utc(2026, 3, 29, 0, 0, 0),
			want: []time.Time{
				utc(2026, 3, 29, 1, 0, 0),  // 02:00, 02:30 and 03:00
				utc(2026, 3, 29, 1, 30, 0), // 03:30 CEST
				utc(2027, 3, 29, 0, 0, 0),  // 02:00 CEST next year
			},
		},
		{
			name: "hourly on the fall-back day: one 02:00",
			spec: "@hourly",
			from: utc(2026, 10, 24, 23, 30, 0),
			want: []time.Time{
				utc(2026, 10, 25, 0, 0, 0), // 02:00 CEST
				utc(2026, 10, 25, 2, 0, 0), // 03:00 CET: 02:00 CET (01:00 UTC) is skipped
				utc(2026, 10, 25, 3, 0, 0), // 04:00 CET
			},
		},
		{
			name: "hourly across the spring jump",
			spec: "@hourly",
			from: utc(2026, 3, 28, 23, 30, 0),
			want: []time.Time{
				utc(2026, 3, 29, 0, 0, 0), // 01:00 CET
				utc(2026, 3, 29, 1, 0, 0), // 03:00 CEST (02:00 folded into it)
				utc(2026, 3, 29, 2, 0, 0), // 04:00 CEST
			},
		},
		{
			name: "weekdays at 9:30, Paris, over a weekend",
			spec: "30 9 * * mon-fri",
			from: utc(2026, 11, 27, 9, 0, 0), // Friday 10:00 CET
			want: []time.Time{
				utc(2026, 11, 30, 8, 30, 0), // Monday 09:30 CET
				utc(2026, 12, 1, 8, 30, 0),
			},
		},
		{
			name: "CRON_TZ in the outre-mer (no DST)",
			spec: "CRON_TZ=America/Cayenne 0 9 * * *",
			from: utc(2026, 3, 29, 0, 0, 0),
			want: []time.Time{utc(2026, 3, 29, 12, 0, 0), utc(2026, 3, 30, 12, 0, 0)},
		},
		{
			name: "every 2 seconds: even seconds since the epoch",
			spec: "@every 2s",
			from: utc(2026, 3, 29, 1, 59, 59).Add(500 * time.Millisecond),
			want: []time.Time{utc(2026, 3, 29, 2, 0, 0), utc(2026, 3, 29, 2, 0, 2), utc(2026, 3, 29, 2, 0, 4)},
		},
		{
			name: "every 90 minutes ignores the zone and DST",
			spec: "@every 90m",
			from: utc(2026, 10, 25, 0, 0, 0),
			want: []time.Time{utc(2026, 10, 25, 1, 30, 0), utc(2026, 10, 25, 3, 0, 0)},
		},
		{
			name: "weekly (Sunday midnight) over the spring change",
			spec: "@weekly",
			from: utc(2026, 3, 21, 0, 0, 0),
			want: []time.Time{utc(2026, 3, 21, 23, 0, 0), utc(2026, 3, 28, 23, 0, 0), utc(2026, 4, 4, 22, 0, 0)},
		},
		{
			name: "29 February only",
			spec: "0 12 29 2 *",
			from: utc(2026, 3, 1, 0, 0, 0),
			want: []time.Time{utc(2028, 2, 29, 11, 0, 0)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := MustParse(tt.spec, paris)
			at := tt.from
			for i, want := range tt.want {
				got := s.Next(at)
				if !got.Equal(want) {
					t.Fatalf("Next #%d after %v = %v (%v), want %v (%v)", i+1, at.UTC(), got.UTC(), got.In(paris), want, want.In(paris))
				}
				// Latest is Next's inverse: the slot itself is the
				// latest at its instant and just after it.
				if l := s.Latest(got); !l.Equal(got) {
					t.Errorf("Latest(%v) = %v, want the slot itself", got.UTC(), l.UTC())
				}
				if l := s.Latest(got.Add(time.Second - time.Nanosecond)); !l.Equal(got) {
					t.Errorf("Latest(%v + 1s) = %v, want %v", got.UTC(), l.UTC(), got.UTC())
				}
				at = got
			}
		})
	}
}

func TestNextNever(t *testing.T) {
	s := MustParse("0 0 30 2 *", paris)
	if got := s.Next(utc(2026, 1, 1, 0, 0, 0)); !got.IsZero() {
		t.Errorf("Next of 30 February = %v, want zero", got)
	}
	if got := s.Latest(utc(2026, 1, 1, 0, 0, 0)); !got.IsZero() {
		t.Errorf("Latest of 30 February = %v, want zero", got)
	}
	if got := (Schedule{}).Next(utc(2026, 1, 1, 0, 0, 0)); !got.IsZero() {
		t.Errorf("zero Schedule Next = %v, want zero", got)
	}
}

func TestLatest(t *testing.T) {
	tests := []struct {
		spec string
		at   time.Time
		want time.Time
	}{
		{"30 2 * * *", utc(2026, 3, 29, 0, 59, 59), utc(2026, 3, 28, 1, 30, 0)},
		{"30 2 * * *", utc(2026, 3, 29, 1, 0, 0), utc(2026, 3, 29, 1, 0, 0)},
		{"30 2 * * *", utc(2026, 10, 25, 1, 45, 0), utc(2026, 10, 25, 0, 30, 0)}, // 02:45 CET, after the second 02:30
		{"0 9 * * mon-fri", utc(2026, 11, 29, 20, 0, 0), utc(2026, 11, 27, 8, 0, 0)},
		{"@every 2s", utc(2026, 3, 29, 2, 0, 3), utc(2026, 3, 29, 2, 0, 2)},
		{"@every 1h", utc(2026, 3, 29, 2, 59, 59), utc(2026, 3, 29, 2, 0, 0)},
	}
	for _, tt := range tests {
		if got := MustParse(tt.spec, paris).Latest(tt.at); !got.Equal(tt.want) {
			t.Errorf("%q Latest(%v) = %v, want %v", tt.spec, tt.at, got.UTC(), tt.want)
		}
	}
}

func TestBetween(t *testing.T) {
	s := MustParse("@hourly", paris)
	from := utc(2026, 11, 26, 5, 0, 0)
	got, more := s.Between(from, from.Add(6*time.Hour), 100)
	if len(got) != 6 || more {
		t.Fatalf("Between over 6 hours = %d slots (more %v), want 6", len(got), more)
	}
	if !got[0].Equal(from.Add(time.Hour)) || !got[5].Equal(from.Add(6*time.Hour)) {
		t.Errorf("Between = %v .. %v, want 06:00 .. 11:00 UTC", got[0].UTC(), got[5].UTC())
	}
	got, more = s.Between(from, from.Add(6*time.Hour), 2)
	if len(got) != 2 || !more {
		t.Errorf("Between capped at 2 = %d slots (more %v), want 2 and more", len(got), more)
	}
	got, more = s.Between(from, from.Add(30*time.Minute), 10)
	if len(got) != 0 || more {
		t.Errorf("Between over 30 minutes = %v, want none", got)
	}
}

func TestWallInstant(t *testing.T) {
	tests := []struct {
		name     string
		y        int
		m        time.Month
		d, h, mi int
		loc      *time.Location
		want     time.Time
	}{
		{"ordinary", 2026, 11, 26, 9, 30, paris, utc(2026, 11, 26, 8, 30, 0)},
		{"gap", 2026, 3, 29, 2, 30, paris, utc(2026, 3, 29, 1, 0, 0)},
		{"fold, first occurrence", 2026, 10, 25, 2, 30, paris, utc(2026, 10, 25, 0, 30, 0)},
		{"New York gap", 2026, 3, 8, 2, 15, mustLoad("America/New_York"), utc(2026, 3, 8, 7, 0, 0)},
		{"Lord Howe half-hour fold", 2026, 4, 5, 1, 45, mustLoad("Australia/Lord_Howe"), utc(2026, 4, 4, 14, 45, 0)},
	}
	for _, tt := range tests {
		got := WallInstant(tt.y, tt.m, tt.d, tt.h, tt.mi, 0, tt.loc)
		if !got.Equal(tt.want) {
			t.Errorf("%s: WallInstant = %v (%v), want %v", tt.name, got.UTC(), got, tt.want)
		}
	}
}

func TestWindow(t *testing.T) {
	w := NewWindow([]time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}, 9*60, 18*60)
	reunion := mustLoad("Indian/Reunion") // UTC+4
	tests := []struct {
		name     string
		at       time.Time
		loc      *time.Location
		contains bool
		next     time.Time
	}{
		{"Thursday 10:00 Paris", utc(2026, 11, 26, 9, 0, 0), paris, true, utc(2026, 11, 26, 9, 0, 0)},
		{"Thursday 18:00 Paris, closed", utc(2026, 11, 26, 17, 0, 0), paris, false, utc(2026, 11, 27, 8, 0, 0)},
		{"Friday 20:00 Paris, opens Monday", utc(2026, 11, 27, 19, 0, 0), paris, false, utc(2026, 11, 30, 8, 0, 0)},
		{"Sunday noon", utc(2026, 11, 29, 11, 0, 0), paris, false, utc(2026, 11, 30, 8, 0, 0)},
		{"Monday 07:00 Paris", utc(2026, 11, 30, 6, 0, 0), paris, false, utc(2026, 11, 30, 8, 0, 0)},
		{"Thursday 10:00 Paris is 13:00 in La Réunion", utc(2026, 11, 26, 9, 0, 0), reunion, true, utc(2026, 11, 26, 9, 0, 0)},
		{"Thursday 16:00 Paris is 19:00 in La Réunion", utc(2026, 11, 26, 15, 0, 0), reunion, false, utc(2026, 11, 27, 5, 0, 0)},
		{"Friday before the spring change, opens Monday CEST", utc(2026, 3, 27, 18, 0, 0), paris, false, utc(2026, 3, 30, 7, 0, 0)},
	}
	for _, tt := range tests {
		if got := w.Contains(tt.at, tt.loc); got != tt.contains {
			t.Errorf("%s: Contains = %v, want %v", tt.name, got, tt.contains)
		}
		if got := w.NextOpen(tt.at, tt.loc); !got.Equal(tt.next) {
			t.Errorf("%s: NextOpen = %v, want %v", tt.name, got.UTC(), tt.next)
		}
	}
	if got := (Window{}).NextOpen(utc(2026, 1, 1, 0, 0, 0), paris); !got.IsZero() {
		t.Errorf("empty window NextOpen = %v, want zero", got)
	}
}

func BenchmarkNextEveryMinute(b *testing.B) {
	s := MustParse("* * * * *", paris)
	at := utc(2026, 10, 25, 0, 0, 0)
	for b.Loop() {
		at = s.Next(at)
	}
}

func BenchmarkLatestWeekly(b *testing.B) {
	s := MustParse("30 9 * * mon", paris)
	at := utc(2026, 10, 25, 0, 0, 0)
	for b.Loop() {
		s.Latest(at)
	}
}

// Parse never panics, and what it accepts has slots that move forward.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"0 9 * * mon-fri", "@every 2s", "CRON_TZ=Europe/Paris 30 2 * * *", "TZ=", "@every", "*/0 * * * *", "0-70/5 * * * *", "CRON_TZ=x", "@weekly"} {
		f.Add(s)
	}
	from := utc(2026, 3, 29, 0, 0, 0)
	f.Fuzz(func(t *testing.T, spec string) {
		s, err := Parse(spec, paris)
		if err != nil {
			return
		}
		if next := s.Next(from); !next.IsZero() && !next.After(from) {
			t.Errorf("%q: Next(%v) = %v, not after", spec, from, next)
		}
		if l := s.Latest(from); !l.IsZero() && l.After(from) {
			t.Errorf("%q: Latest(%v) = %v, after", spec, from, l)
		}
	})
}
