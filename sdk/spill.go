package sdk

import (
	"container/heap"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// aggregator gathers a reduce task's (key, value) rows into one
// accumulator A per key (the combined value, or the list of values) within
// a memory budget. Past the budget it sorts what it holds by key and
// spills it to a run file on local disk as Arrow IPC; at the end it merges
// the runs, so that a partition with more keys than memory still
// completes. Hadoop's reduce-side merge works the same way.
type aggregator[K comparable, V, A any] struct {
	s       *keyed[K, V]
	tc      *taskCtx
	lift    func(V) A        // an accumulator of one value
	fold    func(A, A) A     // merges two accumulators of a key
	expand  func(A, func(V)) // the values an accumulator stands for
	t       *table[K, A]
	grows   bool  // A is a list of every V: each value adds to it
	held    int64 // bytes of the values in t beyond the table's own
	rows    int64
	budget  int64
	runs    []string
	spilled int64 // rows spilled
}

func newAggregator[K comparable, V, A any](s *keyed[K, V], tc *taskCtx, lift func(V) A, fold func(A, A) A, expand func(A, func(V))) *aggregator[K, V, A] {
	return &aggregator[K, V, A]{s: s, tc: tc, lift: lift, fold: fold, expand: expand,
		t: newTable[K, A](fold, s.key), grows: reflect.TypeFor[A]() != reflect.TypeFor[V](), budget: tc.memory().aggregate}
}

// add folds one row in, spilling first if the budget is spent.
func (g *aggregator[K, V, A]) add(k K, v V) {
	if g.tc.err != nil {
		return
	}
	if g.s.vcol.Clone != nil {
		v = g.s.vcol.Clone(v) // kept: detach it from the batch it was read from
	}
	if g.grows || g.s.vcol.Clone != nil {
		g.held += int64(g.s.vcol.Size(v)) // a value kept in a list, or its contents
	}
	g.t.add(k, g.lift(v))
	if g.rows++; g.rows%64 == 0 && g.held+g.t.bytes() > g.budget { // bytes costs a few loads: not on every row
		g.tc.err = g.spill()
	}
}

// spill writes the table, sorted by key, to a new run file.
func (g *aggregator[K, V, A]) spill() error {
	dir := filepath.Join(g.tc.env.LocalDir, "spill", g.tc.spec.AttemptID)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("spill: %w", err)
	}
	path := filepath.Join(dir, fmt.Sprintf("run-%04d.arrow", len(g.runs)))
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("spill: %w", err)
	}
	w := &runWriter[K, V]{s: g.s, iw: ipc.NewWriter(f, ipc.WithSchema(g.s.schema))}
	w.reset()
	g.t.each(true, func(k K, a A) { g.expand(a, func(v V) { w.add(k, v) }) })
	err = errors.Join(w.flush(), w.iw.Close(), f.Close())
	if err != nil {
		return fmt.Errorf("spill %s: %w", path, err)
	}
	g.runs = append(g.runs, path)
	g.spilled += w.rows
	g.held = 0
	return nil
}

// emit passes every key and its accumulator to out, in key order, and
// removes the run files.
func (g *aggregator[K, V, A]) emit(out func(K, A)) error {
	if g.tc.err != nil {
		return g.tc.err
	}
	if len(g.runs) == 0 {
		g.t.each(true, out)
		return nil
	}
	defer os.RemoveAll(filepath.Dir(g.runs[0]))
	if err := g.spill(); err != nil {
		return err
	}
	g.tc.count("spilled_runs", int64(len(g.runs)))
	g.tc.count("spilled_records", g.spilled)
	for len(g.runs) > mergeFanIn {
		if err := g.compact(); err != nil {
			return err
		}
	}
	return g.merge(g.runs, out)
}

// mergeFanIn is the most runs merged at once (Hadoop's io.sort.factor):
// each open run holds a file and a batch in memory. Tests lower it.
var mergeFanIn = 64

// compact merges the oldest mergeFanIn runs into one new run.
func (g *aggregator[K, V, A]) compact() error {
	path := filepath.Join(filepath.Dir(g.runs[0]), fmt.Sprintf("merged-%04d.arrow", len(g.runs)))
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("merge: %w", err)
	}
	w := &runWriter[K, V]{s: g.s, iw: ipc.NewWriter(f, ipc.WithSchema(g.s.schema))}
	w.reset()
	err = g.merge(g.runs[:mergeFanIn], func(k K, a A) { g.expand(a, func(v V) { w.add(k, v) }) })
	err = errors.Join(err, w.flush(), w.iw.Close(), f.Close())
	if err != nil {
		return fmt.Errorf("merge into %s: %w", path, err)
	}
	for _, r := range g.runs[:mergeFanIn] {
		os.Remove(r)
	}
	g.runs = append(g.runs[mergeFanIn:], path)
	g.tc.count("merge_passes", 1)
	return nil
}

