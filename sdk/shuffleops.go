package sdk

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"spindle/dataflow"
	"spindle/internal/proto"
	"spindle/shuffle"
)

// shuffleOp is the Impl of keyed steps. In the stage that writes the
// shuffle it is a sink (writer); in the stage it roots it is a source
// (read).
type shuffleOp interface {
	dataflow.Partitioner
	writer(tc *taskCtx, out proto.ShuffleOutput) writerHandle
	read(tc *taskCtx, in []proto.ShuffleInput, emit any) error
}

// writerHandle is the write side of a shuffle in one task.
type writerHandle struct {
	shuffle int
	emit    any                   // func(KV[K, V])
	close   func() error          // flush everything and end the attempt's output
	sync    func() ([]int, error) // flush everything buffered; batches per partition so far
}

type combineOp[K comparable, V any] struct{ *keyed[K, V] }

func (s *combineOp[K, V]) writer(tc *taskCtx, out proto.ShuffleOutput) writerHandle {
	c := s.newCombiner(tc, out)
	return c.handle(out, func(kv KV[K, V]) {
		if c.t.add(kv.Key, kv.Value) {
			c.inserted(kv.Key, kv.Value)
		}
	})
}

// countOp is CountPerKey: a combineOp of sums whose map side counts its
// input elements directly, without pairing each with 1 first.
type countOp[K comparable] struct{ combineOp[K, int64] }

func (s *countOp[K]) writer(tc *taskCtx, out proto.ShuffleOutput) writerHandle {
	c := s.newCombiner(tc, out)
	return c.handle(out, func(k K) {
		if count(c.t, k) {
			c.inserted(k, 1)
		}
	})
}

// combiner is a map-side combine: the task's rows combined per key in a
// table of at most the plan's combine bytes (keys, values as first
// inserted, and the entry overhead), flushed into the shuffle's buckets
// whenever it is full, and at the end.
type combiner[K comparable, V any] struct {
	s      *keyed[K, V]
	t      *table[K, V]
	b      *buckets[K, V]
	budget int64
	held   int64
}

func (s *keyed[K, V]) newCombiner(tc *taskCtx, out proto.ShuffleOutput) *combiner[K, V] {
	return &combiner[K, V]{s: s, t: newTable[K, V](s.combine, s.key), b: s.newBuckets(tc, out), budget: tc.memory().combine}
}

// inserted accounts for a new entry, flushing the table once it is full:
// its own bytes, and the contents of values that have any (kept as first
// inserted: a combine that grows values is not counted).
func (c *combiner[K, V]) inserted(k K, v V) {
	if c.s.vcol.Clone != nil {
		c.held += int64(c.s.vcol.Size(v))
	}
	if c.t.len()%64 == 0 && c.held+c.t.bytes() >= c.budget { // bytes costs a few loads: not on every row
		c.flush()
	}
}

func (c *combiner[K, V]) flush() {
	if c.t.len() > 0 {
		c.b.tc.count("combine_flushes", 1)
	}
	c.t.each(false, c.b.add)
	c.held = 0
}

// handle is the writer of a combining shuffle whose rows arrive at emit.
func (c *combiner[K, V]) handle(out proto.ShuffleOutput, emit any) writerHandle {
	return writerHandle{
		shuffle: out.Shuffle,
		emit:    emit,
		close:   func() error { c.flush(); return c.b.close() },
		sync:    func() ([]int, error) { c.flush(); return c.b.sync() },
	}
}

func (s *combineOp[K, V]) read(tc *taskCtx, ins []proto.ShuffleInput, emit any) error {
	out := emit.(func(KV[K, V]))
	g := newAggregator(s.keyed, tc, func(v V) V { return v }, s.combine, func(a V, f func(V)) { f(a) })
	if err := s.readAll(tc, ins, g.add); err != nil {
		return err
	}
	return g.emit(func(k K, v V) { out(KV[K, V]{k, v}) })
}

type groupOp[K comparable, V any] struct{ *keyed[K, V] }

func (s *groupOp[K, V]) writer(tc *taskCtx, out proto.ShuffleOutput) writerHandle {
	b := s.newBuckets(tc, out)
	return writerHandle{shuffle: out.Shuffle, emit: func(kv KV[K, V]) { b.add(kv.Key, kv.Value) }, close: b.close, sync: b.sync}
}

