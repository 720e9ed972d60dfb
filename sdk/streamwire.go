package sdk

import (
	"bytes"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"spindle/internal/codec"
	"spindle/internal/stream/exchange"
)

// A stream edge carries Arrow record batches of two columns: the records
// ("v", the element type's column) and their event times ("t", int64
// milliseconds).

// Batching of stream edges: a batch is sent when it holds this many bytes,
// or when it is older than the latency bound, or when the task would
// otherwise wait for input, or before a watermark or barrier.
const (
	streamBatchBytes = 64 << 10
	latencyBound     = 50 * time.Millisecond
)

// wire is the encoding of a stream of T.
type wire[T any] struct {
	col    codec.Column[T]
	schema *arrow.Schema
}

func newWire[T any]() (wire[T], error) {
	col, err := codec.For[T]()
	if err != nil {
		return wire[T]{}, err
	}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "v", Type: col.Type, Nullable: true},
		{Name: "t", Type: arrow.PrimitiveTypes.Int64},
	}, nil)
	return wire[T]{col: col, schema: schema}, nil
}

// decode calls fn for every record of a batch, in order. Values that
// point into the batch (strings) are valid only during the call.
func (w wire[T]) decode(payload []byte, fn func(v T, ts int64)) error {
	rd, err := ipc.NewReader(bytes.NewReader(payload), ipc.WithAllocator(memory.DefaultAllocator))
	if err != nil {
		return fmt.Errorf("sdk: decode stream batch: %w", err)
	}
	defer rd.Release()
	for rd.Next() {
		rec := rd.RecordBatch()
		get := w.col.Getter(rec.Column(0))
		ts := rec.Column(1).(*array.Int64).Int64Values()
		for i := range ts {
			fn(get(i), ts[i])
		}
	}
	return rd.Err()
}

// wireBuf is the batch being filled for one consumer.
type wireBuf[T any] struct {
	vb     array.Builder
	tb     *array.Int64Builder
	append func(T) int
	bytes  int
	since  time.Time // when its first record came
}

// keyedWriter is the write side of a keyed stream edge in one subtask:
// records partitioned by their key's hash into one batch per consumer.
type keyedWriter[T any] struct {
	sc     *subtask
	w      wire[T]
	hash   func(T) uint64
	sender *exchange.Sender
	bufs   []*wireBuf[T]
	out    bytes.Buffer
	held   int // buffers holding records
}

func newKeyedWriter[T any](sc *subtask, w wire[T], hash func(T) uint64, sender *exchange.Sender, consumers int) *keyedWriter[T] {
	kw := &keyedWriter[T]{sc: sc, w: w, hash: hash, sender: sender}
	for range consumers {
		vb := w.col.NewBuilder()
		kw.bufs = append(kw.bufs, &wireBuf[T]{vb: vb, tb: array.NewInt64Builder(memory.DefaultAllocator), append: w.col.Appender(vb)})
	}
	return kw
}

// emit adds a record with the subtask's current event time.
func (kw *keyedWriter[T]) emit(v T) {
	c := int(kw.hash(v) % uint64(len(kw.bufs)))
	b := kw.bufs[c]
	if b.bytes == 0 {
		b.since = kw.sc.now()
		kw.held++
	}
	b.bytes += b.append(v) + 8
	b.tb.Append(kw.sc.ts)
	kw.sc.m.out++
	if b.bytes >= streamBatchBytes {
		kw.sc.check(kw.send(c))
	}
}

// send sends consumer c's batch, if it holds records.
func (kw *keyedWriter[T]) send(c int) error {
	b := kw.bufs[c]
	if b.bytes == 0 {
		return nil
	}
	vs, ts := b.vb.NewArray(), b.tb.NewArray()
	rec := array.NewRecordBatch(kw.w.schema, []arrow.Array{vs, ts}, int64(ts.Len()))
	kw.out.Reset()
	iw := ipc.NewWriter(&kw.out, ipc.WithSchema(kw.w.schema))
	err := iw.Write(rec)
	if cerr := iw.Close(); err == nil {
		err = cerr
	}
	rec.Release()
	vs.Release()
	ts.Release()
	b.bytes = 0
	kw.held--
	if err != nil {
		return fmt.Errorf("sdk: encode stream batch: %w", err)
	}
	return kw.sender.Send(kw.sc.ctx, c, exchange.Data, 0, bytes.Clone(kw.out.Bytes()))
}

// flush sends every batch holding records.
func (kw *keyedWriter[T]) flush() error {
	for c := range kw.bufs {
		if err := kw.send(c); err != nil {
			return err
		}
	}
	return nil
}

// stale reports whether a batch waits longer than the latency bound.
func (kw *keyedWriter[T]) stale(now time.Time) bool {
	if kw.held == 0 {
		return false
	}
	for _, b := range kw.bufs {
		if b.bytes > 0 && now.Sub(b.since) >= latencyBound {
			return true
		}
	}
	return false
}

// control flushes every batch, then sends a control frame to every
// consumer, after them.
func (kw *keyedWriter[T]) control(k exchange.Kind, v int64) error {
	if err := kw.flush(); err != nil {
		return err
	}
	return kw.sender.SendAll(kw.sc.ctx, k, v)
}

func (kw *keyedWriter[T]) stats() exchange.SenderStats { return kw.sender.Stats() }

func (kw *keyedWriter[T]) close() error {
	for _, b := range kw.bufs {
		b.vb.Release()
		b.tb.Release()
	}
	return kw.sender.Close()
}
