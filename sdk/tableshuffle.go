package sdk

import (
	"fmt"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"

	"spindle/dataflow"
	"spindle/internal/columnar"
	"spindle/internal/proto"
	"spindle/shuffle"
)

// tableWriter publishes the batches of one shuffle (or one side of a
// join) by partition, buffering each partition up to the plan's bucket
// bytes. The first error stops it; close reports it.
type tableWriter struct {
	tc    *taskCtx
	w     *shuffle.Writer
	parts int
	pend  [][]arrow.RecordBatch
	size  []int64
	limit int64
	rr    int // next partition of a round-robin writer
	hash  []uint64
	err   error
}

func newTableWriter(tc *taskCtx, shuffleID, parts int) *tableWriter {
	return &tableWriter{tc: tc, parts: parts, pend: make([][]arrow.RecordBatch, parts), size: make([]int64, parts),
		limit: tc.memory().bucket, w: shuffle.NewWriter(tc.env.JS, tc.spec.AppID, shuffleID, parts, tc.spec.AttemptID)}
}

// handle is the writerHandle of w for shuffle node id, whose rows arrive
// at emit.
func (w *tableWriter) handle(id int, emit func(arrow.RecordBatch), close func() error) writerHandle {
	if close == nil {
		close = w.close
	}
	return writerHandle{shuffle: id, emit: emit, close: close, sync: w.sync}
}

// add queues rec (retained) for partition p.
func (w *tableWriter) add(p int, rec arrow.RecordBatch) {
	if w.err != nil || rec.NumRows() == 0 {
		return
	}
	rec.Retain()
	w.pend[p] = append(w.pend[p], rec)
	w.size[p] += columnar.RecordBytes(rec)
	if w.size[p] >= w.limit {
		w.err = w.flush(p)
	}
}

// byKey queues the rows of rec by the partition of their key.
func (w *tableWriter) byKey(rec arrow.RecordBatch, keys *columnar.Keys) {
	if w.parts == 1 || keys == nil {
		w.add(0, rec)
		return
	}
	w.hash = keys.Hash(rec, w.hash)
	sel := make([][]int32, w.parts)
	for i, h := range w.hash {
		p := h % uint64(w.parts)
		sel[p] = append(sel[p], int32(i))
	}
	for p, rows := range sel {
		if len(rows) == 0 {
			continue
		}
		if len(rows) == int(rec.NumRows()) {
			w.add(p, rec)
			continue
		}
		part, err := columnar.Take(rec, rows)
		if err != nil {
			w.err = err
			return
		}
		w.add(p, part)
		part.Release()
	}
}

// roundRobin queues rec whole for the next partition.
func (w *tableWriter) roundRobin(rec arrow.RecordBatch) {
	w.add((w.tc.spec.Index+w.rr)%w.parts, rec)
	w.rr++
}

func (w *tableWriter) flush(p int) error {
	recs := w.pend[p]
	w.pend[p], w.size[p] = nil, 0
	if len(recs) == 0 {
		return nil
	}
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	rec, err := columnar.Concat(recs[0].Schema(), recs)
	if err != nil {
		return err
	}
	defer rec.Release()
	w.tc.count("shuffle_records_written", rec.NumRows())
	return w.w.Write(w.tc.ctx, p, rec)
}

func (w *tableWriter) flushAll() error {
	for p := range w.pend {
		if w.err == nil {
			w.err = w.flush(p)
		}
	}
	if w.err != nil {
		return fmt.Errorf("shuffle write: %w", w.err)
	}
	return nil
}

func (w *tableWriter) sync() ([]int, error) {
	if err := w.flushAll(); err != nil {
		return nil, err
	}
	return w.w.Sync(w.tc.ctx)
}

func (w *tableWriter) close() error {
	if err := w.flushAll(); err != nil {
		return err
	}
	err := w.w.Close(w.tc.ctx)
	w.tc.count("shuffle_bytes_written", w.w.Bytes)
	return err
}

// readTable replays partition part of shuffle id from the producers of in.
func readTable(tc *taskCtx, id, part int, in proto.ShuffleInput, fn func(arrow.RecordBatch) error) error {
	return shuffle.Read(tc.ctx, tc.env.JS, tc.spec.AppID, id, part, in.Producers, in.Prefixes,
		func(rec arrow.RecordBatch) error {
			tc.count("shuffle_records_read", rec.NumRows())
			if err := fn(rec); err != nil {
				return err
			}
			return tc.err
		}, shuffle.MaxBuffered(tc.memory().readAhead))
}

