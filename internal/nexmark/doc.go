// Package nexmark owns Spindle's Nexmark benchmark workload: a
// deterministic generator of the Person, Auction and Bid event stream, the
// output line format of the queries q0, q1, q2, q3, q4, q5, q7 and q8, and a
// plain single-goroutine reference implementation of those queries that
// serves as the oracle for the streaming job and as the "plain Go"
// baseline of the throughput benchmark.
//
// # Generator
//
// Event n (0-based) is a pure function of the Config and n: Config.Event
// seeds a PCG from (Config.Seed, event id) and draws every random value of
// the event from it, so any subset of events can be generated
// independently, in any order, by any number of goroutines or processes,
// and always comes out the same. The event id is Config.FirstEventID + n;
// it decides the kind (of every 50 ids, the first is a person, the next 3
// auctions, the other 46 bids), the ids of new people and auctions, and the
// people and auctions a bid or auction may refer to, all as Beam's Nexmark
// generator does. The event time is Config.Time(n): a fixed event-time rate
// from Config.BaseTime, independent of the wall clock.
//
// A parallel source splits the events by Owned: part i of p generates
// n = i, i+p, i+2p, ..., so all parts advance through event time together.
//
// # Queries
//
// Reference and ReferenceBytes evaluate a query over the complete bounded
// event set [0, Config.Events) with Flink Nexmark SQL semantics (event time
// in milliseconds, windows aligned to the epoch). The Append* and Format*
// functions are the single definition of each query's output line; the
// streaming job uses the same functions, so its sorted output must equal
// the reference's sorted output byte for byte. README.md lists the line
// formats and where this package deviates from Beam and Flink.
//
// # Dependencies
//
// nexmark is a leaf: it imports the standard library only. It does no I/O
// and starts no goroutines.
package nexmark
