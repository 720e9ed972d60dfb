// Command nexmark runs a Nexmark query as a streaming job over the Nexmark
// auction generator (internal/nexmark: people, auctions and bids, 1:3:46,
// the Beam/Flink rules, seeded per event):
//
//	spindle run ./jobs/nexmark -- --query q5 --events 10000000
//
// With --events N the generator is bounded: the job ends when the N
// events are processed and every window closed, and the output equals
// what nexmark.Reference computes from the same events (compare the
// sorted lines). With --events 0 it runs until killed; --rate limits the
// generator to that many events per second (wall clock).
//
// Queries (the output line of each is in internal/nexmark/README.md):
//
//	q0  every bid (pass-through)
//	q1  every bid, price in euros
//	q2  bids on auctions whose id is a multiple of 123
//	q3  category-10 auctions joined to their sellers in OR, ID and CA
//	q4  average winning price per category
//	q5  hot items: per 10 s window sliding every 2 s, the auctions with the most bids
//	q7  highest bid: per 10 s tumbling window, the bids at the highest price
//	q8  new users: people who registered and opened an auction in the same 10 s window
//
// Event time is the events' dateTime; the watermark trails the latest
// event time by 4 s, as in the Nexmark benchmark.
package main

import (
	"flag"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"time"

	"spindle/internal/nexmark"
	"spindle/sdk"
)

var (
	query  = flag.String("query", "q5", "query to run: "+fmt.Sprint(nexmark.Queries))
	events = flag.Int64("events", 1_000_000, "events to generate (0: no end)")
	rate   = flag.Float64("rate", 0, "events per second, all subtasks together (0: as fast as the job takes them)")
	seed   = flag.Uint64("seed", 0, "generator seed (equal seeds, equal events)")
	evRate = flag.Int64("event-rate", 10_000, "event-time rate: generated events per second of event time")
	output = flag.String("output", "", "directory for part files and _SUCCESS; must not exist (default out/nexmark/QUERY)")
	par    = flag.Int("parallelism", 0, "subtasks per step (default: half the cluster's vcores)")
	every  = flag.Duration("checkpoint-every", 2*time.Second, "checkpoint interval")
)

// outOfOrder is how far the watermark trails the latest event time.
const outOfOrder = 4 * time.Second

func main() {
	sdk.Main(func(p *sdk.Pipeline) error {
		build, ok := queries[*query]
		if !ok {
			return sdk.Usagef("--query %q: want one of %v", *query, nexmark.Queries)
		}
		switch {
		case *events < 0:
			return sdk.Usagef("--events %d is negative (0 means no end)", *events)
		case *evRate <= 0:
			return sdk.Usagef("--event-rate %d: want a positive number of events per second of event time", *evRate)
		case *par < 0:
			return sdk.Usagef("--parallelism %d is negative (0 means the default)", *par)
		case *every <= 0:
			return sdk.Usagef("--checkpoint-every %v: want a positive interval", *every)
		}
		cfg := nexmark.DefaultConfig()
		cfg.Seed, cfg.Events, cfg.EventsPerSecond = *seed, *events, *evRate
		if err := cfg.Validate(); err != nil {
			return sdk.Usagef("%v", err)
		}
		if *rate < 0 {
			return sdk.Usagef("--rate %v is negative", *rate)
		}
		out := *output
		if out == "" {
			out = filepath.Join("out", "nexmark", *query)
		}
		p.Stream(sdk.StreamConfig{Parallelism: *par, CheckpointEvery: *every})
		src := sdk.Generate(p, "events", sdk.Generator[nexmark.Event]{
			Events:     cfg.Events,
			Rate:       *rate,
			Event:      cfg.Event,
			Time:       (*nexmark.Event).DateTime,
			OutOfOrder: outOfOrder,
		})
		sdk.WriteText(p, "write", build(p, src), out)
		return nil
	})
}

