package sdk

import (
	"slices"

	"spindle/internal/codec"
	"spindle/internal/stream/evtime"
	"spindle/internal/stream/exchange"
	"spindle/internal/stream/state"
)

// windowOp is WindowAggregate. Its state is Flink's window operator's:
// per key, the key's open windows with one accumulator each, in a state
// table; and a timer per key at each window's end (and, with allowed
// lateness, at its cleanup time). A watermark fires the timers it passes.
type windowOp[K comparable, V, A, O any] struct {
	w    Windows
	agg  Aggregator[V, A, O]
	key  codec.Key[K]
	wire wire[KV[K, V]]
	late int // node ID of the late output, or 0 for none
}

// WindowAcc is one open window of a key and its accumulator, as stored.
type WindowAcc[A any] struct {
	Start, End int64
	Acc        A
	Fired      bool
}

// KeyWindows is a key's open windows, as stored.
type KeyWindows[A any] struct {
	Windows []WindowAcc[A]
}

func newWindowOp[K comparable, V, A, O any](w Windows, agg Aggregator[V, A, O]) (*windowOp[K, V, A, O], error) {
	key, err := codec.KeyFor[K]()
	if err != nil {
		return nil, err
	}
	wr, err := newWire[KV[K, V]]()
	if err != nil {
		return nil, err
	}
	return &windowOp[K, V, A, O]{w: w, agg: agg, key: key, wire: wr}, nil
}

// Partitions implements dataflow.Partitioner: a stream step has one
// subtask per executor of the gang.
func (op *windowOp[K, V, A, O]) Partitions() int { return 0 }

func (op *windowOp[K, V, A, O]) streamWriter(sc *subtask, sender *exchange.Sender, consumers int) (any, streamOut) {
	kw := newKeyedWriter(sc, op.wire, func(kv KV[K, V]) uint64 { return op.key.Hash(kv.Key) }, sender, consumers)
	return kw.emit, kw
}

func (op *windowOp[K, V, A, O]) openRoot(sc *subtask, next, late any) (streamRoot, error) {
	table, err := state.NewTable[K, KeyWindows[A]](sc.state, "windows")
	if err != nil {
		return nil, err
	}
	timers, err := state.NewTimers[K](sc.state, "window-timers")
	if err != nil {
		return nil, err
	}
	r := &windowRun[K, V, A, O]{op: op, sc: sc, table: table, timers: timers, next: next.(func(Windowed[K, O]))}
	if late != nil {
		r.late = late.(func(KV[K, V]))
	}
	return r, nil
}

// windowRun is a windowOp's subtask.
type windowRun[K comparable, V, A, O any] struct {
	op     *windowOp[K, V, A, O]
	sc     *subtask
	table  *state.Table[K, KeyWindows[A]]
	timers *state.Timers[K]
	next   func(Windowed[K, O])
	late   func(KV[K, V])
	assign []evtime.Window
}

func (r *windowRun[K, V, A, O]) consume(payload []byte) error {
	return r.op.wire.decode(payload, func(kv KV[K, V], ts int64) {
		r.sc.m.in++
		r.sc.ts = ts
		r.sc.check(r.add(kv, ts))
	})
}

// add folds one record into its key's windows.
func (r *windowRun[K, V, A, O]) add(kv KV[K, V], ts int64) error {
	r.assign = r.op.w.assign.Assign(ts, r.assign[:0])
	kws, _, err := r.table.Get(kv.Key)
	if err != nil {
		return err
	}
	taken := false
	for _, w := range r.assign {
		if evtime.IsLate(w, r.sc.wm, r.op.w.lateness) {
			continue
		}
		taken = true
		if r.op.w.assign.Merging() {
			if kws, err = r.mergeSession(kv.Key, kws, w, kv.Value); err != nil {
				return err
			}
			continue
		}
		if kws, err = r.addTo(kv.Key, kws, w, kv.Value); err != nil {
			return err
		}
	}
	if !taken {
		r.sc.m.late++
		if r.late != nil {
			r.late(kv)
		}
		return nil
	}
	return r.table.Put(r.op.key.Clone(kv.Key), kws)
}

