package sdk

import (
	"time"

	"spindle/dataflow"
	"spindle/internal/stream/evtime"
	"spindle/internal/stream/state"
)

// Generator describes a generated stream: event n for n = 0, 1, 2, …
// Event must be deterministic (the same n, the same event), so that a
// restored subtask generates again exactly what it generated before its
// last checkpoint's position. Subtask i of p generates the events
// n ≡ i (mod p), so that all subtasks move through event time together.
type Generator[T any] struct {
	// Events is how many events there are; 0 means no end.
	Events int64
	// Rate is how many events per second all subtasks together emit; 0
	// means as fast as the job takes them.
	Rate float64
	// Event fills v with event n.
	Event func(n int64, v *T)
	// Time returns an event's event time, in ms since the Unix epoch.
	Time func(v *T) int64
	// OutOfOrder bounds how far events may arrive out of time order: the
	// watermark is the latest event time seen minus OutOfOrder.
	OutOfOrder time.Duration
}

// Generate is a streaming source of generated events.
func Generate[T any](p *Pipeline, name string, g Generator[T]) Dataset[T] {
	if g.Event == nil || g.Time == nil {
		p.fail(Usagef("step %q: the generator needs Event and Time", name))
	}
	if g.Events < 0 || g.Rate < 0 {
		p.fail(Usagef("step %q: the generator's Events and Rate must not be negative", name))
	}
	return add[T](p, name, "Generate", dataflow.KindSource, &generatorOp[T]{g: g})
}

type generatorOp[T any] struct{ g Generator[T] }

func (op *generatorOp[T]) openStream(sc *subtask, emit any) (streamSource, error) {
	pos, err := state.NewTable[string, int64](sc.state, "source")
	if err != nil {
		return nil, err
	}
	next, ok, err := pos.Get("next")
	if err != nil {
		return nil, err
	}
	if !ok {
		next = int64(sc.dep.Index)
	}
	return &generatorRun[T]{op: op, sc: sc, emit: emit.(func(T)), pos: pos, next: next, step: int64(sc.dep.Parallelism),
		wm: evtime.NewBoundedOutOfOrder(op.g.OutOfOrder), start: sc.now()}, nil
}

// generatorRun is a generator's subtask.
type generatorRun[T any] struct {
	op    *generatorOp[T]
	sc    *subtask
	emit  func(T)
	pos   *state.Table[string, int64]
	next  int64 // the next event this subtask generates
	step  int64
	wm    *evtime.BoundedOutOfOrder
	v     T
	start time.Time // rate limiting counts from here
	sent  int64     // events since start
}

func (g *generatorRun[T]) poll(max int) (bool, time.Duration, error) {
	gen := g.op.g
	if gen.Rate > 0 {
		due := g.start.Add(time.Duration(float64(g.sent) / (gen.Rate / float64(g.step)) * float64(time.Second)))
		if wait := due.Sub(g.sc.now()); wait > 0 {
			return false, wait, nil
		}
		max = min(max, 64)
	}
	for range max {
		if gen.Events > 0 && g.next >= gen.Events {
			return true, 0, nil
		}
		gen.Event(g.next, &g.v)
		ts := gen.Time(&g.v)
		g.wm.Observe(ts)
		g.sc.ts = ts
		g.sc.m.in++
		g.emit(g.v)
		g.next += g.step
		g.sent++
	}
	return gen.Events > 0 && g.next >= gen.Events, 0, nil
}

func (g *generatorRun[T]) watermark() int64 {
	if g.op.g.Events > 0 && g.next >= g.op.g.Events {
		return evtime.MaxTime
	}
	return g.wm.Current()
}

func (g *generatorRun[T]) save() error { return g.pos.Put("next", g.next) }
