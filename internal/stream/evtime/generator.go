package evtime

import "time"

// BoundedOutOfOrder generates the watermarks of one source that may deliver
// records at most a fixed bound out of order. It follows Flink's
// BoundedOutOfOrdernessWatermarks (WatermarkStrategy.forBoundedOutOfOrderness):
// the watermark is maxSeenTimestamp - bound - 1, and MinTime until the first
// record. Its idleness probe follows Flink's WatermarksWithIdleness.
//
// A BoundedOutOfOrder is a thread-unsafe value owned by the source's input
// loop. Create one with [NewBoundedOutOfOrder].
type BoundedOutOfOrder struct {
	bound   int64 // whole milliseconds, >= 0
	maxTS   int64
	seen    bool  // at least one record was observed
	emitted int64 // the last watermark Emit reported

	activity   bool      // a record since the last Touch or Idle probe
	lastActive time.Time // zero until the first Touch or Idle probe
}

// NewBoundedOutOfOrder returns a generator for records that arrive at most
// bound late relative to the highest timestamp seen so far. The bound is
// truncated to whole milliseconds; a negative bound counts as zero (Flink
// rejects it).
func NewBoundedOutOfOrder(bound time.Duration) *BoundedOutOfOrder {
	return &BoundedOutOfOrder{bound: nonNegMillis(bound), maxTS: MinTime, emitted: MinTime}
}

// Observe records a record's event timestamp. It counts as activity for
// [BoundedOutOfOrder.Idle], which learns its time at the next probe, as
// Flink's idleness timer does; use [BoundedOutOfOrder.ObserveAt] when the
// processing time of the record is known.
func (g *BoundedOutOfOrder) Observe(ts int64) {
	if !g.seen || ts > g.maxTS {
		g.maxTS = ts
	}
	g.seen = true
	g.activity = true
}

// ObserveAt is [BoundedOutOfOrder.Observe] followed by
// [BoundedOutOfOrder.Touch] with now, the record's processing time.
func (g *BoundedOutOfOrder) ObserveAt(ts int64, now time.Time) {
	g.Observe(ts)
	g.Touch(now)
}

// Touch records activity at processing time now, without a record: call it
// when the source opens so that a source that never delivers becomes idle
// one timeout later. A now earlier than the last activity is ignored.
func (g *BoundedOutOfOrder) Touch(now time.Time) {
	if g.lastActive.IsZero() || now.After(g.lastActive) {
		g.lastActive = now
	}
	g.activity = false
}

// Current returns the watermark: the highest observed timestamp minus the
// bound minus one, saturating at MinTime; MinTime before the first record.
// It never decreases.
func (g *BoundedOutOfOrder) Current() int64 {
	if !g.seen {
		return MinTime
	}
	return satAdd(g.maxTS, -g.bound-1)
}

// Emit returns the current watermark and true if it is higher than the one
// Emit last reported, so a periodic emitter sends each watermark once (as
// Flink's periodic emission with WatermarkOutput deduplication does).
func (g *BoundedOutOfOrder) Emit() (int64, bool) {
	wm := g.Current()
	if wm <= g.emitted {
		return g.emitted, false
	}
	g.emitted = wm
	return wm, true
}

// Idle is the periodic idleness probe. It reports whether no record was
// observed for more than timeout of processing time up to now, like
// Flink's WatermarksWithIdleness (strictly more, as Flink's IdlenessTimer).
// A probe after an [BoundedOutOfOrder.Observe] without a time, and the first
// probe when nothing was ever touched, record now as the last activity and
// report false. A timeout <= 0 disables idleness.
func (g *BoundedOutOfOrder) Idle(now time.Time, timeout time.Duration) bool {
	if timeout <= 0 {
		return false
	}
	if g.activity || g.lastActive.IsZero() {
		g.Touch(now)
		return false
	}
	return now.Sub(g.lastActive) > timeout
}
