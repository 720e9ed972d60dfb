// Package cluster is the coordinator's pure state machine: the node
// tracker and the application lifecycle; container placement is delegated
// to the pure scheduler of package coordinator/scheduler.
//
// A State takes events (a worker registers or heartbeats, a client submits
// or kills, a job master allocates or reports, a container exits, the
// clock ticks) and returns Effects describing what the caller must do:
// launch or stop containers, publish container events, persist records,
// delete streams. It starts no goroutine, reads no clock and does no I/O;
// time is an argument. A State is not safe for concurrent use: one shell
// goroutine owns it (see package coordinator).
//
// It may import only the standard library, spindle/internal/proto and
// spindle/coordinator/scheduler (with its sub-packages).
package cluster