func (s *groupOp[K, V]) read(tc *taskCtx, ins []proto.ShuffleInput, emit any) error {
	out := emit.(func(KV[K, []V]))
	g := newAggregator(s.keyed, tc, func(v V) []V { return []V{v} },
		func(a, b []V) []V { return append(a, b...) },
		func(vs []V, f func(V)) {
			for _, v := range vs {
				f(v)
			}
		})
	if err := s.readAll(tc, ins, g.add); err != nil {
		return err
	}
	return g.emit(func(k K, vs []V) { out(KV[K, []V]{k, vs}) })
}

// readAll replays this task's partition of every input shuffle.
func (s *keyed[K, V]) readAll(tc *taskCtx, ins []proto.ShuffleInput, fn func(K, V)) error {
	for _, in := range mergeInputs(ins) {
		err := shuffle.Read(tc.ctx, tc.env.JS, tc.spec.AppID, in.Shuffle, tc.spec.Index, in.Producers, in.Prefixes,
			func(rec arrow.RecordBatch) error {
				tc.count("shuffle_records_read", rec.NumRows())
				s.decode(rec, fn)
				return tc.err
			}, shuffle.MaxBuffered(tc.memory().readAhead))
		if err != nil {
			return err
		}
	}
	return nil
}

// buckets accumulates one Arrow batch per partition and publishes it once
// it reaches the plan's bucket bytes. The first error stops it; close
// reports it.
type buckets[K comparable, V any] struct {
	s     *keyed[K, V]
	tc    *taskCtx
	w     *shuffle.Writer
	kb    []array.Builder
	vb    []array.Builder
	addK  []func(K) int
	addV  []func(V) int
	size  []int
	limit int
	parts uint64
	err   error
}

func (s *keyed[K, V]) newBuckets(tc *taskCtx, out proto.ShuffleOutput) *buckets[K, V] {
	n := out.Partitions
	b := &buckets[K, V]{s: s, tc: tc, parts: uint64(n), size: make([]int, n), limit: int(tc.memory().bucket),
		w: shuffle.NewWriter(tc.env.JS, tc.spec.AppID, out.Shuffle, n, tc.spec.AttemptID)}
	for range n {
		kb, vb := s.kcol.NewBuilder(), s.vcol.NewBuilder()
		b.kb, b.vb = append(b.kb, kb), append(b.vb, vb)
		b.addK, b.addV = append(b.addK, s.kcol.Appender(kb)), append(b.addV, s.vcol.Appender(vb))
	}
	return b
}

func (b *buckets[K, V]) add(k K, v V) {
	if b.err != nil {
		return
	}
	p := int(b.s.key.Hash(k) % b.parts)
	b.size[p] += b.addK[p](k) + b.addV[p](v)
	if b.size[p] >= b.limit {
		b.err = b.flush(p)
	}
}

func (b *buckets[K, V]) flush(p int) error {
	keys, vals := b.kb[p].NewArray(), b.vb[p].NewArray()
	defer keys.Release()
	defer vals.Release()
	b.size[p] = 0
	if keys.Len() == 0 {
		return nil
	}
	rec := array.NewRecordBatch(b.s.schema, []arrow.Array{keys, vals}, int64(keys.Len()))
	defer rec.Release()
	b.tc.count("shuffle_records_written", rec.NumRows())
	return b.w.Write(b.tc.ctx, p, rec)
}

// flushAll publishes what is in every bucket.
func (b *buckets[K, V]) flushAll() error {
	for p := range b.size {
		if b.err == nil {
			b.err = b.flush(p)
		}
	}
	if b.err != nil {
		return fmt.Errorf("shuffle write: %w", b.err)
	}
	return nil
}

// sync publishes every bucket and waits until the server stored it all.
func (b *buckets[K, V]) sync() ([]int, error) {
	if err := b.flushAll(); err != nil {
		return nil, err
	}
	return b.w.Sync(b.tc.ctx)
}

// close publishes what is left in every bucket and the end markers.
func (b *buckets[K, V]) close() error {
	if err := b.flushAll(); err != nil {
		return err
	}
	err := b.w.Close(b.tc.ctx)
	b.tc.count("shuffle_bytes_written", b.w.Bytes)
	if b.w.Retries > 0 {
		b.tc.count("shuffle_publish_retries", b.w.Retries)
	}
	return err
}