// queries builds each query's steps from the event stream to its lines.
var queries = map[string]func(p *sdk.Pipeline, src sdk.Dataset[nexmark.Event]) sdk.Dataset[string]{
	"q0": q0, "q1": q1, "q2": q2, "q3": q3, "q4": q4, "q5": q5, "q7": q7, "q8": q8,
}

func bids(p *sdk.Pipeline, src sdk.Dataset[nexmark.Event]) sdk.Dataset[nexmark.Event] {
	return sdk.Filter(p, "bids", src, func(e nexmark.Event) bool { return e.Kind == nexmark.KindBid })
}

// q0 passes every bid through (the benchmark's measure of the framework's
// own cost).
func q0(p *sdk.Pipeline, src sdk.Dataset[nexmark.Event]) sdk.Dataset[string] {
	return sdk.Map(p, "format", bids(p, src), func(e nexmark.Event) string {
		b := &e.Bid
		return nexmark.FormatQ0(b.Auction, b.Bidder, b.Price, b.DateTime, b.Extra)
	})
}

// q1 converts every bid's price to euros.
func q1(p *sdk.Pipeline, src sdk.Dataset[nexmark.Event]) sdk.Dataset[string] {
	return sdk.Map(p, "euros", bids(p, src), func(e nexmark.Event) string {
		b := &e.Bid
		return nexmark.FormatQ1(b.Auction, b.Bidder, b.Price, b.DateTime, b.Extra)
	})
}

// q2 selects the bids on a few auctions.
func q2(p *sdk.Pipeline, src sdk.Dataset[nexmark.Event]) sdk.Dataset[string] {
	sel := sdk.Filter(p, "select", bids(p, src), func(e nexmark.Event) bool { return e.Bid.Auction%nexmark.Q2Modulus == 0 })
	return sdk.Map(p, "format", sel, func(e nexmark.Event) string { return nexmark.FormatQ2(e.Bid.Auction, e.Bid.Price) })
}

// AuctionCount is one auction's bid count in one window.
type AuctionCount struct {
	Auction, Count int64
}

// Hottest is the auctions with the most bids of a window, ties all.
type Hottest struct {
	Count    int64
	Auctions []int64
}

func (h Hottest) with(auction, count int64) Hottest {
	switch {
	case count > h.Count:
		return Hottest{Count: count, Auctions: []int64{auction}}
	case count == h.Count:
		h.Auctions = append(h.Auctions, auction)
	}
	return h
}

// q5 counts each auction's bids per sliding window, then keeps, per
// window, the auctions with the most. The counts of a window come out of
// the first step with the window's last millisecond as event time, so
// the second step groups them by the window they came from with tumbling
// windows of the slide.
func q5(p *sdk.Pipeline, src sdk.Dataset[nexmark.Event]) sdk.Dataset[string] {
	perAuction := sdk.Map(p, "by-auction", bids(p, src), func(e nexmark.Event) sdk.KV[int64, int64] {
		return sdk.KV[int64, int64]{Key: e.Bid.Auction, Value: 1}
	})
	counts := sdk.WindowAggregate(p, "count", perAuction,
		sdk.Sliding(nexmark.Q5Size*time.Millisecond, nexmark.Q5Slide*time.Millisecond), sdk.Counting[int64]())
	byWindow := sdk.Map(p, "by-window", counts, func(w sdk.Windowed[int64, int64]) sdk.KV[int64, AuctionCount] {
		return sdk.KV[int64, AuctionCount]{Key: w.End, Value: AuctionCount{w.Key, w.Value}}
	})
	hottest := sdk.WindowAggregate(p, "hottest", byWindow, sdk.Tumbling(nexmark.Q5Slide*time.Millisecond),
		sdk.Aggregator[AuctionCount, Hottest, Hottest]{
			Init:   func() Hottest { return Hottest{} },
			Add:    func(h Hottest, c AuctionCount) Hottest { return h.with(c.Auction, c.Count) },
			Result: func(h Hottest) Hottest { return h },
		})
	return sdk.FlatMap(p, "format", hottest, func(w sdk.Windowed[int64, Hottest], emit func(string)) {
		end := w.Key
		for _, a := range w.Value.Auctions {
			emit(nexmark.FormatQ5(end-nexmark.Q5Size, end, a, w.Value.Count))
		}
	})
}

