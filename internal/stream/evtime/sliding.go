package evtime

import (
	"fmt"
	"time"
)

// SlidingWindows assigns each record to the overlapping windows of a fixed
// size that start every slide; see [NewSliding].
type SlidingWindows struct{ size, slide, offset int64 }

// NewSliding returns Flink's SlidingEventTimeWindows.of(size, slide,
// offset): windows [start, start+size) whose starts lie on the slide grid
// shifted by offset. A timestamp belongs to size/slide windows when size is a
// multiple of slide, otherwise to the floor or the ceiling of it; with slide >
// size some timestamps belong to none (sampling). All three are truncated
// to whole milliseconds; size and slide must then be at least 1ms and
// |offset| < slide (as Flink), otherwise it returns an error wrapping
// [ErrWindowParams].
func NewSliding(size, slide, offset time.Duration) (SlidingWindows, error) {
	sz, err := positiveMillis("sliding size", size)
	if err != nil {
		return SlidingWindows{}, err
	}
	sl, off, err := checkGrid("slide", slide, offset)
	if err != nil {
		return SlidingWindows{}, fmt.Errorf("sliding: %w", err)
	}
	return SlidingWindows{size: sz, slide: sl, offset: off}, nil
}

// Sliding is [NewSliding] that panics on invalid parameters.
func Sliding(size, slide, offset time.Duration) Assigner {
	return must(NewSliding(size, slide, offset))
}

// Assign implements [Assigner]. The windows are appended by ascending
// start; Flink lists them by descending start, an order with no meaning.
// Near the ends of the int64 range, windows whose start would fall below
// MinTime are left out and ends saturate at MaxTime.
func (s SlidingWindows) Assign(ts int64, dst []Window) []Window {
	if reserved(ts) {
		return dst
	}
	last := windowStart(ts, s.offset, s.slide)
	d := ts - last // in [0, slide)
	if d >= s.size {
		return dst
	}
	n := (s.size - d + s.slide - 1) / s.slide // starts in (ts-size, last]
	room := uint64(last) - minTimeBits        // distance from MinTime up to last
	for k := n - 1; k >= 0; k-- {
		back := k * s.slide // < size, no overflow
		if uint64(back) > room {
			continue
		}
		start := last - back
		dst = append(dst, Window{Start: start, End: satAdd(start, s.size)})
	}
	return dst
}

// minTimeBits is MinTime's two's-complement bit pattern.
const minTimeBits = 1 << 63

// Merging implements [Assigner]; sliding windows never merge.
func (SlidingWindows) Merging() bool { return false }
