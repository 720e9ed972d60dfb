package evtime

import (
	"errors"
	"fmt"
	"time"
)

// ErrWindowParams is returned, wrapped with the reason, by the window
// assigner constructors for sizes, slides, gaps or offsets they reject.
var ErrWindowParams = errors.New("evtime: invalid window parameters")

// Assigner puts a record into windows by its event timestamp.
type Assigner interface {
	// Assign appends the windows that contain ts to dst and returns the
	// extended slice. It allocates only when dst lacks capacity. Reserved
	// timestamps (MinTime, MaxTime) get no window.
	Assign(ts int64, dst []Window) []Window
	// Merging reports whether the windows of one key must be merged with a
	// [MergeSet] (session windows).
	Merging() bool
}

// TumblingWindows assigns each record to one fixed-size window; see
// [NewTumbling].
type TumblingWindows struct{ size, offset int64 }

// NewTumbling returns Flink's TumblingEventTimeWindows.of(size, offset):
// windows [start, start+size) with start = ts - mod(ts-offset, size), where
// mod is never negative, so negative timestamps fall in the right window.
// Size and offset are truncated to whole milliseconds, as Flink's
// Duration.toMillis; size must then be at least 1ms and |offset| < size (as
// Flink), otherwise it returns an error wrapping [ErrWindowParams].
func NewTumbling(size, offset time.Duration) (TumblingWindows, error) {
	s, o, err := checkGrid("tumbling size", size, offset)
	return TumblingWindows{size: s, offset: o}, err
}

// Tumbling is [NewTumbling] for parameters known to be valid; it panics on
// invalid ones, like [time.NewTicker] on a non-positive duration.
func Tumbling(size, offset time.Duration) Assigner { return must(NewTumbling(size, offset)) }

// Assign implements [Assigner].
func (t TumblingWindows) Assign(ts int64, dst []Window) []Window {
	if reserved(ts) {
		return dst
	}
	start := windowStart(ts, t.offset, t.size)
	return append(dst, Window{Start: start, End: satAdd(start, t.size)})
}

// Merging implements [Assigner]; tumbling windows never merge.
func (TumblingWindows) Merging() bool { return false }

// SessionWindows gives each record its own window of one gap; see
// [NewSessions].
type SessionWindows struct{ gap int64 }

// NewSessions returns Flink's EventTimeSessionWindows.withGap(gap): each
// record gets [ts, ts+gap), and a key's windows that intersect merge (see
// [MergeSet]). The gap is truncated to whole milliseconds and must be at
// least 1ms.
func NewSessions(gap time.Duration) (SessionWindows, error) {
	g, err := positiveMillis("session gap", gap)
	return SessionWindows{gap: g}, err
}

// Sessions is [NewSessions] that panics on an invalid gap.
func Sessions(gap time.Duration) Assigner { return must(NewSessions(gap)) }

// Assign implements [Assigner].
func (s SessionWindows) Assign(ts int64, dst []Window) []Window {
	if reserved(ts) {
		return dst
	}
	return append(dst, Window{Start: ts, End: satAdd(ts, s.gap)})
}

// Merging implements [Assigner]; session windows merge.
func (SessionWindows) Merging() bool { return true }

// windowStart is Flink's TimeWindow.getWindowStartWithOffset, computed
// without overflow: the start of the size-long grid cell, shifted by offset,
// that contains ts. It requires |offset| < size.
func windowStart(ts, offset, size int64) int64 {
	r := (ts%size - offset) % size
	if r < 0 {
		r += size
	}
	return satAdd(ts, -r)
}

// checkGrid validates a window length and an offset within it, after
// truncating both to whole milliseconds.
func checkGrid(what string, length, offset time.Duration) (l, o int64, err error) {
	if l, err = positiveMillis(what, length); err != nil {
		return 0, 0, err
	}
	if o = millis(offset); o <= -l || o >= l {
		return 0, 0, fmt.Errorf("%w: offset %v must satisfy |offset| < %s %v",
			ErrWindowParams, offset, what, length)
	}
	return l, o, nil
}

// positiveMillis truncates d to whole milliseconds and requires at least one.
func positiveMillis(what string, d time.Duration) (int64, error) {
	if ms := millis(d); ms > 0 {
		return ms, nil
	}
	return 0, fmt.Errorf("%w: %s %v must be at least 1ms", ErrWindowParams, what, d)
}

func must[A Assigner](a A, err error) Assigner {
	if err != nil {
		panic(err)
	}
	return a
}
