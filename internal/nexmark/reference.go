package nexmark

import (
	"errors"
	"fmt"
)

// ErrUnknownQuery reports a query name not in Queries.
var ErrUnknownQuery = errors.New("nexmark: unknown query")

// Queries lists the queries Reference knows, in order.
var Queries = []string{"q0", "q1", "q2", "q3", "q4", "q5", "q7", "q8"}

// queries makes each query's reference state machine.
var queries = map[string]func(*emitter) query{
	"q0": func(em *emitter) query { return q0{em} },
	"q1": func(em *emitter) query { return q1{em} },
	"q2": func(em *emitter) query { return q2{em} },
	"q3": newQ3,
	"q4": newQ4,
	"q5": newQ5,
	"q7": func(em *emitter) query { return &q7{em: em} },
	"q8": newQ8,
}

// query is the plain reference of one query. add sees every event in
// order of n, hence of event time; the state machines rely on that, and
// on person and auction ids arriving in increasing order, as the
// generator makes them. finish marks the end of the input.
type query interface {
	add(e *Event)
	finish()
}

// Reference computes the output lines of query over events [0, c.Events)
// plainly, in one goroutine, and calls out with each line (see the Append*
// functions). The lines come in no particular order: compare them sorted.
// Memory is proportional to the query's state, not to the events: q0, q1
// and q2 stream, q5, q7 and q8 keep one window, q4 the open auctions, q3
// the matching people.
//
// It returns an error wrapping ErrUnknownQuery for a name not in Queries,
// or wrapping ErrConfig if c is invalid or unbounded (Events == 0).
func Reference(query string, c Config, out func(line string)) error {
	return ReferenceBytes(query, c, func(line []byte) { out(string(line)) })
}

// ReferenceBytes is Reference without an allocation per line: the line
// passed to out is only valid until out returns.
func ReferenceBytes(query string, c Config, out func(line []byte)) error {
	mk, ok := queries[query]
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownQuery, query)
	}
	if err := c.Validate(); err != nil {
		return err
	}
	if c.Events == 0 {
		return fmt.Errorf("%w: the reference needs a bounded Events", ErrConfig)
	}
	q := mk(&emitter{out: out})
	var e Event
	for n := range c.Events {
		c.Event(n, &e)
		q.add(&e)
	}
	q.finish()
	return nil
}

// emitter hands lines to the caller, reusing one buffer:
// em.emit(AppendQx(em.line(), ...)).
type emitter struct {
	buf []byte
	out func([]byte)
}

func (em *emitter) line() []byte { return em.buf[:0] }

func (em *emitter) emit(line []byte) {
	em.buf = line
	em.out(line)
}

// q0 passes every bid through.
type q0 struct{ em *emitter }

func (q q0) add(e *Event) {
	if b := &e.Bid; e.Kind == KindBid {
		q.em.emit(AppendQ0(q.em.line(), b.Auction, b.Bidder, b.Price, b.DateTime, b.Extra))
	}
}

func (q0) finish() {}

// q1 converts every bid's price to euros.
type q1 struct{ em *emitter }

func (q q1) add(e *Event) {
	if b := &e.Bid; e.Kind == KindBid {
		q.em.emit(AppendQ1(q.em.line(), b.Auction, b.Bidder, b.Price, b.DateTime, b.Extra))
	}
}

func (q1) finish() {}

// Q2Modulus selects q2's bids: those with auction % Q2Modulus == 0.
const Q2Modulus = 123

// q2 selects the bids of some auctions.
type q2 struct{ em *emitter }

func (q q2) add(e *Event) {
	if b := &e.Bid; e.Kind == KindBid && b.Auction%Q2Modulus == 0 {
		q.em.emit(AppendQ2(q.em.line(), b.Auction, b.Price))
	}
}

func (q2) finish() {}
