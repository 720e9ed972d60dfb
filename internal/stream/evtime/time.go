package evtime

import (
	"math"
	"time"
)

const (
	// MinTime is the lowest watermark: nothing is known yet.
	MinTime = math.MinInt64
	// MaxTime as a watermark means end of input: no record will follow.
	MaxTime = math.MaxInt64
)

// satAdd returns a+b, saturating at MinTime and MaxTime instead of wrapping.
func satAdd(a, b int64) int64 {
	s := a + b
	switch {
	case b > 0 && s < a:
		return MaxTime
	case b < 0 && s > a:
		return MinTime
	}
	return s
}

// reserved reports whether ts cannot be a record timestamp.
func reserved(ts int64) bool { return ts == MinTime || ts == MaxTime }

// millis converts d to whole milliseconds, truncating toward zero as
// Flink's Duration.toMillis does.
func millis(d time.Duration) int64 { return d.Milliseconds() }

// nonNegMillis converts d to whole milliseconds, truncating; negative
// durations count as zero.
func nonNegMillis(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return d.Milliseconds()
}
