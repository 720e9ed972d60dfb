package evtime

import "fmt"

// Window is the half-open event-time interval [Start, End), Flink's
// TimeWindow. Windows made by this package have Start < End.
type Window struct{ Start, End int64 }

// MaxTimestamp returns End-1, the last timestamp in the window. The window
// fires when the watermark reaches it.
func (w Window) MaxTimestamp() int64 { return w.End - 1 }

// Contains reports whether Start <= ts < End.
func (w Window) Contains(ts int64) bool { return w.Start <= ts && ts < w.End }

// Intersects reports whether w and o overlap or touch, as Flink's
// TimeWindow.intersects: w.Start <= o.End && w.End >= o.Start. Touching
// windows such as [0,10) and [10,20) intersect, so sessions that abut merge.
func (w Window) Intersects(o Window) bool { return w.Start <= o.End && w.End >= o.Start }

// Cover returns the smallest window that holds both w and o.
func (w Window) Cover(o Window) Window {
	return Window{Start: min(w.Start, o.Start), End: max(w.End, o.End)}
}

// String formats w as "[Start,End)".
func (w Window) String() string { return fmt.Sprintf("[%d,%d)", w.Start, w.End) }
