package evtime

import (
	"testing"
	"time"
)

func TestDecide(t *testing.T) {
	w := Window{0, 10_000} // MaxTimestamp 9_999
	for _, c := range []struct {
		wm       int64
		lateness time.Duration
		want     Decision
	}{
		{MinTime, 0, OnTime},
		{9_998, 0, OnTime},
		{9_999, 0, Late}, // fires and is cleaned up at once
		{10_000, 0, Late},
		{9_998, time.Second, OnTime},
		{9_999, time.Second, LateFiring}, // exactly at the firing boundary
		{10_998, time.Second, LateFiring},
		{10_999, time.Second, Late}, // exactly at the cleanup boundary
		{9_999, -time.Second, Late}, // negative lateness counts as zero
		{9_999, 1500 * time.Microsecond, LateFiring},
		{10_000, 1500 * time.Microsecond, Late}, // truncated to 1ms
		{MaxTime, 24 * time.Hour, Late},
	} {
		if got := Decide(w, c.wm, c.lateness); got != c.want {
			t.Errorf("Decide(%v, wm %d, lateness %v) = %v, want %v", w, c.wm, c.lateness, got, c.want)
		}
		if got, want := IsLate(w, c.wm, c.lateness), c.want == Late; got != want {
			t.Errorf("IsLate(%v, wm %d, lateness %v) = %v, want %v", w, c.wm, c.lateness, got, want)
		}
	}
}

func TestFires(t *testing.T) {
	w := Window{-10, 0}
	for _, c := range []struct {
		wm   int64
		want bool
	}{{-2, false}, {-1, true}, {0, true}, {MaxTime, true}} {
		if got := Fires(w, c.wm); got != c.want {
			t.Errorf("Fires(%v, %d) = %v, want %v", w, c.wm, got, c.want)
		}
	}
}

func TestCleanupTime(t *testing.T) {
	for _, c := range []struct {
		w        Window
		lateness time.Duration
		want     int64
	}{
		{Window{0, 10}, 0, 9},
		{Window{0, 10}, time.Second, 1_009},
		{Window{-20, -10}, time.Millisecond, -10},
		{Window{0, MaxTime}, time.Hour, MaxTime},
		{Window{0, MaxTime - 5}, 10 * time.Millisecond, MaxTime},
		{Window{0, 10}, -time.Hour, 9},
	} {
		if got := CleanupTime(c.w, c.lateness); got != c.want {
			t.Errorf("CleanupTime(%v, %v) = %d, want %d", c.w, c.lateness, got, c.want)
		}
	}
}

func TestLateRecord(t *testing.T) {
	ws := Sliding(10*time.Second, 5*time.Second, 0).Assign(7_000, nil) // [0,10s) and [5s,15s)
	for _, c := range []struct {
		wm       int64
		lateness time.Duration
		want     bool
	}{
		{9_998, 0, false},
		{9_999, 0, false}, // [0,10s) is late, [5s,15s) is not
		{14_998, 0, false},
		{14_999, 0, true},
		{14_999, time.Second, false},
	} {
		if got := LateRecord(ws, c.wm, c.lateness); got != c.want {
			t.Errorf("LateRecord(%v, wm %d, lateness %v) = %v, want %v", ws, c.wm, c.lateness, got, c.want)
		}
	}
	if !LateRecord(nil, MinTime, 0) {
		t.Error("a record with no windows must be late")
	}
	if got := Tumbling(time.Second, 0).Assign(MinTime, nil); !LateRecord(got, MinTime, time.Hour) {
		t.Error("a record with a reserved timestamp must go to the side output")
	}
}

func TestDecisionString(t *testing.T) {
	for d, want := range map[Decision]string{OnTime: "on-time", LateFiring: "late-firing", Late: "late", 9: "Decision(?)"} {
		if got := d.String(); got != want {
			t.Errorf("Decision(%d).String() = %q, want %q", d, got, want)
		}
	}
}
