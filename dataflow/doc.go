// Package dataflow owns the logical graph of a job and the planner that
// turns it into stages.
//
// A Graph is what the SDK builds: nodes for sources, narrow operators
// (map, flat map, filter), shuffles (combine or group by key) and sinks,
// each naming its inputs. Build fuses every narrow operator into the stage
// of its input and cuts a new stage at each shuffle, giving a Plan: stages
// in dependency order, each rooted at a source or a shuffle, with the
// shuffles it writes and the sinks it feeds. Every process of a job builds
// the same graph by running the same main, so the plan is never shipped:
// its Fingerprint is, and a mismatch is an error.
//
// The package is pure: no I/O, no goroutines. It imports only proto and
// the standard library; the SDK and the job master import it.
package dataflow