// addTo adds v to window w of key k, opening it if needed; a window that
// already fired (a late record within the allowed lateness) fires again.
func (r *windowRun[K, V, A, O]) addTo(k K, kws KeyWindows[A], w evtime.Window, v V) (KeyWindows[A], error) {
	i := slices.IndexFunc(kws.Windows, func(a WindowAcc[A]) bool { return a.Start == w.Start && a.End == w.End })
	if i < 0 {
		kws.Windows = append(kws.Windows, WindowAcc[A]{Start: w.Start, End: w.End, Acc: r.op.agg.Init()})
		i = len(kws.Windows) - 1
		if err := r.schedule(k, w); err != nil {
			return kws, err
		}
	}
	a := &kws.Windows[i]
	a.Acc = r.op.agg.Add(a.Acc, v)
	if a.Fired {
		r.fire(k, a)
	}
	return kws, nil
}

// mergeSession adds v's session window w to key k's sessions, merging
// every session it overlaps into one.
func (r *windowRun[K, V, A, O]) mergeSession(k K, kws KeyWindows[A], w evtime.Window, v V) (KeyWindows[A], error) {
	acc := r.op.agg.Add(r.op.agg.Init(), v)
	kept := kws.Windows[:0]
	for _, a := range kws.Windows {
		if a.Start <= w.End && w.Start <= a.End { // they touch: one session
			w.Start, w.End = min(w.Start, a.Start), max(w.End, a.End)
			acc = r.op.agg.Merge(a.Acc, acc)
			if err := r.unschedule(k, evtime.Window{Start: a.Start, End: a.End}); err != nil {
				return kws, err
			}
			continue
		}
		kept = append(kept, a)
	}
	kws.Windows = append(kept, WindowAcc[A]{Start: w.Start, End: w.End, Acc: acc})
	return kws, r.schedule(k, w)
}

// schedule sets the timers of key k's window w: at its end, and at its
// cleanup time when that is later.
func (r *windowRun[K, V, A, O]) schedule(k K, w evtime.Window) error {
	if err := r.timers.Register(w.MaxTimestamp(), k); err != nil {
		return err
	}
	if c := evtime.CleanupTime(w, r.op.w.lateness); c != w.MaxTimestamp() {
		return r.timers.Register(c, k)
	}
	return nil
}

func (r *windowRun[K, V, A, O]) unschedule(k K, w evtime.Window) error {
	if err := r.timers.Delete(w.MaxTimestamp(), k); err != nil {
		return err
	}
	if c := evtime.CleanupTime(w, r.op.w.lateness); c != w.MaxTimestamp() {
		return r.timers.Delete(c, k)
	}
	return nil
}

func (r *windowRun[K, V, A, O]) fire(k K, a *WindowAcc[A]) {
	r.sc.ts = a.End - 1
	r.next(Windowed[K, O]{Key: k, Start: a.Start, End: a.End, Value: r.op.agg.Result(a.Acc)})
	a.Fired = true
}

// watermark fires and cleans up the windows wm completes.
func (r *windowRun[K, V, A, O]) watermark(wm int64) error {
	return r.timers.Fire(wm, func(_ int64, k K) error {
		kws, ok, err := r.table.Get(k)
		if err != nil || !ok {
			return err
		}
		kept := kws.Windows[:0]
		for i := range kws.Windows {
			a := &kws.Windows[i]
			w := evtime.Window{Start: a.Start, End: a.End}
			if !a.Fired && w.MaxTimestamp() <= wm {
				r.fire(k, a)
			}
			if evtime.CleanupTime(w, r.op.w.lateness) > wm {
				kept = append(kept, *a)
			}
		}
		if len(kept) == 0 {
			return r.table.Delete(k)
		}
		kws.Windows = kept
		return r.table.Put(k, kws)
	})
}
