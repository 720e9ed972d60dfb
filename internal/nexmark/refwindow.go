package nexmark

import "math"

// Window lengths in ms: q5 hops windows of Q5Size every Q5Slide; q7 and q8
// tumble windows of TumbleSize. All are aligned to the Unix epoch, and a
// window [start, end) holds the events with start <= dateTime < end.
const (
	Q5Size     = 10_000
	Q5Slide    = 2_000
	TumbleSize = 10_000
)

// q5Buckets is how many slides make a q5 window.
const q5Buckets = Q5Size / Q5Slide

// floorDiv divides rounding toward minus infinity, so that windows are
// aligned for negative times too.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// q5 counts bids per auction in hopping windows and prints, per window,
// the auctions with the most. It counts per slide-long bucket, keeping the
// last q5Buckets in a ring; when event time enters bucket k, the window
// ending at k*Q5Slide is complete and is the sum of the ring.
type q5 struct {
	em      *emitter
	ring    [q5Buckets]map[int64]int64 // per auction counts, bucket b at b mod q5Buckets
	cur     int64                      // the newest bucket
	started bool
	sum     map[int64]int64 // scratch: counts of one window
}

func newQ5(em *emitter) query {
	q := &q5{em: em, sum: map[int64]int64{}}
	for i := range q.ring {
		q.ring[i] = map[int64]int64{}
	}
	return q
}

func (q *q5) slot(b int64) map[int64]int64 {
	return q.ring[(b%q5Buckets+q5Buckets)%q5Buckets]
}

func (q *q5) add(e *Event) {
	if e.Kind != KindBid {
		return
	}
	b := floorDiv(e.Bid.DateTime, Q5Slide)
	if !q.started {
		q.cur, q.started = b, true
	}
	for q.cur < b {
		if q.empty() {
			q.cur = b
			break
		}
		q.advance()
	}
	q.slot(b)[e.Bid.Auction]++
}

func (q *q5) empty() bool {
	for _, m := range q.ring {
		if len(m) > 0 {
			return false
		}
	}
	return true
}

// advance completes the window ending after the current bucket and moves
// on, dropping the bucket that leaves the ring.
func (q *q5) advance() {
	q.emitWindow((q.cur + 1) * Q5Slide)
	q.cur++
	clear(q.slot(q.cur))
}

func (q *q5) emitWindow(end int64) {
	for _, m := range q.ring {
		for a, n := range m {
			q.sum[a] += n
		}
	}
	top := int64(0)
	for _, n := range q.sum {
		top = max(top, n)
	}
	for a, n := range q.sum {
		if n == top {
			q.em.emit(AppendQ5(q.em.line(), end-Q5Size, end, a, n))
		}
	}
	clear(q.sum)
}

func (q *q5) finish() {
	for range q5Buckets {
		q.advance()
	}
}

// q7 prints, per tumbling window, the bids at the window's highest price.
type q7 struct {
	em      *emitter
	win     int64 // current window number
	started bool
	top     []Bid // the bids at the highest price so far
}

func (q *q7) add(e *Event) {
	if e.Kind != KindBid {
		return
	}
	b := &e.Bid
	if w := floorDiv(b.DateTime, TumbleSize); !q.started || w != q.win {
		q.finish()
		q.win, q.started = w, true
	}
	if len(q.top) > 0 && b.Price < q.top[0].Price {
		return
	}
	if len(q.top) > 0 && b.Price > q.top[0].Price {
		q.top = q.top[:0]
	}
	q.top = append(q.top, *b)
}

func (q *q7) finish() {
	start := q.win * TumbleSize
	for i := range q.top {
		b := &q.top[i]
		q.em.emit(AppendQ7(q.em.line(), start, start+TumbleSize,
			b.Auction, b.Bidder, b.Price, b.DateTime, b.Extra))
	}
	clear(q.top) // drop the strings
	q.top = q.top[:0]
}

// q8 prints the people who registered and created an auction in the same
// tumbling window.
type q8 struct {
	em      *emitter
	win     int64
	people  map[int64]string   // name by id, of the people of the window
	sellers map[int64]struct{} // the sellers of the window's auctions
}

func newQ8(em *emitter) query {
	return &q8{em: em, win: math.MinInt64, people: map[int64]string{}, sellers: map[int64]struct{}{}}
}

func (q *q8) add(e *Event) {
	if e.Kind == KindBid {
		return
	}
	if w := floorDiv(e.DateTime(), TumbleSize); w != q.win {
		q.finish()
		q.win = w
	}
	if e.Kind == KindPerson {
		q.people[e.Person.ID] = e.Person.Name
	} else {
		q.sellers[e.Auction.Seller] = struct{}{}
	}
}

func (q *q8) finish() {
	for s := range q.sellers {
		if name, ok := q.people[s]; ok {
			q.em.emit(AppendQ8(q.em.line(), s, name, q.win*TumbleSize))
		}
	}
	clear(q.people)
	clear(q.sellers)
}
