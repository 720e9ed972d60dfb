package evtime

import "time"

// Decision is what a window operator does with a record for one of its
// windows, given the watermark and the allowed lateness (Flink's
// WindowOperator with EventTimeTrigger).
type Decision uint8

const (
	// OnTime: the window has not fired; add the record to its state.
	OnTime Decision = iota
	// LateFiring: the window has fired but its state is kept for the
	// allowed lateness; add the record and fire again with the update
	// (EventTimeTrigger fires at once when the watermark is past the
	// window's end).
	LateFiring
	// Late: the window's state has been cleaned up; the record is dropped
	// for this window.
	Late
)

// String names the decision.
func (d Decision) String() string {
	switch d {
	case OnTime:
		return "on-time"
	case LateFiring:
		return "late-firing"
	case Late:
		return "late"
	}
	return "Decision(?)"
}

// Fires reports whether the watermark has reached the window's last
// timestamp, so the window fires (EventTimeTrigger: maxTimestamp <=
// watermark).
func Fires(w Window, watermark int64) bool { return watermark >= w.MaxTimestamp() }

// CleanupTime returns when the window's state is dropped: w.MaxTimestamp()
// plus the allowed lateness, saturating at MaxTime (Flink's
// WindowOperator.cleanupTime). Lateness is truncated to whole milliseconds;
// a negative one counts as zero (Flink rejects it).
func CleanupTime(w Window, allowedLateness time.Duration) int64 {
	return satAdd(w.MaxTimestamp(), nonNegMillis(allowedLateness))
}

// IsLate reports whether a record for w arrives after the window's state was
// cleaned up: CleanupTime(w, allowedLateness) <= watermark (Flink's
// WindowOperator.isWindowLate). With no lateness a record is late from the
// watermark that fires the window on.
func IsLate(w Window, watermark int64, allowedLateness time.Duration) bool {
	return CleanupTime(w, allowedLateness) <= watermark
}

// Decide classifies a record for window w; see [Decision].
func Decide(w Window, watermark int64, allowedLateness time.Duration) Decision {
	switch {
	case IsLate(w, watermark, allowedLateness):
		return Late
	case Fires(w, watermark):
		return LateFiring
	}
	return OnTime
}

// LateRecord reports whether every one of a record's windows is late, so the
// record goes to the late side output (Flink's WindowOperator skips late
// windows and side-outputs a record none of whose windows took it). A record
// with no windows, such as one with a reserved timestamp, is late.
func LateRecord(windows []Window, watermark int64, allowedLateness time.Duration) bool {
	for _, w := range windows {
		if !IsLate(w, watermark, allowedLateness) {
			return false
		}
	}
	return true
}
