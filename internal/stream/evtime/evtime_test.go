package evtime

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestBoundedOutOfOrder(t *testing.T) {
	g := NewBoundedOutOfOrder(4 * time.Second)
	if got := g.Current(); got != MinTime {
		t.Fatalf("before any record: %d, want MinTime", got)
	}
	for _, ts := range []int64{10_000, 9_000, 12_000, 11_000} {
		g.Observe(ts)
	}
	if got, want := g.Current(), int64(12_000-4_000-1); got != want {
		t.Errorf("watermark %d, want %d", got, want)
	}
}

func TestMerger(t *testing.T) {
	m := NewMerger(3)
	steps := []struct {
		op      string
		ch      int
		wm      int64
		want    int64
		advance bool
	}{
		{"adv", 0, 10, MinTime, false},
		{"adv", 1, 20, MinTime, false},
		{"adv", 2, 5, 5, true},
		{"adv", 2, 3, 5, false}, // regression ignored
		{"idle", 2, 0, 10, true},
		{"adv", 0, 30, 20, true},
		{"end", 1, 0, 30, true},
		{"adv", 2, 7, 30, false}, // active again, behind: no regress
		{"end", 0, 0, 30, false},
		{"end", 2, 0, MaxTime, true},
	}
	for i, s := range steps {
		var got int64
		var adv bool
		switch s.op {
		case "adv":
			got, adv = m.Advance(s.ch, s.wm)
		case "idle":
			got, adv = m.SetIdle(s.ch, true)
		case "end":
			got, adv = m.End(s.ch)
		}
		if got != s.want || adv != s.advance {
			t.Errorf("step %d %s(%d, %d): got %d %v, want %d %v", i, s.op, s.ch, s.wm, got, adv, s.want, s.advance)
		}
	}
}

func TestMergerNeverDecreases(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	m := NewMerger(4)
	last := int64(MinTime)
	for range 10_000 {
		var got int64
		if r.IntN(5) == 0 {
			got, _ = m.SetIdle(r.IntN(4), r.IntN(2) == 0)
		} else {
			got, _ = m.Advance(r.IntN(4), r.Int64N(1000))
		}
		if got < last {
			t.Fatalf("merged watermark went back from %d to %d", last, got)
		}
		last = got
	}
}

func TestTumbling(t *testing.T) {
	a := Tumbling(10*time.Second, 0)
	for _, c := range []struct {
		ts   int64
		want Window
	}{
		{0, Window{0, 10_000}}, {9_999, Window{0, 10_000}}, {10_000, Window{10_000, 20_000}},
		{-1, Window{-10_000, 0}}, {-10_000, Window{-10_000, 0}},
	} {
		got := a.Assign(c.ts, nil)
		if len(got) != 1 || got[0] != c.want {
			t.Errorf("Assign(%d) = %v, want %v", c.ts, got, c.want)
		}
	}
}

func TestSlidingCoversEachTimeSizeOverSlideTimes(t *testing.T) {
	a := Sliding(10*time.Second, 2*time.Second, 0)
	r := rand.New(rand.NewPCG(3, 4))
	for range 10_000 {
		ts := r.Int64N(1_000_000) - 500_000
		ws := a.Assign(ts, nil)
		if len(ws) != 5 {
			t.Fatalf("ts %d in %d windows, want 5: %v", ts, len(ws), ws)
		}
		for i, w := range ws {
			if ts < w.Start || ts >= w.End || w.End-w.Start != 10_000 || w.Start%2_000 != 0 {
				t.Fatalf("ts %d: bad window %v", ts, w)
			}
			if i > 0 && w.Start != ws[i-1].Start+2_000 {
				t.Fatalf("ts %d: windows not by start: %v", ts, ws)
			}
		}
	}
}

func TestSessionMergeBridges(t *testing.T) {
	var s MergeSet
	s.Add(Window{0, 10})
	s.Add(Window{20, 30})
	got, merged := s.Add(Window{8, 22})
	if got != (Window{0, 30}) || len(merged) != 2 || len(s.Windows) != 1 {
		t.Errorf("bridge: got %v merged %v set %v, want [0,30) from 2", got, merged, s.Windows)
	}
}

func TestLateness(t *testing.T) {
	w := Window{0, 10_000}
	for _, c := range []struct {
		wm   int64
		late time.Duration
		want bool
	}{
		{9_998, 0, false}, {9_999, 0, true}, {10_500, time.Second, false}, {10_999, time.Second, true},
	} {
		if got := IsLate(w, c.wm, c.late); got != c.want {
			t.Errorf("IsLate(%v, wm %d, lateness %s) = %v, want %v", w, c.wm, c.late, got, c.want)
		}
	}
	if got := CleanupTime(Window{0, MaxTime}, time.Hour); got != MaxTime {
		t.Errorf("cleanup saturates: %d", got)
	}
}

func TestAligner(t *testing.T) {
	a := NewAligner(3)
	if act := a.OnBarrier(0, 1); act.Block != 0 || act.Complete {
		t.Fatalf("first barrier: %+v, want block 0", act)
	}
	if act := a.OnBarrier(1, 1); act.Block != 1 {
		t.Fatalf("second barrier: %+v", act)
	}
	if act := a.OnEnd(2); !act.Complete || act.ID != 1 {
		t.Fatalf("end of the last channel completes: %+v", act)
	}
	if act := a.OnBarrier(0, 2); act.Block != 0 {
		t.Fatalf("next checkpoint: %+v", act)
	}
	if act := a.OnBarrier(1, 3); act.Aborted != 2 || act.Block != 1 {
		t.Fatalf("newer barrier aborts: %+v", act)
	}
	if act := a.OnBarrier(0, 2); act.Block != -1 || act.Complete {
		t.Fatalf("older barrier ignored: %+v", act)
	}
	if act := a.OnBarrier(0, 3); !act.Complete || act.ID != 3 {
		t.Fatalf("checkpoint 3 completes: %+v", act)
	}
}