// emitSlices passes rec to emit in batches of at most batchRows rows.
func emitSlices(rec arrow.RecordBatch, emit func(arrow.RecordBatch)) {
	if rec == nil {
		return
	}
	defer rec.Release()
	n := rec.NumRows()
	if n <= batchRows {
		if n > 0 {
			emit(rec)
		}
		return
	}
	for off := int64(0); off < n; off += batchRows {
		s := rec.NewSlice(off, min(off+batchRows, n))
		emit(s)
		s.Release()
	}
}

// partitions is the partition count of table shuffles the user set with
// Partitions, 0 for the default.
type partitions int

// Partitions implements dataflow.Partitioner.
func (p partitions) Partitions() int { return int(p) }

// Aggregate is one aggregate of GroupBy: build it with Sum, Count,
// CountOf, Avg, Min, Max or CountDistinct.
type Aggregate = columnar.Agg

// Sum is the sum of e, named name (exact for decimals: the scale of e).
func Sum(name string, e Expr) Aggregate { return Aggregate{Kind: columnar.Sum, Input: e, Name: name} }

// Count is the number of rows, named name.
func Count(name string) Aggregate { return Aggregate{Kind: columnar.Count, Name: name} }

// CountOf is the number of rows where e is not null.
func CountOf(name string, e Expr) Aggregate {
	return Aggregate{Kind: columnar.Count, Input: e, Name: name}
}

// Avg is the mean of e as a float64.
func Avg(name string, e Expr) Aggregate { return Aggregate{Kind: columnar.Avg, Input: e, Name: name} }

// Min is the least value of e.
func Min(name string, e Expr) Aggregate { return Aggregate{Kind: columnar.Min, Input: e, Name: name} }

// Max is the greatest value of e.
func Max(name string, e Expr) Aggregate { return Aggregate{Kind: columnar.Max, Input: e, Name: name} }

// CountDistinct is the number of distinct non-null values of e.
func CountDistinct(name string, e Expr) Aggregate {
	return Aggregate{Kind: columnar.CountDistinct, Input: e, Name: name}
}

// GroupBy groups the rows by the key columns and computes aggs for each
// group: one row per group, of the keys then the aggregates. Each task
// aggregates its rows before the shuffle (in at most a quarter of its
// memory, flushing partial results when full) and the groups of each
// partition are finished after it. No keys is a global aggregate: one row.
func (t *Table) GroupBy(name string, keys []string, aggs ...Aggregate) *Table {
	if t.broken() {
		return t
	}
	plan, err := columnar.PlanAggregation(t.schema, keys, aggs)
	if err != nil {
		return t.fail(name, err)
	}
	op := &aggOp{plan: plan, keys: keys, aggs: aggs}
	if len(keys) == 0 {
		op.partitions = 1
	}
	return t.p.addTable(name, "GroupBy", dataflow.KindShuffle, op, plan.Schema(), t.node)
}

// Distinct keeps one row of each set of equal rows.
func (t *Table) Distinct(name string) *Table {
	if t.broken() {
		return t
	}
	return t.GroupBy(name, names(t.schema))
}

type aggOp struct {
	partitions
	plan *columnar.Aggregation
	keys []string
	aggs []Aggregate
}

func (o *aggOp) needs([]string) [][]string {
	cols := slices.Clone(o.keys)
	for _, a := range o.aggs {
		cols = union(cols, a.Input.Columns()...)
	}
	if cols == nil {
		cols = []string{}
	}
	return [][]string{cols}
}

func (o *aggOp) writer(tc *taskCtx, out proto.ShuffleOutput) writerHandle {
	w := newTableWriter(tc, out.Shuffle, out.Partitions)
	t := o.plan.NewTable()
	budget := tc.memory().combine
	flush := func() {
		if rec := t.States(); rec != nil {
			tc.count("combine_flushes", 1)
			w.byKey(rec, o.plan.PartialKeys())
			rec.Release()
		}
	}
	return w.handle(out.Shuffle, func(rec arrow.RecordBatch) {
		t.Add(rec)
		if t.Bytes() >= budget {
			flush()
		}
	}, func() error { flush(); return w.close() })
}

