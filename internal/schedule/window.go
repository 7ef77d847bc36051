package schedule

import "time"

// Window is a weekly working window, the right to disconnect: on the given
// days, from Start to End (minutes since local midnight, Start < End <=
// 1440), in the zone a caller gives (the member's own when known).
type Window struct {
	Days       [7]bool // indexed by time.Weekday
	Start, End int
}

// NewWindow builds a window from days and "minutes since midnight" bounds.
func NewWindow(days []time.Weekday, start, end int) Window {
	w := Window{Start: start, End: end}
	for _, d := range days {
		w.Days[d] = true
	}
	return w
}

// IsZero reports whether the window has no day: nothing is ever inside.
func (w Window) IsZero() bool { return w.Days == [7]bool{} || w.End <= w.Start }

// Contains reports whether t, read in loc, falls inside the window.
func (w Window) Contains(t time.Time, loc *time.Location) bool {
	t = t.In(loc)
	if !w.Days[t.Weekday()] {
		return false
	}
	min := t.Hour()*60 + t.Minute()
	return min >= w.Start && min < w.End
}

// NextOpen returns t when it is inside the window, else the next instant
// the window opens (read in loc), or the zero time for an empty window.
func (w Window) NextOpen(t time.Time, loc *time.Location) time.Time {
	if w.IsZero() {
		return time.Time{}
	}
	if w.Contains(t, loc) {
		return t
	}
	lt := t.In(loc)
	y, m, d := lt.Date()
	for i := range 8 {
		day := time.Date(y, m, d+i, 12, 0, 0, 0, loc)
		if !w.Days[day.Weekday()] {
			continue
		}
		dy, dm, dd := day.Date()
		open := WallInstant(dy, dm, dd, w.Start/60, w.Start%60, 0, loc)
		if open.After(t) {
			return open
		}
	}
	return time.Time{}
}
