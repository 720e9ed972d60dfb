package evtime

import "testing"

// astep is one event fed to an Aligner and the action it must return.
type astep struct {
	op   string // "barrier", "end", "cancel"
	ch   int
	id   int64
	want Action
}

var none = Action{Block: -1}

func block(ch int, id int64) Action { return Action{Block: ch, ID: id} }
func complete(id int64) Action      { return Action{Block: -1, Complete: true, ID: id} }

func TestAligner(t *testing.T) {
	for _, c := range []struct {
		name     string
		channels int
		steps    []astep
	}{
		{"in order", 3, []astep{
			{"barrier", 0, 1, block(0, 1)},
			{"barrier", 1, 1, block(1, 1)},
			{"barrier", 2, 1, complete(1)},
			{"barrier", 2, 2, block(2, 2)},
			{"barrier", 0, 2, block(0, 2)},
			{"barrier", 1, 2, complete(2)},
		}},
		{"single channel completes at once", 1, []astep{
			{"barrier", 0, 1, complete(1)},
			{"barrier", 0, 2, complete(2)},
			{"barrier", 0, 2, none},
		}},
		{"interleaved barriers: the newer aborts the older", 3, []astep{
			{"barrier", 0, 1, block(0, 1)},
			{"barrier", 1, 2, Action{Block: 1, ID: 2, Aborted: 1}},
			{"barrier", 2, 1, none}, // older than in progress
			{"barrier", 0, 2, block(0, 2)},
			{"barrier", 2, 2, complete(2)},
			{"barrier", 1, 1, none}, // older than completed
		}},
		{"a newer barrier on a blocked channel aborts and re-blocks", 2, []astep{
			{"barrier", 0, 1, block(0, 1)},
			{"barrier", 0, 2, Action{Block: 0, ID: 2, Aborted: 1}},
			{"barrier", 1, 2, complete(2)},
		}},
		{"duplicate and non-positive barriers are ignored", 2, []astep{
			{"barrier", 0, 0, none},
			{"barrier", 0, -4, none},
			{"barrier", 0, 5, block(0, 5)},
			{"barrier", 0, 5, none},
			{"barrier", 1, 5, complete(5)},
			{"barrier", 0, 5, none}, // completed already
		}},
		{"an end on the last channel waited for completes", 3, []astep{
			{"barrier", 0, 1, block(0, 1)},
			{"barrier", 1, 1, block(1, 1)},
			{"end", 2, 0, complete(1)},
			{"barrier", 0, 2, block(0, 2)},
			{"barrier", 1, 2, complete(2)},
		}},
		{"ended channels are not waited for", 3, []astep{
			{"end", 1, 0, none},
			{"end", 1, 0, none},
			{"barrier", 0, 1, block(0, 1)},
			{"barrier", 1, 1, none}, // ended channel
			{"barrier", 2, 1, complete(1)},
		}},
		{"a channel ending after its barrier still lets the others finish", 3, []astep{
			{"barrier", 0, 1, block(0, 1)},
			{"end", 0, 0, Action{Block: -1, ID: 1}},
			{"barrier", 1, 1, block(1, 1)},
			{"barrier", 2, 1, complete(1)},
		}},
		{"end while nothing is pending", 2, []astep{
			{"end", 0, 0, none},
			{"barrier", 1, 1, complete(1)},
			{"end", 1, 0, none},
		}},
		{"cancel the pending checkpoint", 2, []astep{
			{"barrier", 0, 1, block(0, 1)},
			{"cancel", 0, 1, Action{Block: -1, Aborted: 1}},
			{"barrier", 1, 1, none},
			{"cancel", 0, 1, none},
			{"barrier", 1, 2, block(1, 2)},
		}},
		{"cancel a newer checkpoint abandons the older and skips its barriers", 2, []astep{
			{"barrier", 0, 1, block(0, 1)},
			{"cancel", 0, 3, Action{Block: -1, Aborted: 1}},
			{"barrier", 1, 3, none},
			{"barrier", 1, 2, none},
			{"barrier", 1, 4, block(1, 4)},
			{"cancel", 0, 2, none}, // older than in progress
			{"barrier", 0, 4, complete(4)},
		}},
	} {
		a := NewAligner(c.channels)
		for i, s := range c.steps {
			var got Action
			switch s.op {
			case "barrier":
				got = a.OnBarrier(s.ch, s.id)
			case "end":
				got = a.OnEnd(s.ch)
			case "cancel":
				got = a.Cancel(s.id)
			}
			if got != s.want {
				t.Errorf("%s: step %d %s(%d, %d) = %+v, want %+v", c.name, i, s.op, s.ch, s.id, got, s.want)
			}
		}
	}
}

func TestAlignerPendingAndBlocked(t *testing.T) {
	a := NewAligner(2)
	if id, ok := a.Pending(); ok || id != 0 {
		t.Fatalf("Pending() = %d, %v before any barrier", id, ok)
	}
	a.OnBarrier(1, 7)
	if id, ok := a.Pending(); !ok || id != 7 {
		t.Errorf("Pending() = %d, %v, want 7, true", id, ok)
	}
	if a.Blocked(0) || !a.Blocked(1) {
		t.Errorf("Blocked = %v, %v, want false, true", a.Blocked(0), a.Blocked(1))
	}
	a.OnBarrier(0, 7)
	if _, ok := a.Pending(); ok || a.Blocked(1) {
		t.Error("after completion nothing is pending or blocked")
	}
}

func TestActionNone(t *testing.T) {
	for _, c := range []struct {
		a    Action
		want bool
	}{
		{none, true}, {Action{Block: -1, ID: 3}, true}, {block(0, 1), false}, {complete(1), false},
		{Action{Block: -1, Aborted: 2}, false},
	} {
		if got := c.a.None(); got != c.want {
			t.Errorf("%+v.None() = %v, want %v", c.a, got, c.want)
		}
	}
}
