package sdk

import (
	"fmt"
	"time"

	"spindle/dataflow"
	"spindle/internal/codec"
	"spindle/internal/stream/exchange"
	"spindle/internal/stream/state"
)

// KeyedProcess is the low-level keyed step of a streaming job (Flink's
// KeyedProcessFunction): records are partitioned by key, and for each the
// step's Record function runs with the record's key current; it may read
// and write keyed state (value, list and map state, scoped to the current
// key, stored in the task's state backend and checkpointed with it) and
// set timers for the current key, which call its Timer function later:
// event-time timers once the watermark passes their time, processing-time
// timers once the wall clock does.
//
// open runs once per subtask, before the first record: it declares the
// step's state (ValueStateOf, ListStateOf, MapStateOf) and returns the
// functions. State names must be unique within the step; keep them, and
// the step's name, across versions of a job that restore from each
// other's savepoints.
//
// Outputs get the event time of the record being processed, or the time
// of the timer being fired (processing-time timers: just past the input's
// current watermark, so that no output is late downstream). When a bounded
// input ends, the watermark goes to the end of time, so every event-time
// timer fires; processing-time timers still pending then are dropped.
func KeyedProcess[K comparable, V, O any](p *Pipeline, name string, in Dataset[KV[K, V]], open func(s *KeyedState[K]) Process[K, V, O]) Dataset[O] {
	check(p, in, name)
	if open == nil {
		p.fail(Usagef("step %q: KeyedProcess needs an open function", name))
	}
	op, err := newProcessOp[K, V, O](open)
	if err != nil {
		p.fail(fmt.Errorf("step %q: %w", name, err))
	}
	return add[O](p, name, "KeyedProcess", dataflow.KindShuffle, op, in.node)
}

// Process is what a KeyedProcess step does.
type Process[K comparable, V, O any] struct {
	// Record processes one record of the current key (ctx.Key()).
	Record func(ctx *ProcessContext[K, O], v V)
	// Timer handles a timer of the current key; nil if the step sets
	// none.
	Timer func(ctx *ProcessContext[K, O], t Timer)
}

// Timer is a timer that fired: its time, in event-time milliseconds, or
// wall-clock milliseconds since the epoch if Processing.
type Timer struct {
	Time       int64
	Processing bool
}

// ProcessContext is a KeyedProcess step's view of the record or timer
// being handled. It is valid only during the call.
type ProcessContext[K comparable, O any] struct {
	s    *KeyedState[K]
	emit func(O)
}

// Key returns the current key.
func (c *ProcessContext[K, O]) Key() K { return c.s.key }

// Timestamp returns the event time of the record being processed, or the
// time of the event-time timer being fired.
func (c *ProcessContext[K, O]) Timestamp() int64 { return c.s.sc.ts }

// Watermark returns the step's current input watermark.
func (c *ProcessContext[K, O]) Watermark() int64 { return c.s.sc.wm }

// Emit outputs v with the current timestamp.
func (c *ProcessContext[K, O]) Emit(v O) { c.emit(v) }

// EventTimer sets an event-time timer for the current key at ts; setting
// one that is set does nothing. A timer at or before the watermark fires
// with the next watermark.
func (c *ProcessContext[K, O]) EventTimer(ts int64) {
	c.s.sc.check(c.s.events.Register(ts, c.s.storedKey()))
}

// DeleteEventTimer removes the current key's event-time timer at ts.
func (c *ProcessContext[K, O]) DeleteEventTimer(ts int64) {
	c.s.sc.check(c.s.events.Delete(ts, c.s.key))
}

// ProcessingTimer sets a processing-time timer for the current key at t
// (millisecond resolution).
func (c *ProcessContext[K, O]) ProcessingTimer(t time.Time) {
	c.s.sc.check(c.s.procs.Register(t.UnixMilli(), c.s.storedKey()))
}

// DeleteProcessingTimer removes the current key's processing-time timer
// at t.
func (c *ProcessContext[K, O]) DeleteProcessingTimer(t time.Time) {
	c.s.sc.check(c.s.procs.Delete(t.UnixMilli(), c.s.key))
}

// KeyedState is a KeyedProcess subtask's state: the tables its state
// handles read and write, and the current key they are scoped to.
type KeyedState[K comparable] struct {
	sc     *subtask
	kc     codec.Key[K]
	key    K
	stored *K // key cloned for storing, once per record
	events *state.Timers[K]
	procs  *state.Timers[K]
	names  map[string]bool
}

// storedKey returns the current key copied out of the input batch, for
// state and timers that outlive the record.
func (s *KeyedState[K]) storedKey() K {
	if s.stored == nil {
		k := s.kc.Clone(s.key)
		s.stored = &k
	}
	return *s.stored
}

