package evtime

import (
	"math"
	"time"
)

// MinTime is the watermark before any; MaxTime as a watermark means the
// input ended.
const (
	MinTime = math.MinInt64
	MaxTime = math.MaxInt64
)

// BoundedOutOfOrder generates watermarks for records at most bound out of
// order (Flink's forBoundedOutOfOrderness): the latest time seen, less
// the bound, less 1.
type BoundedOutOfOrder struct {
	bound int64
	max   int64
	seen  bool
}

// NewBoundedOutOfOrder returns a generator for the given bound.
func NewBoundedOutOfOrder(bound time.Duration) *BoundedOutOfOrder {
	return &BoundedOutOfOrder{bound: bound.Milliseconds(), max: MinTime}
}

// Observe takes a record's time.
func (g *BoundedOutOfOrder) Observe(ts int64) {
	if !g.seen || ts > g.max {
		g.max, g.seen = ts, true
	}
}

// Current is the watermark: MinTime before the first record.
func (g *BoundedOutOfOrder) Current() int64 {
	if !g.seen || g.max < MinTime+g.bound+1 {
		return MinTime
	}
	return g.max - g.bound - 1
}

// Merger is the watermark of a task with several input channels: the
// least of the active channels' watermarks (Flink's StatusWatermarkValve).
// Idle channels do not hold it back; ended ones count as MaxTime. A
// channel's watermark never goes back: a lower one is ignored. When every
// channel is idle the merged watermark stays where it was.
type Merger struct {
	wm   []int64
	idle []bool
	out  int64
}

// NewMerger returns a merger of n channels.
func NewMerger(n int) *Merger {
	m := &Merger{wm: make([]int64, n), idle: make([]bool, n), out: MinTime}
	for i := range m.wm {
		m.wm[i] = MinTime
	}
	return m
}

// Advance takes channel ch's watermark and returns the merged one and
// whether it advanced.
func (m *Merger) Advance(ch int, wm int64) (int64, bool) {
	if wm > m.wm[ch] {
		m.wm[ch] = wm
	}
	m.idle[ch] = false
	return m.merge()
}

// SetIdle marks channel ch idle or active again.
func (m *Merger) SetIdle(ch int, idle bool) (int64, bool) {
	m.idle[ch] = idle
	return m.merge()
}

// End marks channel ch ended.
func (m *Merger) End(ch int) (int64, bool) {
	m.wm[ch], m.idle[ch] = MaxTime, false
	return m.merge()
}

// Current is the merged watermark.
func (m *Merger) Current() int64 { return m.out }

// AllIdle reports whether every channel is idle.
func (m *Merger) AllIdle() bool {
	for _, i := range m.idle {
		if !i {
			return false
		}
	}
	return len(m.idle) > 0
}

func (m *Merger) merge() (int64, bool) {
	low, any := int64(MaxTime), false
	for i, w := range m.wm {
		if !m.idle[i] {
			low, any = min(low, w), true
		}
	}
	if !any || low <= m.out {
		return m.out, false
	}
	m.out = low
	return low, true
}