// runWriter writes sorted rows to a run in batches.
type runWriter[K comparable, V any] struct {
	s      *keyed[K, V]
	iw     *ipc.Writer
	kb, vb array.Builder
	addK   func(K) int
	addV   func(V) int
	n      int
	rows   int64
	err    error
}

func (w *runWriter[K, V]) reset() {
	w.kb, w.vb = w.s.kcol.NewBuilder(), w.s.vcol.NewBuilder()
	w.addK, w.addV = w.s.kcol.Appender(w.kb), w.s.vcol.Appender(w.vb)
	w.n = 0
}

func (w *runWriter[K, V]) add(k K, v V) {
	w.addK(k)
	w.addV(v)
	w.rows++
	if w.n++; w.n == 1<<14 && w.err == nil {
		w.err = w.flush()
		w.reset()
	}
}

func (w *runWriter[K, V]) flush() error {
	if w.err != nil || w.n == 0 {
		return w.err
	}
	keys, vals := w.kb.NewArray(), w.vb.NewArray()
	defer keys.Release()
	defer vals.Release()
	rec := array.NewRecordBatch(w.s.schema, []arrow.Array{keys, vals}, int64(w.n))
	defer rec.Release()
	return w.iw.Write(rec)
}

// merge reads runs together in key order, folding the rows of each key
// into one accumulator.
func (g *aggregator[K, V, A]) merge(runs []string, out func(K, A)) error {
	h := &runHeap[K, V]{compare: g.s.key.Compare}
	defer h.close()
	for _, path := range runs {
		c, err := openRun(g.s, path)
		if err != nil {
			return err
		}
		if c.next() {
			heap.Push(h, c)
		} else if err := c.close(); err != nil {
			return err
		}
	}
	for h.Len() > 0 {
		k := g.s.key.Clone(h.cs[0].key)
		acc := g.lift(h.cs[0].val)
		if err := h.advance(); err != nil {
			return err
		}
		for h.Len() > 0 && g.s.key.Compare(h.cs[0].key, k) == 0 {
			acc = g.fold(acc, g.lift(h.cs[0].val))
			if err := h.advance(); err != nil {
				return err
			}
		}
		out(k, acc)
	}
	return nil
}

// runCursor reads one run file row by row. Values are read from Go-managed
// Arrow memory, which stays valid while referenced.
type runCursor[K comparable, V any] struct {
	s    *keyed[K, V]
	f    *os.File
	rd   *ipc.Reader
	rec  arrow.RecordBatch
	keys func(int) K
	vals func(int) V
	i    int
	key  K
	val  V
}

func openRun[K comparable, V any](s *keyed[K, V], path string) (*runCursor[K, V], error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("merge: %w", err)
	}
	rd, err := ipc.NewReader(f, ipc.WithAllocator(memory.NewGoAllocator()))
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("merge %s: %w", path, err)
	}
	return &runCursor[K, V]{s: s, f: f, rd: rd}, nil
}

// next moves to the next row, reporting false at the end of the run.
func (c *runCursor[K, V]) next() bool {
	for c.rec == nil || c.i >= int(c.rec.NumRows()) {
		if !c.rd.Next() {
			return false
		}
		c.rec, c.i = c.rd.RecordBatch(), 0
		c.keys, c.vals = c.s.kcol.Getter(c.rec.Column(0)), c.s.vcol.Getter(c.rec.Column(1))
	}
	c.key, c.val = c.keys(c.i), c.vals(c.i)
	c.i++
	return true
}

func (c *runCursor[K, V]) close() error {
	err := c.rd.Err()
	if errors.Is(err, io.EOF) {
		err = nil
	}
	c.rd.Release()
	return errors.Join(err, c.f.Close())
}

// runHeap orders cursors by their current key.
type runHeap[K comparable, V any] struct {
	cs      []*runCursor[K, V]
	compare func(a, b K) int
}

func (h *runHeap[K, V]) Len() int           { return len(h.cs) }
func (h *runHeap[K, V]) Less(i, j int) bool { return h.compare(h.cs[i].key, h.cs[j].key) < 0 }
func (h *runHeap[K, V]) Swap(i, j int)      { h.cs[i], h.cs[j] = h.cs[j], h.cs[i] }
func (h *runHeap[K, V]) Push(x any)         { h.cs = append(h.cs, x.(*runCursor[K, V])) }
func (h *runHeap[K, V]) Pop() any {
	c := h.cs[len(h.cs)-1]
	h.cs = h.cs[:len(h.cs)-1]
	return c
}

// advance moves the smallest cursor on, dropping it at its end.
func (h *runHeap[K, V]) advance() error {
	if h.cs[0].next() {
		heap.Fix(h, 0)
		return nil
	}
	return heap.Pop(h).(*runCursor[K, V]).close()
}

func (h *runHeap[K, V]) close() {
	for _, c := range h.cs {
		c.close()
	}
}
