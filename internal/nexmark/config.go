package nexmark

import (
	"errors"
	"fmt"
	"iter"
)

// ErrConfig reports a Config that cannot generate events, or one that the
// caller cannot use (Reference needs a bounded Config).
var ErrConfig = errors.New("nexmark: invalid config")

// Ids and categories start at these values, as in Beam, so that queries
// find matches even on small event sets.
const (
	FirstPersonID   = 1000
	FirstAuctionID  = 1000
	FirstCategoryID = 10
	NumCategories   = 5
)

// Average sizes, in bytes as measured by the Size methods, that the Extra
// padding of each kind aims at (Beam's avg*ByteSize defaults).
const (
	AvgPersonSize  = 200
	AvgAuctionSize = 500
	AvgBidSize     = 100
)

// Proportions of the kinds: of every proportionDenominator event ids, the
// first personProportion are people, the next auctionProportion auctions
// and the rest bids.
const (
	personProportion      = 1
	auctionProportion     = 3
	proportionDenominator = 50
)

// Generator parameters, Beam's NexmarkConfiguration defaults.
const (
	numActivePeople     = 1000 // people a random seller or bidder is chosen from
	numInFlightAuctions = 100  // auctions a random bid is for
	personIDLead        = 10   // random people may be up to this many ahead of the last one
	auctionIDLead       = 10   // random auctions may be up to this many ahead of the last one
	hotAuctionRatio     = 2    // a bid is for a hot auction with P = 1 - 1/2
	hotSellersRatio     = 4    // an auction is by a hot seller with P = 1 - 1/4
	hotBiddersRatio     = 4    // a bid is by a hot bidder with P = 1 - 1/4
	hotBatch            = 100  // the hot id is the first (bidder: second) of each batch of 100
)

// Config says which event stream to generate. It is a small value, safe to
// copy and to use from many goroutines.
type Config struct {
	// Seed selects the stream; equal Configs generate equal events.
	Seed uint64
	// Events is the number of events, [0, Events); 0 means unbounded.
	Events int64
	// EventsPerSecond is the event-time rate, not a wall-clock rate.
	EventsPerSecond int64
	// BaseTime is the time of event 0, in ms since the Unix epoch.
	BaseTime int64
	// FirstEventID is added to n to make the event id, which decides the
	// kind, the ids and the random seed of event n (Beam's firstEventId).
	FirstEventID int64
}

// DefaultConfig returns seed 0, an unbounded stream of 10,000 events per
// second of event time starting at 2026-01-01T00:00:00Z.
func DefaultConfig() Config {
	return Config{
		EventsPerSecond: 10_000,
		BaseTime:        1_767_225_600_000, // 2026-01-01T00:00:00Z
	}
}

// Validate returns nil if c can generate events, or an error wrapping
// ErrConfig that names the bad field.
func (c Config) Validate() error {
	switch {
	case c.Events < 0:
		return fmt.Errorf("%w: Events %d < 0", ErrConfig, c.Events)
	case c.EventsPerSecond <= 0:
		return fmt.Errorf("%w: EventsPerSecond %d <= 0", ErrConfig, c.EventsPerSecond)
	case c.FirstEventID < 0:
		return fmt.Errorf("%w: FirstEventID %d < 0", ErrConfig, c.FirstEventID)
	}
	return nil
}

// Time returns the event time of event n in ms: BaseTime plus n events at
// EventsPerSecond, computed in whole microseconds and then truncated to
// ms, so it never drifts and never overflows. It is non-decreasing in n.
func (c Config) Time(n int64) int64 {
	q, r := n/c.EventsPerSecond, n%c.EventsPerSecond
	return c.BaseTime + q*1000 + r*1_000_000/c.EventsPerSecond/1000
}

// Kind returns the kind of event n without generating it.
func (c Config) Kind(n int64) Kind {
	return kindOf(c.FirstEventID + n)
}

func kindOf(id int64) Kind {
	switch rem := id % proportionDenominator; {
	case rem < personProportion:
		return KindPerson
	case rem < personProportion+auctionProportion:
		return KindAuction
	default:
		return KindBid
	}
}

// Owned reports whether event n belongs to part index of parts (0 <= index
// < parts): the parts interleave, part i owning i, i+parts, i+2*parts, ...,
// so every n has exactly one owner and all parts advance through event
// time together.
func Owned(n int64, index, parts int) bool {
	return n%int64(parts) == int64(index)
}

// Split returns the event numbers part index of parts owns (see Owned), in
// increasing order, up to Events; forever when Events is 0, so the caller
// stops by breaking out of the loop.
func (c Config) Split(index, parts int) iter.Seq[int64] {
	return func(yield func(int64) bool) {
		for n := int64(index); c.Events == 0 || n < c.Events; n += int64(parts) {
			if !yield(n) {
				return
			}
		}
	}
}
