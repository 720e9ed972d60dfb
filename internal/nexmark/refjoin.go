package nexmark

// Q3Category is the auction category q3 selects.
const Q3Category = 10

// Q3State reports whether q3 selects sellers of state s.
func Q3State(s string) bool { return s == "OR" || s == "ID" || s == "CA" }

// q3 joins category Q3Category auctions to their sellers of the selected
// states: an unwindowed inner join, so each auction matches its seller
// once whichever comes first. People arrive in increasing id order, so a
// seller id above the last person seen has not arrived yet and its
// auctions wait for it.
type q3 struct {
	em         *emitter
	sellers    map[int64]seller  // selected people by id
	lastPerson int64             // highest person id seen
	waiting    map[int64][]int64 // auction ids by a seller id not seen yet
}

type seller struct{ name, city, state string }

func newQ3(em *emitter) query {
	return &q3{em: em, sellers: map[int64]seller{}, lastPerson: -1, waiting: map[int64][]int64{}}
}

func (q *q3) add(e *Event) {
	switch {
	case e.Kind == KindPerson:
		q.person(&e.Person)
	case e.Kind == KindAuction && e.Auction.Category == Q3Category:
		q.auction(&e.Auction)
	}
}

func (q *q3) person(p *Person) {
	q.lastPerson = max(q.lastPerson, p.ID)
	auctions, waited := q.waiting[p.ID]
	if waited {
		delete(q.waiting, p.ID)
	}
	if !Q3State(p.State) {
		return
	}
	s := seller{p.Name, p.City, p.State}
	q.sellers[p.ID] = s
	for _, a := range auctions {
		q.emit(s, a)
	}
}

func (q *q3) auction(a *Auction) {
	if a.Seller > q.lastPerson {
		q.waiting[a.Seller] = append(q.waiting[a.Seller], a.ID)
	} else if s, ok := q.sellers[a.Seller]; ok {
		q.emit(s, a.ID)
	}
}

func (q *q3) emit(s seller, auction int64) {
	q.em.emit(AppendQ3(q.em.line(), s.name, s.city, s.state, auction))
}

func (q *q3) finish() {}

// q4SweepEvery is how many events q4 lets pass between sweeps of closed
// auctions.
const q4SweepEvery = 1024

// q4 averages, per category, the closing price of the auctions: the
// highest bid within [dateTime, expires], auctions without one left out.
// An auction closes once event time passes its expiry; the final sweep
// closes the rest. A bid may come before its auction (Beam's id lead);
// the auction's time is then at least the bid's, so only the early bids
// at the latest time can count, and q4 keeps just their highest price.
type q4 struct {
	em          *emitter
	open        map[int64]openAuction
	early       map[int64]earlyBid // by auction id above lastAuction
	lastAuction int64              // highest auction id seen
	categories  map[int64]average
	events      int
}

type openAuction struct {
	start, expires, category int64
	final                    int64 // highest price so far, if won
	won                      bool
}

type earlyBid struct{ time, price int64 }

type average struct{ sum, count int64 }

func newQ4(em *emitter) query {
	return &q4{em: em, open: map[int64]openAuction{}, early: map[int64]earlyBid{},
		lastAuction: -1, categories: map[int64]average{}}
}

func (q *q4) add(e *Event) {
	switch e.Kind {
	case KindAuction:
		q.auction(&e.Auction)
	case KindBid:
		q.bid(&e.Bid)
	}
	if q.events++; q.events%q4SweepEvery == 0 {
		q.sweep(e.DateTime())
	}
}

func (q *q4) auction(a *Auction) {
	q.lastAuction = max(q.lastAuction, a.ID)
	o := openAuction{start: a.DateTime, expires: a.Expires, category: a.Category}
	if b, ok := q.early[a.ID]; ok {
		delete(q.early, a.ID)
		if b.time >= a.DateTime && b.time <= a.Expires {
			o.final, o.won = b.price, true
		}
	}
	q.open[a.ID] = o
}

func (q *q4) bid(b *Bid) {
	if b.Auction > q.lastAuction {
		eb, ok := q.early[b.Auction]
		if !ok || b.DateTime > eb.time || b.Price > eb.price {
			q.early[b.Auction] = earlyBid{b.DateTime, b.Price}
		}
		return
	}
	o, ok := q.open[b.Auction]
	if !ok || b.DateTime < o.start || b.DateTime > o.expires || o.won && b.Price <= o.final {
		return
	}
	o.final, o.won = b.Price, true
	q.open[b.Auction] = o
}

// sweep closes the auctions that expired before now: no later bid can
// count for them.
func (q *q4) sweep(now int64) {
	for id, o := range q.open {
		if o.expires < now {
			q.close(o)
			delete(q.open, id)
		}
	}
}

func (q *q4) close(o openAuction) {
	if o.won {
		avg := q.categories[o.category]
		avg.sum += o.final
		avg.count++
		q.categories[o.category] = avg
	}
}

func (q *q4) finish() {
	for _, o := range q.open {
		q.close(o)
	}
	clear(q.open)
	for c, avg := range q.categories {
		q.em.emit(AppendQ4(q.em.line(), c, avg.sum/avg.count))
	}
}