func (o *aggOp) read(tc *taskCtx, ins []proto.ShuffleInput, emit any) error {
	out := emit.(func(arrow.RecordBatch))
	t := o.plan.NewTable()
	for _, in := range mergeInputs(ins) {
		if err := readTable(tc, in.Shuffle, tc.spec.Index, in, func(rec arrow.RecordBatch) error {
			t.Merge(rec)
			return nil
		}); err != nil {
			return err
		}
	}
	tc.count("groups", int64(t.Len()))
	emitSlices(t.Results(), out)
	return nil
}

// SortKey is a column to sort by; see Asc and Desc.
type SortKey = columnar.SortKey

// Asc sorts by column c, least first (nulls first).
func Asc(c string) SortKey { return SortKey{Column: c} }

// Desc sorts by column c, greatest first (nulls last).
func Desc(c string) SortKey { return SortKey{Column: c, Desc: true} }

// OrderBy sorts the whole table by keys into one partition: its tasks
// send their rows to one task that sorts them (a final merge), so the
// table must fit that task's memory. For the first rows only, use TopN.
func (t *Table) OrderBy(name string, keys ...SortKey) *Table {
	return t.sorted(name, "OrderBy", 0, keys)
}

// TopN keeps the n first rows in the order of keys: each task keeps its
// own first n before the shuffle, so only those travel.
func (t *Table) TopN(name string, n int, keys ...SortKey) *Table {
	if n <= 0 {
		return t.fail(name, fmt.Errorf("TopN of %d rows, want at least 1", n))
	}
	return t.sorted(name, "TopN", n, keys)
}

// Limit keeps n rows, any n.
func (t *Table) Limit(name string, n int) *Table {
	if n <= 0 {
		return t.fail(name, fmt.Errorf("Limit of %d rows, want at least 1", n))
	}
	return t.sorted(name, "Limit", n, nil)
}

func (t *Table) sorted(name, op string, limit int, keys []SortKey) *Table {
	if t.broken() {
		return t
	}
	o := &sortOp{partitions: 1, limit: limit, schema: t.schema}
	if len(keys) > 0 {
		var err error
		if o.sort, err = columnar.PlanSort(t.schema, keys); err != nil {
			return t.fail(name, err)
		}
	}
	return t.p.addTable(name, op, dataflow.KindShuffle, o, t.schema, t.node)
}

type sortOp struct {
	partitions
	sort   *columnar.Sort // nil: Limit
	limit  int
	schema *arrow.Schema
}

func (o *sortOp) needs(out []string) [][]string { return [][]string{nil} }

// keep returns the rows of recs to pass on: sorted and cut to the limit.
func (o *sortOp) keep(recs []arrow.RecordBatch) (arrow.RecordBatch, error) {
	if len(recs) == 0 {
		return nil, nil
	}
	if o.sort != nil {
		return o.sort.Sort(recs, o.limit)
	}
	all, err := columnar.Concat(recs[0].Schema(), recs)
	if err != nil || o.limit <= 0 || all.NumRows() <= int64(o.limit) {
		return all, err
	}
	defer all.Release()
	return all.NewSlice(0, int64(o.limit)), nil
}

func (o *sortOp) writer(tc *taskCtx, out proto.ShuffleOutput) writerHandle {
	w := newTableWriter(tc, out.Shuffle, 1)
	var held []arrow.RecordBatch
	var rows int64
	compact := func() {
		rec, err := o.keep(held)
		for _, r := range held {
			r.Release()
		}
		held, rows = nil, 0
		if err != nil {
			w.err = err
		} else if rec != nil {
			held, rows = []arrow.RecordBatch{rec}, rec.NumRows()
		}
	}
	return w.handle(out.Shuffle, func(rec arrow.RecordBatch) {
		if o.limit <= 0 { // a full sort: the reader sorts everything
			w.add(0, rec)
			return
		}
		rec.Retain()
		held, rows = append(held, rec), rows+rec.NumRows()
		if rows >= int64(2*o.limit+batchRows) {
			compact()
		}
	}, func() error {
		if o.limit > 0 {
			compact()
			for _, r := range held {
				w.add(0, r)
				r.Release()
			}
		}
		return w.close()
	})
}