// TopBid is the fields of a bid q7 prints.
type TopBid struct {
	Auction, Bidder, Price, DateTime int64
	Extra                            string
}

// TopBids is the bids at the highest price seen, ties all. Strings kept in
// state are copied out of the batch they were decoded from (strings.Clone),
// so that the state does not keep whole batches alive.
type TopBids struct {
	Price int64
	Bids  []TopBid
}

func (t TopBids) with(b TopBid) TopBids {
	switch {
	case len(t.Bids) == 0 || b.Price > t.Price:
		b.Extra = strings.Clone(b.Extra)
		return TopBids{Price: b.Price, Bids: []TopBid{b}}
	case b.Price == t.Price:
		b.Extra = strings.Clone(b.Extra)
		t.Bids = append(t.Bids, b)
	}
	return t
}

// q7Spread is how many keys q7's first step spreads a window's bids over,
// so that the per-window maximum is computed in parallel first.
const q7Spread = 256

// q7 finds, per tumbling window, the bids at the highest price: a partial
// maximum per window over q7Spread groups of auctions, in parallel, then
// the window's maximum of the partial ones.
func q7(p *sdk.Pipeline, src sdk.Dataset[nexmark.Event]) sdk.Dataset[string] {
	win := sdk.Tumbling(nexmark.TumbleSize * time.Millisecond)
	spread := sdk.Map(p, "spread", bids(p, src), func(e nexmark.Event) sdk.KV[int64, TopBid] {
		b := &e.Bid
		return sdk.KV[int64, TopBid]{Key: b.Auction % q7Spread, Value: TopBid{b.Auction, b.Bidder, b.Price, b.DateTime, b.Extra}}
	})
	partial := sdk.WindowAggregate(p, "partial-max", spread, win, sdk.Aggregator[TopBid, TopBids, TopBids]{
		Init:   func() TopBids { return TopBids{} },
		Add:    TopBids.with,
		Result: func(t TopBids) TopBids { return t },
	})
	byWindow := sdk.FlatMap(p, "by-window", partial, func(w sdk.Windowed[int64, TopBids], emit func(sdk.KV[int64, TopBid])) {
		for _, b := range w.Value.Bids {
			emit(sdk.KV[int64, TopBid]{Key: w.Start, Value: b})
		}
	})
	top := sdk.WindowAggregate(p, "max", byWindow, win, sdk.Aggregator[TopBid, TopBids, TopBids]{
		Init:   func() TopBids { return TopBids{} },
		Add:    TopBids.with,
		Result: func(t TopBids) TopBids { return t },
	})
	return sdk.FlatMap(p, "format", top, func(w sdk.Windowed[int64, TopBids], emit func(string)) {
		start := w.Key
		for _, b := range w.Value.Bids {
			emit(nexmark.FormatQ7(start, start+nexmark.TumbleSize, b.Auction, b.Bidder, b.Price, b.DateTime, b.Extra))
		}
	})
}

// NewUser is what q8 keeps of a person or an auction, by person id.
type NewUser struct {
	Name                string // the person's, if this is one
	Registered, Selling bool
}

