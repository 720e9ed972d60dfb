package evtime

import "testing"

// mstep is one event fed to a Merger and what must come out.
type mstep struct {
	op      string // "adv", "idle", "active", "end"
	ch      int
	wm      int64
	want    int64
	adv     bool
	allIdle bool
}

func (s mstep) apply(m *Merger) (int64, bool) {
	switch s.op {
	case "adv":
		return m.Advance(s.ch, s.wm)
	case "idle":
		return m.SetIdle(s.ch, true)
	case "active":
		return m.SetIdle(s.ch, false)
	case "end":
		return m.End(s.ch)
	}
	panic("unknown op " + s.op)
}

func TestMerger(t *testing.T) {
	for _, c := range []struct {
		name     string
		channels int
		steps    []mstep
	}{
		{"min over channels, regressions ignored", 3, []mstep{
			{op: "adv", ch: 0, wm: 10, want: MinTime},
			{op: "adv", ch: 1, wm: 20, want: MinTime},
			{op: "adv", ch: 2, wm: 5, want: 5, adv: true},
			{op: "adv", ch: 2, wm: 3, want: 5},
			{op: "adv", ch: 2, wm: 5, want: 5},
			{op: "adv", ch: 2, wm: 15, want: 10, adv: true},
			{op: "adv", ch: 0, wm: 9, want: 10},
		}},
		{"single channel", 1, []mstep{
			{op: "adv", ch: 0, wm: -100, want: -100, adv: true},
			{op: "adv", ch: 0, wm: -200, want: -100},
			{op: "idle", ch: 0, want: -100, allIdle: true},
			{op: "adv", ch: 0, wm: -50, want: -50, adv: true},
			{op: "end", ch: 0, want: MaxTime, adv: true},
		}},
		{"an idle channel releases the minimum", 3, []mstep{
			{op: "adv", ch: 0, wm: 10, want: MinTime},
			{op: "adv", ch: 1, wm: 20, want: MinTime},
			{op: "adv", ch: 2, wm: 5, want: 5, adv: true},
			{op: "idle", ch: 2, want: 10, adv: true},
			{op: "idle", ch: 2, want: 10},
			{op: "adv", ch: 0, wm: 30, want: 20, adv: true},
		}},
		{"all idle flushes the max (FLINK-7728)", 2, []mstep{
			{op: "adv", ch: 0, wm: 5, want: MinTime},
			{op: "adv", ch: 1, wm: 4, want: 4, adv: true},
			{op: "idle", ch: 1, want: 5, adv: true},
			{op: "idle", ch: 0, want: 5, allIdle: true},
			{op: "active", ch: 1, want: 5},
			{op: "adv", ch: 1, wm: 6, want: 6, adv: true},
		}},
		{"all idle in the other order ends the same", 2, []mstep{
			{op: "adv", ch: 0, wm: 5, want: MinTime},
			{op: "adv", ch: 1, wm: 4, want: 4, adv: true},
			{op: "idle", ch: 0, want: 4},
			{op: "idle", ch: 1, want: 5, adv: true, allIdle: true},
		}},
		{"reactivated behind: ignored until it catches up", 2, []mstep{
			{op: "adv", ch: 0, wm: 10, want: MinTime},
			{op: "adv", ch: 1, wm: 20, want: 10, adv: true},
			{op: "idle", ch: 0, want: 20, adv: true},
			{op: "active", ch: 0, want: 20},
			{op: "adv", ch: 1, wm: 30, want: 30, adv: true},
			{op: "adv", ch: 0, wm: 25, want: 30},
			{op: "adv", ch: 0, wm: 35, want: 30},
			{op: "adv", ch: 1, wm: 40, want: 35, adv: true},
		}},
		{"a watermark reactivates an idle channel", 2, []mstep{
			{op: "adv", ch: 0, wm: 10, want: MinTime},
			{op: "adv", ch: 1, wm: 20, want: 10, adv: true},
			{op: "idle", ch: 0, want: 20, adv: true},
			{op: "adv", ch: 0, wm: 22, want: 20},
			{op: "adv", ch: 1, wm: 30, want: 22, adv: true},
		}},
		{"reactivated as the only aligned channel advances at once (FLINK-40475)", 2, []mstep{
			{op: "adv", ch: 0, wm: 10, want: MinTime},
			{op: "adv", ch: 1, wm: 20, want: 10, adv: true},
			{op: "idle", ch: 1, want: 10},
			{op: "idle", ch: 0, want: 20, adv: true, allIdle: true},
			{op: "active", ch: 0, want: 20},
			{op: "adv", ch: 0, wm: 25, want: 25, adv: true},
		}},
		{"ended channels count as MaxTime", 3, []mstep{
			{op: "adv", ch: 0, wm: 10, want: MinTime},
			{op: "adv", ch: 1, wm: 20, want: MinTime},
			{op: "end", ch: 2, want: 10, adv: true},
			{op: "end", ch: 0, want: 20, adv: true},
			{op: "adv", ch: 0, wm: 100, want: 20},
			{op: "idle", ch: 0, want: 20},
			{op: "end", ch: 0, want: 20},
			{op: "end", ch: 1, want: MaxTime, adv: true},
		}},
		{"ended and the rest idle: idle, not end of input (FLINK-38477)", 2, []mstep{
			{op: "adv", ch: 0, wm: 10, want: MinTime},
			{op: "adv", ch: 1, wm: 20, want: 10, adv: true},
			{op: "idle", ch: 0, want: 20, adv: true},
			{op: "end", ch: 1, want: 20, allIdle: true},
			{op: "adv", ch: 0, wm: 15, want: 20},
			{op: "adv", ch: 0, wm: 30, want: 30, adv: true},
			{op: "end", ch: 0, want: MaxTime, adv: true},
		}},
		{"a live channel at MaxTime is end of input too", 2, []mstep{
			{op: "adv", ch: 0, wm: MaxTime, want: MinTime},
			{op: "adv", ch: 1, wm: MaxTime, want: MaxTime, adv: true},
		}},
	} {
		m := NewMerger(c.channels)
		for i, s := range c.steps {
			got, adv := s.apply(m)
			if got != s.want || adv != s.adv {
				t.Errorf("%s: step %d %s(%d, %d) = %d, %v; want %d, %v", c.name, i, s.op, s.ch, s.wm, got, adv, s.want, s.adv)
			}
			if got := m.Current(); got != s.want {
				t.Errorf("%s: step %d Current() = %d, want %d", c.name, i, got, s.want)
			}
			if got := m.AllIdle(); got != s.allIdle {
				t.Errorf("%s: step %d AllIdle() = %v, want %v", c.name, i, got, s.allIdle)
			}
		}
	}
}

func TestNewMergerPanicsWithoutChannels(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("NewMerger(0) did not panic")
		}
	}()
	NewMerger(0)
}
