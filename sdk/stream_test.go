package sdk

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"spindle/internal/stream/evtime"
)

// Bad window parameters are the user's mistake: the step says so as a
// usage error naming it, instead of panicking when the job starts.
func TestWindowParamsAreUsageErrors(t *testing.T) {
	cases := []struct {
		name string
		w    Windows
		want string
	}{
		{"zero tumbling", Tumbling(0), "at least 1ms"},
		{"zero slide", Sliding(time.Second, 0), "slide"},
		{"zero gap", Sessions(0), "at least 1ms"},
		{"negative lateness", Tumbling(time.Second).AllowedLateness(-time.Second), "negative"},
		{"no windows", Windows{}, "no windows given"},
	}
	for _, c := range cases {
		p := newPipeline()
		gen := Generate(p, "gen", Generator[int64]{
			Event: func(n int64, v *int64) { *v = n },
			Time:  func(v *int64) int64 { return *v },
		})
		keyed := KeyBy(p, "key", gen, func(v int64) int64 { return v % 3 })
		WindowAggregate(p, "count", keyed, c.w, Counting[int64]())
		if p.err == nil || !errors.Is(p.err, ErrUsage) || !strings.Contains(p.err.Error(), `step "count"`) ||
			!strings.Contains(p.err.Error(), c.want) {
			t.Errorf("%s: err = %v, want a usage error for step \"count\" mentioning %q", c.name, p.err, c.want)
		}
	}
}

// The window operator, driven by hand: a window fires when the watermark
// passes its end, a late record within the allowed lateness updates it
// and fires it again, and one later than that goes to the late output.
func TestWindowAggregateLateness(t *testing.T) {
	p := newPipeline()
	src := Generate(p, "src", Generator[KV[string, int64]]{
		Event: func(n int64, v *KV[string, int64]) {},
		Time:  func(v *KV[string, int64]) int64 { return 0 },
	})
	out, late := WindowAggregateLate(p, "sum", src, Tumbling(10*time.Millisecond).AllowedLateness(5*time.Millisecond), Summing[int64]())
	if p.err != nil {
		t.Fatal(p.err)
	}
	op := p.g.Node(out.node).Impl.(*windowOp[string, int64, int64, int64])
	if op.late != late.node {
		t.Fatalf("the step's late output is node %d, want %d", op.late, late.node)
	}
	now := time.Unix(1, 0)
	sc := testSubtask(t, &now)
	var fired []string
	var dropped []KV[string, int64]
	root, err := op.openRoot(sc, func(w Windowed[string, int64]) {
		fired = append(fired, fmt.Sprintf("%s [%d,%d) %d at %d", w.Key, w.Start, w.End, w.Value, sc.ts))
	}, func(kv KV[string, int64]) { dropped = append(dropped, kv) })
	if err != nil {
		t.Fatal(err)
	}
	r := root.(*windowRun[string, int64, int64, int64])
	feed := func(kvs []KV[string, int64], ts ...int64) {
		t.Helper()
		if err := r.consume(encodeBatch(t, op.wire, kvs, ts)); err != nil || sc.err != nil {
			t.Fatal(err, sc.err)
		}
	}
	mark := func(wm int64) {
		t.Helper()
		sc.wm = wm
		if err := r.watermark(wm); err != nil {
			t.Fatal(err)
		}
	}
	feed([]KV[string, int64]{{"a", 1}, {"b", 10}, {"a", 2}}, 1, 12, 5)
	mark(9)
	feed([]KV[string, int64]{{"a", 4}}, 3)   // late, within the lateness: fires again
	mark(15)                                 // a's window [0,10) is cleaned up at 9+5
	feed([]KV[string, int64]{{"a", 100}}, 2) // too late: the late output
	mark(evtime.MaxTime)
	want := []string{"a [0,10) 3 at 9", "a [0,10) 7 at 9", "b [10,20) 10 at 19"}
	if !slices.Equal(fired, want) {
		t.Errorf("fired %q, want %q", fired, want)
	}
	if !slices.Equal(dropped, []KV[string, int64]{{"a", 100}}) || sc.m.late != 1 {
		t.Errorf("late output %v (%d counted), want the record a=100 once", dropped, sc.m.late)
	}
}
