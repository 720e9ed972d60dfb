package evtime

import (
	"testing"
	"time"
)

func TestBoundedOutOfOrderCurrent(t *testing.T) {
	for _, c := range []struct {
		name  string
		bound time.Duration
		ts    []int64
		want  int64
	}{
		{"no records", 4 * time.Second, nil, MinTime},
		{"max minus bound minus one", 4 * time.Second, []int64{10_000, 9_000, 12_000, 11_000}, 12_000 - 4_000 - 1},
		{"zero bound", 0, []int64{5, 7, 6}, 6},
		{"negative timestamps", time.Second, []int64{-5_000, -7_000}, -6_001},
		{"negative bound counts as zero", -time.Second, []int64{100}, 99},
		{"bound truncated to ms", 1500 * time.Microsecond, []int64{100}, 98},
		{"saturates near MinTime", time.Hour, []int64{MinTime + 10}, MinTime},
		{"first record below MinTime+bound", time.Second, []int64{MinTime + 1, 0}, -1_001},
	} {
		g := NewBoundedOutOfOrder(c.bound)
		for _, ts := range c.ts {
			g.Observe(ts)
		}
		if got := g.Current(); got != c.want {
			t.Errorf("%s: Current() = %d, want %d", c.name, got, c.want)
		}
	}
}

func TestBoundedOutOfOrderEmit(t *testing.T) {
	g := NewBoundedOutOfOrder(0)
	type emit struct {
		wm int64
		ok bool
	}
	var got []emit
	for _, ts := range []int64{MinTime, 10, 10, 5, 20} {
		if ts != MinTime {
			g.Observe(ts)
		}
		wm, ok := g.Emit()
		got = append(got, emit{wm, ok})
	}
	want := []emit{{MinTime, false}, {9, true}, {9, false}, {9, false}, {19, true}}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("emit %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestBoundedOutOfOrderIdle(t *testing.T) {
	t0 := time.Unix(1_000, 0)
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	const timeout = 5 * time.Second
	type step struct {
		op   string // "touch", "observeAt", "observe", "idle"
		at   time.Duration
		want bool // for "idle"
	}
	for _, c := range []struct {
		name    string
		timeout time.Duration
		steps   []step
	}{
		{"exactly the timeout is not idle", timeout, []step{
			{"observeAt", 0, false}, {"idle", timeout, false}, {"idle", timeout + time.Millisecond, true},
		}},
		{"a record resets", timeout, []step{
			{"touch", 0, false}, {"idle", 6 * time.Second, true}, {"observeAt", 7 * time.Second, false},
			{"idle", 8 * time.Second, false}, {"idle", 13 * time.Second, true},
		}},
		{"never touched: the first probe starts the clock", timeout, []step{
			{"idle", 100 * time.Second, false}, {"idle", 105 * time.Second, false}, {"idle", 106 * time.Second, true},
		}},
		{"observe without time: the next probe is the activity", timeout, []step{
			{"touch", 0, false}, {"observe", 0, false}, {"idle", 10 * time.Second, false},
			{"idle", 15 * time.Second, false}, {"idle", 16 * time.Second, true},
		}},
		{"zero timeout disables", 0, []step{
			{"touch", 0, false}, {"idle", time.Hour, false},
		}},
		{"clock going back is not idle", timeout, []step{
			{"touch", 10 * time.Second, false}, {"touch", 0, false}, {"idle", 12 * time.Second, false},
		}},
	} {
		g := NewBoundedOutOfOrder(0)
		for i, s := range c.steps {
			switch s.op {
			case "touch":
				g.Touch(at(s.at))
			case "observeAt":
				g.ObserveAt(1, at(s.at))
			case "observe":
				g.Observe(1)
			case "idle":
				if got := g.Idle(at(s.at), c.timeout); got != s.want {
					t.Errorf("%s: step %d Idle(+%v) = %v, want %v", c.name, i, s.at, got, s.want)
				}
			}
		}
	}
}
