package evtime

import (
	"sort"
	"time"
)

// Window is the event-time interval [Start, End).
type Window struct{ Start, End int64 }

// MaxTimestamp is the window's last millisecond: it fires when the
// watermark reaches it.
func (w Window) MaxTimestamp() int64 { return w.End - 1 }

// Assigner gives a record's windows. Assign appends them to dst, by
// start ascending. Merging assigners (sessions) need their windows merged
// by the caller (see MergeSet).
type Assigner interface {
	Assign(ts int64, dst []Window) []Window
	Merging() bool
}

type tumbling struct{ size, offset int64 }

// Tumbling windows of size, shifted by offset (Flink's
// TumblingEventTimeWindows).
func Tumbling(size, offset time.Duration) Assigner {
	return tumbling{size.Milliseconds(), offset.Milliseconds()}
}

func (t tumbling) Assign(ts int64, dst []Window) []Window {
	s := windowStart(ts, t.offset, t.size)
	return append(dst, Window{s, s + t.size})
}

func (tumbling) Merging() bool { return false }

// windowStart is Flink's TimeWindow.getWindowStartWithOffset, correct for
// negative times too.
func windowStart(ts, offset, size int64) int64 {
	r := (ts - offset) % size
	if r < 0 {
		r += size
	}
	return ts - r
}

type sliding struct{ size, slide, offset int64 }

// Sliding windows of size every slide (Flink's SlidingEventTimeWindows).
func Sliding(size, slide, offset time.Duration) Assigner {
	return sliding{size.Milliseconds(), slide.Milliseconds(), offset.Milliseconds()}
}

func (s sliding) Assign(ts int64, dst []Window) []Window {
	last := windowStart(ts, s.offset, s.slide)
	first := last
	for first-s.slide > ts-s.size {
		first -= s.slide
	}
	for start := first; start <= last; start += s.slide {
		dst = append(dst, Window{start, start + s.size})
	}
	return dst
}

func (sliding) Merging() bool { return false }

type sessions struct{ gap int64 }

// Sessions give each record [ts, ts+gap); overlapping ones merge (Flink's
// EventTimeSessionWindows).
func Sessions(gap time.Duration) Assigner { return sessions{gap.Milliseconds()} }

func (s sessions) Assign(ts int64, dst []Window) []Window { return append(dst, Window{ts, ts + s.gap}) }

func (sessions) Merging() bool { return true }

// MergeSet is one key's session windows, sorted by start, never
// overlapping.
type MergeSet struct{ Windows []Window }

// Add merges w with every window it intersects (Flink's
// TimeWindow.intersects: touching windows merge) and returns the result
// and the existing windows absorbed into it.
func (s *MergeSet) Add(w Window) (Window, []Window) {
	var merged []Window
	kept := s.Windows[:0:0]
	for _, x := range s.Windows {
		if x.Start <= w.End && w.Start <= x.End {
			w = Window{min(w.Start, x.Start), max(w.End, x.End)}
			merged = append(merged, x)
			continue
		}
		kept = append(kept, x)
	}
	kept = append(kept, w)
	sort.Slice(kept, func(i, j int) bool { return kept[i].Start < kept[j].Start })
	s.Windows = kept
	return w, merged
}

// Remove drops w.
func (s *MergeSet) Remove(w Window) {
	for i, x := range s.Windows {
		if x == w {
			s.Windows = append(s.Windows[:i], s.Windows[i+1:]...)
			return
		}
	}
}

// CleanupTime is when window w's state goes: its last millisecond plus
// the allowed lateness, saturating at MaxTime.
func CleanupTime(w Window, lateness time.Duration) int64 {
	l := lateness.Milliseconds()
	if w.MaxTimestamp() > MaxTime-l {
		return MaxTime
	}
	return w.MaxTimestamp() + l
}

// IsLate reports whether a record for w comes after w's state was cleaned
// up (Flink's WindowOperator.isWindowLate).
func IsLate(w Window, watermark int64, lateness time.Duration) bool {
	return CleanupTime(w, lateness) <= watermark
}