func (s *KeyedState[K]) setKey(k K, stored bool) {
	s.key, s.stored = k, nil
	if stored {
		s.stored = &s.key
	}
}

// keyedTable opens the step's state table name; a bad or repeated name fails
// the subtask.
func keyedTable[K comparable, T any](s *KeyedState[K], kind, name string) *state.Table[K, T] {
	if name == "" || s.names[name] {
		s.sc.check(fmt.Errorf("sdk: %s state %q: names must be unique and not empty", kind, name))
	}
	s.names[name] = true
	t, err := state.NewTable[K, T](s.sc.state, "process/"+name)
	s.sc.check(err)
	return t
}

// ValueState is one value per key.
type ValueState[K comparable, T any] struct {
	s *KeyedState[K]
	t *state.Table[K, T]
}

// ValueStateOf declares a value state of a KeyedProcess step.
func ValueStateOf[T any, K comparable](s *KeyedState[K], name string) *ValueState[K, T] {
	return &ValueState[K, T]{s: s, t: keyedTable[K, T](s, "value", name)}
}

// Value returns the current key's value, and false if it has none.
func (v *ValueState[K, T]) Value() (T, bool) {
	x, ok, err := v.t.Get(v.s.key)
	v.s.sc.check(err)
	return x, ok
}

// Update sets the current key's value.
func (v *ValueState[K, T]) Update(x T) { v.s.sc.check(v.t.Put(v.s.storedKey(), x)) }

// Clear removes the current key's value.
func (v *ValueState[K, T]) Clear() { v.s.sc.check(v.t.Delete(v.s.key)) }

// ListState is a list of values per key.
type ListState[K comparable, T any] struct {
	s *KeyedState[K]
	t *state.Table[K, []T]
}

// ListStateOf declares a list state of a KeyedProcess step.
func ListStateOf[T any, K comparable](s *KeyedState[K], name string) *ListState[K, T] {
	return &ListState[K, T]{s: s, t: keyedTable[K, []T](s, "list", name)}
}

// Get returns the current key's list (nil if empty); the caller must not
// modify it.
func (l *ListState[K, T]) Get() []T {
	x, _, err := l.t.Get(l.s.key)
	l.s.sc.check(err)
	return x
}

// Add appends x to the current key's list, in amortized constant time:
// the list grows in place (a slice Get returned earlier keeps its length).
func (l *ListState[K, T]) Add(x T) {
	l.s.sc.check(l.t.Put(l.s.storedKey(), append(l.Get(), x)))
}

// Update replaces the current key's list.
func (l *ListState[K, T]) Update(xs []T) {
	if len(xs) == 0 {
		l.Clear()
		return
	}
	l.s.sc.check(l.t.Put(l.s.storedKey(), xs))
}

// Clear empties the current key's list.
func (l *ListState[K, T]) Clear() { l.s.sc.check(l.t.Delete(l.s.key)) }

// MapState is a map per key. A key's map is stored as one value, so it
// suits maps of up to thousands of entries per key.
type MapState[K comparable, MK comparable, MV any] struct {
	s *KeyedState[K]
	t *state.Table[K, map[MK]MV]
}

// MapStateOf declares a map state of a KeyedProcess step.
func MapStateOf[MK comparable, MV any, K comparable](s *KeyedState[K], name string) *MapState[K, MK, MV] {
	return &MapState[K, MK, MV]{s: s, t: keyedTable[K, map[MK]MV](s, "map", name)}
}

// Get returns the value of mk in the current key's map.
func (m *MapState[K, MK, MV]) Get(mk MK) (MV, bool) {
	x, _, err := m.t.Get(m.s.key)
	m.s.sc.check(err)
	v, ok := x[mk]
	return v, ok
}

// Entries returns the current key's map (nil if empty); the caller must
// not modify it.
func (m *MapState[K, MK, MV]) Entries() map[MK]MV {
	x, _, err := m.t.Get(m.s.key)
	m.s.sc.check(err)
	return x
}

// Put sets mk to v in the current key's map.
func (m *MapState[K, MK, MV]) Put(mk MK, v MV) {
	x, _, err := m.t.Get(m.s.key)
	m.s.sc.check(err)
	if x == nil {
		x = map[MK]MV{}
	}
	x[mk] = v
	m.s.sc.check(m.t.Put(m.s.storedKey(), x))
}