func (o *sortOp) read(tc *taskCtx, ins []proto.ShuffleInput, emit any) error {
	out := emit.(func(arrow.RecordBatch))
	var recs []arrow.RecordBatch
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	for _, in := range mergeInputs(ins) {
		if err := readTable(tc, in.Shuffle, tc.spec.Index, in, func(rec arrow.RecordBatch) error {
			rec.Retain()
			recs = append(recs, rec)
			return nil
		}); err != nil {
			return err
		}
	}
	rec, err := o.keep(sameSchema(recs))
	if err != nil {
		return err
	}
	emitSlices(rec, out)
	return nil
}

// sameSchema makes batches that differ only in which columns are
// placeholders agree: a column that is a placeholder in one is dropped
// (made a placeholder) in all.
func sameSchema(recs []arrow.RecordBatch) []arrow.RecordBatch {
	if len(recs) < 2 {
		return recs
	}
	first := recs[0].Schema()
	for _, r := range recs[1:] {
		if !r.Schema().Equal(first) {
			goto fix
		}
	}
	return recs
fix:
	ph := make([]bool, len(first.Fields()))
	for _, r := range recs {
		for i, c := range r.Columns() {
			ph[i] = ph[i] || columnar.IsPlaceholder(c)
		}
	}
	for k, r := range recs {
		cols := slices.Clone(r.Columns())
		for i := range cols {
			if ph[i] {
				cols[i] = columnar.Placeholder(int(r.NumRows()))
			} else {
				cols[i].Retain()
			}
		}
		fields := slices.Clone(r.Schema().Fields())
		for i := range fields {
			if ph[i] {
				fields[i] = arrow.Field{Name: fields[i].Name, Type: arrow.Null, Nullable: true}
			}
		}
		recs[k] = newBatch(arrow.NewSchema(fields, nil), cols, r.NumRows())
		r.Release()
	}
	return recs
}

// Union is the rows of every table, which must have the same columns
// (names and types, in order). Their rows are spread over the partitions
// of a shuffle.
func Union(p *Pipeline, name string, ts ...*Table) *Table {
	if len(ts) == 0 {
		p.fail(Usagef("step %q: Union of no tables", name))
		return &Table{p: p, node: -1}
	}
	ids := make([]int, len(ts))
	for i, t := range ts {
		if !ts[0].same(name, t) {
			return &Table{p: p, node: -1}
		}
		if !t.schema.Equal(ts[0].schema) {
			return ts[0].fail(name, fmt.Errorf("Union of tables with different columns: %s and %s", schemaString(ts[0].schema), schemaString(t.schema)))
		}
		ids[i] = t.node
	}
	return p.addTable(name, "Union", dataflow.KindShuffle, &unionOp{}, ts[0].schema, ids...)
}

type unionOp struct{ partitions }

func (o *unionOp) needs(out []string) [][]string { return nil }

func (o *unionOp) writer(tc *taskCtx, out proto.ShuffleOutput) writerHandle {
	w := newTableWriter(tc, out.Shuffle, out.Partitions)
	return w.handle(out.Shuffle, w.roundRobin, nil)
}

func (o *unionOp) read(tc *taskCtx, ins []proto.ShuffleInput, emit any) error {
	out := emit.(func(arrow.RecordBatch))
	for _, in := range mergeInputs(ins) {
		if err := readTable(tc, in.Shuffle, tc.spec.Index, in, func(rec arrow.RecordBatch) error {
			out(rec)
			return nil
		}); err != nil {
			return err
		}
	}
	return nil
}

// mergeInputs joins the inputs of one shuffle written by several stages
// into one, so that its partition is read once.
func mergeInputs(ins []proto.ShuffleInput) []proto.ShuffleInput {
	var out []proto.ShuffleInput
	for _, in := range ins {
		i := slices.IndexFunc(out, func(o proto.ShuffleInput) bool { return o.Shuffle == in.Shuffle && o.Broadcast == in.Broadcast })
		if i < 0 {
			in.Producers, in.Prefixes = slices.Clone(in.Producers), slices.Clone(in.Prefixes)
			out = append(out, in)
			continue
		}
		out[i].Producers = append(out[i].Producers, in.Producers...)
		out[i].Prefixes = append(out[i].Prefixes, in.Prefixes...)
	}
	return out
}