// q8 keys people by id and auctions by seller, and keeps, per tumbling
// window, the ids that have both.
func q8(p *sdk.Pipeline, src sdk.Dataset[nexmark.Event]) sdk.Dataset[string] {
	users := sdk.FlatMap(p, "users", src, func(e nexmark.Event, emit func(sdk.KV[int64, NewUser])) {
		switch e.Kind {
		case nexmark.KindPerson:
			emit(sdk.KV[int64, NewUser]{Key: e.Person.ID, Value: NewUser{Name: e.Person.Name, Registered: true}})
		case nexmark.KindAuction:
			emit(sdk.KV[int64, NewUser]{Key: e.Auction.Seller, Value: NewUser{Selling: true}})
		}
	})
	joined := sdk.WindowAggregate(p, "join", users, sdk.Tumbling(nexmark.TumbleSize*time.Millisecond),
		sdk.Aggregator[NewUser, NewUser, NewUser]{
			Init: func() NewUser { return NewUser{} },
			Add: func(a, u NewUser) NewUser {
				if u.Registered {
					a.Name, a.Registered = strings.Clone(u.Name), true
				}
				a.Selling = a.Selling || u.Selling
				return a
			},
			Result: func(a NewUser) NewUser { return a },
		})
	both := sdk.Filter(p, "both", joined, func(w sdk.Windowed[int64, NewUser]) bool { return w.Value.Registered && w.Value.Selling })
	return sdk.Map(p, "format", both, func(w sdk.Windowed[int64, NewUser]) string {
		return nexmark.FormatQ8(w.Key, w.Value.Name, w.Start)
	})
}

// Q3Input is a person or a category-10 auction, keyed by person id.
type Q3Input struct {
	Person            bool
	Name, City, State string // a person's
	Auction           int64  // an auction's id
}

// Q3Seller is what q3 keeps of a person: selected, if of a q3 state.
type Q3Seller struct {
	Selected          bool
	Name, City, State string
}

// q3 joins category-10 auctions to their sellers in the selected states:
// an unwindowed join keyed by person id, in which an auction that comes
// before its seller waits for it in list state.
func q3(p *sdk.Pipeline, src sdk.Dataset[nexmark.Event]) sdk.Dataset[string] {
	in := sdk.FlatMap(p, "people-and-auctions", src, func(e nexmark.Event, emit func(sdk.KV[int64, Q3Input])) {
		switch {
		case e.Kind == nexmark.KindPerson:
			pe := &e.Person
			emit(sdk.KV[int64, Q3Input]{Key: pe.ID, Value: Q3Input{Person: true, Name: pe.Name, City: pe.City, State: pe.State}})
		case e.Kind == nexmark.KindAuction && e.Auction.Category == nexmark.Q3Category:
			emit(sdk.KV[int64, Q3Input]{Key: e.Auction.Seller, Value: Q3Input{Auction: e.Auction.ID}})
		}
	})
	return sdk.KeyedProcess(p, "join", in, func(s *sdk.KeyedState[int64]) sdk.Process[int64, Q3Input, string] {
		sellers := sdk.ValueStateOf[Q3Seller](s, "seller")
		waiting := sdk.ListStateOf[int64](s, "waiting-auctions")
		return sdk.Process[int64, Q3Input, string]{
			Record: func(ctx *sdk.ProcessContext[int64, string], in Q3Input) {
				if in.Person {
					se := Q3Seller{Selected: nexmark.Q3State(in.State)}
					if se.Selected {
						se.Name, se.City, se.State = strings.Clone(in.Name), strings.Clone(in.City), strings.Clone(in.State)
						for _, a := range waiting.Get() {
							ctx.Emit(nexmark.FormatQ3(se.Name, se.City, se.State, a))
						}
					}
					waiting.Clear()
					sellers.Update(se)
					return
				}
				se, known := sellers.Value()
				switch {
				case !known:
					waiting.Add(in.Auction)
				case se.Selected:
					ctx.Emit(nexmark.FormatQ3(se.Name, se.City, se.State, in.Auction))
				}
			},
		}
	})
}

// Q4Input is an auction or a bid, keyed by auction id.
type Q4Input struct {
	IsAuction                       bool
	Start, Expires, Category, Price int64 // an auction's; a bid's price
	Time                            int64 // a bid's
}

// Q4Auction is what q4 keeps of an auction until it closes.
type Q4Auction struct {
	Known, Closed            bool
	Start, Expires, Category int64
	Won                      bool
	Final                    int64
}

