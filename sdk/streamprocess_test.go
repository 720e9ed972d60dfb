package sdk

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"spindle/internal/stream/evtime"
	"spindle/internal/stream/state"
)

// encodeBatch encodes records with their event times as a stream edge's
// batch, as keyedWriter does.
func encodeBatch[T any](t *testing.T, w wire[T], vs []T, ts []int64) []byte {
	t.Helper()
	vb := w.col.NewBuilder()
	app := w.col.Appender(vb)
	tb := array.NewInt64Builder(memory.DefaultAllocator)
	for i, v := range vs {
		app(v)
		tb.Append(ts[i])
	}
	va, ta := vb.NewArray(), tb.NewArray()
	rec := array.NewRecordBatch(w.schema, []arrow.Array{va, ta}, int64(ta.Len()))
	var out bytes.Buffer
	iw := ipc.NewWriter(&out, ipc.WithSchema(w.schema))
	if err := iw.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := iw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// testSubtask is a subtask with a state backend in a temporary directory
// and a settable clock, enough to drive a stage root by hand.
func testSubtask(t *testing.T, now *time.Time) *subtask {
	t.Helper()
	b, err := state.Open(state.Options{Dir: t.TempDir(), CacheBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Destroy() })
	return &subtask{ctx: context.Background(), name: "test#0", wm: minWatermark, state: b, clock: func() time.Time { return *now }}
}

// output is what a stage root emitted: the value and its event time.
type output struct {
	v  string
	ts int64
}

// A session-like process: each key's values are kept in list state and
// counted in map state; an event-time timer 10 ms after a key's first
// record emits its list, and a processing-time timer emits its counts.
func TestKeyedProcessStateAndTimers(t *testing.T) {
	now := time.UnixMilli(1_000_000)
	sc := testSubtask(t, &now)
	var got []output
	emit := func(s string) { got = append(got, output{s, sc.ts}) }
	var list *ListState[string, int64]
	var counts *MapState[string, int64, int]
	op, err := newProcessOp[string, int64, string](func(s *KeyedState[string]) Process[string, int64, string] {
		list = ListStateOf[int64](s, "values")
		counts = MapStateOf[int64, int](s, "counts")
		first := ValueStateOf[int64](s, "first")
		return Process[string, int64, string]{
			Record: func(ctx *ProcessContext[string, string], v int64) {
				if _, ok := first.Value(); !ok {
					first.Update(ctx.Timestamp())
					ctx.EventTimer(ctx.Timestamp() + 10)
					ctx.ProcessingTimer(now.Add(time.Second))
				}
				list.Add(v)
				n, _ := counts.Get(v % 2)
				counts.Put(v%2, n+1)
			},
			Timer: func(ctx *ProcessContext[string, string], tm Timer) {
				if tm.Processing {
					c := counts.Entries()
					ctx.Emit(fmt.Sprintf("%s counts even=%d odd=%d", ctx.Key(), c[0], c[1]))
					counts.Delete(0)
					counts.Delete(1)
					return
				}
				ctx.Emit(fmt.Sprintf("%s values %v at %d", ctx.Key(), list.Get(), tm.Time))
				list.Update(nil)
				first.Clear()
			},
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	root, err := op.openRoot(sc, emit, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := root.(*processRun[string, int64, string])
	batch := encodeBatch(t, op.wire,
		[]KV[string, int64]{{"a", 1}, {"b", 2}, {"a", 3}, {"a", 4}, {"b", 5}},
		[]int64{100, 101, 102, 111, 120})
	if err := r.consume(batch); err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 {
		t.Fatalf("emitted %v before any timer", got)
	}
	// Watermark 110 passes a's timer (100+10) and not b's (111).
	sc.wm = 110
	if err := r.watermark(110); err != nil {
		t.Fatal(err)
	}
	want := []output{{"a values [1 3 4] at 110", 110}}
	if !slices.Equal(got, want) {
		t.Fatalf("after watermark 110: %v, want %v", got, want)
	}
	// Processing time: not due yet, then due for both keys, stamped just
	// past the watermark.
	if next, ok := r.nextProcessing(); !ok || !next.Equal(now.Add(time.Second)) {
		t.Fatalf("next processing timer %v %v, want %v", next, ok, now.Add(time.Second))
	}
	if err := r.fireProcessing(now.Add(999 * time.Millisecond)); err != nil || len(got) != 1 {
		t.Fatalf("fired early: %v %v", got, err)
	}
	if err := r.fireProcessing(now.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	want = append(want, output{"a counts even=1 odd=2", 111}, output{"b counts even=1 odd=1", 111})
	if !slices.Equal(got, want) {
		t.Fatalf("after processing time: %v, want %v", got, want)
	}
	for _, k := range []string{"a", "b"} {
		r.s.setKey(k, true)
		if c := counts.Entries(); c != nil {
			t.Errorf("%s's counts after deleting both: %v, want none", k, c)
		}
	}
	r.s.setKey("a", true)
	if l := list.Get(); l != nil {
		t.Errorf("a's list after its timer: %v, want none", l)
	}
	// The end of the input fires the rest.
	sc.wm = evtime.MaxTime
	if err := r.watermark(evtime.MaxTime); err != nil {
		t.Fatal(err)
	}
	want = append(want, output{"b values [2 5] at 111", 111})
	if !slices.Equal(got, want) {
		t.Fatalf("at the end: %v, want %v", got, want)
	}
	if _, ok := r.nextProcessing(); ok {
		t.Error("a processing timer is left")
	}
	if sc.err != nil {
		t.Fatal(sc.err)
	}
}

// Two state handles with one name are refused when the step opens.
func TestKeyedProcessDuplicateStateName(t *testing.T) {
	now := time.Now()
	sc := testSubtask(t, &now)
	op, err := newProcessOp[string, int64, string](func(s *KeyedState[string]) Process[string, int64, string] {
		ValueStateOf[int64](s, "x")
		ListStateOf[int64](s, "x")
		return Process[string, int64, string]{Record: func(*ProcessContext[string, string], int64) {}}
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := op.openRoot(sc, func(string) {}, nil); err == nil {
		t.Fatal("two states named x: no error")
	}
}