// Delete removes mk from the current key's map.
func (m *MapState[K, MK, MV]) Delete(mk MK) {
	x, ok, err := m.t.Get(m.s.key)
	m.s.sc.check(err)
	if !ok {
		return
	}
	if _, ok := x[mk]; !ok {
		return
	}
	delete(x, mk)
	if len(x) == 0 {
		m.s.sc.check(m.t.Delete(m.s.key))
		return
	}
	m.s.sc.check(m.t.Put(m.s.storedKey(), x))
}

// Clear empties the current key's map.
func (m *MapState[K, MK, MV]) Clear() { m.s.sc.check(m.t.Delete(m.s.key)) }

// processOp is KeyedProcess.
type processOp[K comparable, V, O any] struct {
	open func(s *KeyedState[K]) Process[K, V, O]
	key  codec.Key[K]
	wire wire[KV[K, V]]
}

func newProcessOp[K comparable, V, O any](open func(s *KeyedState[K]) Process[K, V, O]) (*processOp[K, V, O], error) {
	key, err := codec.KeyFor[K]()
	if err != nil {
		return nil, err
	}
	wr, err := newWire[KV[K, V]]()
	if err != nil {
		return nil, err
	}
	return &processOp[K, V, O]{open: open, key: key, wire: wr}, nil
}

// Partitions implements dataflow.Partitioner: one subtask per executor.
func (op *processOp[K, V, O]) Partitions() int { return 0 }

func (op *processOp[K, V, O]) streamWriter(sc *subtask, sender *exchange.Sender, consumers int) (any, streamOut) {
	kw := newKeyedWriter(sc, op.wire, func(kv KV[K, V]) uint64 { return op.key.Hash(kv.Key) }, sender, consumers)
	return kw.emit, kw
}

func (op *processOp[K, V, O]) openRoot(sc *subtask, next, _ any) (streamRoot, error) {
	events, err := state.NewTimers[K](sc.state, "process-timers/event")
	if err != nil {
		return nil, err
	}
	procs, err := state.NewTimers[K](sc.state, "process-timers/processing")
	if err != nil {
		return nil, err
	}
	s := &KeyedState[K]{sc: sc, kc: op.key, events: events, procs: procs, names: map[string]bool{}}
	fns := op.open(s)
	if sc.err != nil {
		return nil, sc.err
	}
	if fns.Record == nil {
		return nil, fmt.Errorf("sdk: step %s: the process has no Record function", sc.name)
	}
	r := &processRun[K, V, O]{op: op, sc: sc, s: s, fns: fns}
	r.ctx = ProcessContext[K, O]{s: s, emit: next.(func(O))}
	return r, nil
}

// processRun is a KeyedProcess subtask.
type processRun[K comparable, V, O any] struct {
	op  *processOp[K, V, O]
	sc  *subtask
	s   *KeyedState[K]
	fns Process[K, V, O]
	ctx ProcessContext[K, O]
}

func (r *processRun[K, V, O]) consume(payload []byte) error {
	return r.op.wire.decode(payload, func(kv KV[K, V], ts int64) {
		r.sc.m.in++
		r.sc.ts = ts
		r.s.setKey(kv.Key, false)
		r.fns.Record(&r.ctx, kv.Value)
	})
}

// watermark fires the event-time timers wm passes.
func (r *processRun[K, V, O]) watermark(wm int64) error {
	return r.s.events.Fire(wm, func(ts int64, k K) error {
		r.sc.ts = ts
		r.fire(k, Timer{Time: ts})
		return r.sc.err
	})
}

func (r *processRun[K, V, O]) fire(k K, t Timer) {
	if r.fns.Timer == nil {
		r.sc.check(fmt.Errorf("sdk: step %s set a timer but has no Timer function", r.sc.name))
		return
	}
	r.s.setKey(k, true)
	r.fns.Timer(&r.ctx, t)
}

// nextProcessing implements processingTimed.
func (r *processRun[K, V, O]) nextProcessing() (time.Time, bool) {
	ms, ok := r.s.procs.Next()
	return time.UnixMilli(ms), ok
}

// fireProcessing implements processingTimed: the processing-time timers
// due by now fire, their outputs stamped just past the watermark (the
// earliest time at which they are not late downstream).
func (r *processRun[K, V, O]) fireProcessing(now time.Time) error {
	return r.s.procs.Fire(now.UnixMilli(), func(ms int64, k K) error {
		r.sc.ts = 0
		if r.sc.wm != minWatermark {
			r.sc.ts = r.sc.wm + 1
		}
		r.fire(k, Timer{Time: ms, Processing: true})
		return r.sc.err
	})
}

// processingTimed is a stage root with processing-time timers: the root
// loop fires them when they are due, between input frames.
type processingTimed interface {
	nextProcessing() (time.Time, bool)
	fireProcessing(now time.Time) error
}