// Q4EarlyBid is a bid that came before its auction.
type Q4EarlyBid struct{ Time, Price int64 }

// Q4Average is a category's running average.
type Q4Average struct{ Sum, Count int64 }

// q4 finds each auction's winning price (its highest bid within its
// lifetime, kept per auction until an event-time timer at its expiry
// closes it) and averages them per category. The averages print when the
// input ends, so with --events 0 q4 prints nothing.
func q4(p *sdk.Pipeline, src sdk.Dataset[nexmark.Event]) sdk.Dataset[string] {
	in := sdk.FlatMap(p, "auctions-and-bids", src, func(e nexmark.Event, emit func(sdk.KV[int64, Q4Input])) {
		switch e.Kind {
		case nexmark.KindAuction:
			a := &e.Auction
			emit(sdk.KV[int64, Q4Input]{Key: a.ID, Value: Q4Input{IsAuction: true, Start: a.DateTime, Expires: a.Expires, Category: a.Category}})
		case nexmark.KindBid:
			emit(sdk.KV[int64, Q4Input]{Key: e.Bid.Auction, Value: Q4Input{Price: e.Bid.Price, Time: e.Bid.DateTime}})
		}
	})
	closing := sdk.KeyedProcess(p, "winning-bid", in, func(s *sdk.KeyedState[int64]) sdk.Process[int64, Q4Input, sdk.KV[int64, int64]] {
		auctions := sdk.ValueStateOf[Q4Auction](s, "auction")
		early := sdk.ListStateOf[Q4EarlyBid](s, "early-bids")
		return sdk.Process[int64, Q4Input, sdk.KV[int64, int64]]{
			Record: func(ctx *sdk.ProcessContext[int64, sdk.KV[int64, int64]], in Q4Input) {
				a, _ := auctions.Value()
				switch {
				case a.Closed:
					return // a bid after the auction's expiry
				case in.IsAuction:
					a = Q4Auction{Known: true, Start: in.Start, Expires: in.Expires, Category: in.Category}
					for _, b := range early.Get() {
						a = a.bid(b.Time, b.Price)
					}
					early.Clear()
					ctx.EventTimer(a.Expires)
				case !a.Known:
					early.Add(Q4EarlyBid{in.Time, in.Price})
					return
				default:
					a = a.bid(in.Time, in.Price)
				}
				auctions.Update(a)
			},
			Timer: func(ctx *sdk.ProcessContext[int64, sdk.KV[int64, int64]], _ sdk.Timer) {
				a, _ := auctions.Value()
				if a.Won {
					ctx.Emit(sdk.KV[int64, int64]{Key: a.Category, Value: a.Final})
				}
				// A tombstone, so that later bids do not wait for it.
				auctions.Update(Q4Auction{Known: true, Closed: true})
			},
		}
	})
	return sdk.KeyedProcess(p, "average", closing, func(s *sdk.KeyedState[int64]) sdk.Process[int64, int64, string] {
		avgs := sdk.ValueStateOf[Q4Average](s, "average")
		return sdk.Process[int64, int64, string]{
			Record: func(ctx *sdk.ProcessContext[int64, string], price int64) {
				a, _ := avgs.Value()
				a.Sum += price
				a.Count++
				avgs.Update(a)
				ctx.EventTimer(math.MaxInt64) // the end of the input
			},
			Timer: func(ctx *sdk.ProcessContext[int64, string], _ sdk.Timer) {
				a, _ := avgs.Value()
				ctx.Emit(nexmark.FormatQ4(ctx.Key(), a.Sum/a.Count))
			},
		}
	})
}

// bid counts a bid at time t for price if the auction was open then.
func (a Q4Auction) bid(t, price int64) Q4Auction {
	if t >= a.Start && t <= a.Expires && (!a.Won || price > a.Final) {
		a.Won, a.Final = true, price
	}
	return a
}
