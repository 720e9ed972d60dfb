// Package coordinator is Spindle's resource manager (YARN's
// ResourceManager): it embeds or joins a NATS server, serves the
// coordinator subjects of package proto, and keeps the cluster's state in
// JetStream KV.
//
// The decisions live in the pure state machine of package
// coordinator/cluster; this package is its shell. One goroutine (the
// loop) owns the cluster.State: NATS handlers and the HTTP API hand it
// closures through a bounded channel, and after each step it applies the
// returned Effects (launch and stop requests to workers, container events
// to job masters, KV writes, stream deletions). Requests to workers run in
// goroutines that the shell waits for before Run returns.
//
// It may import spindle/internal/proto, spindle/coordinator/cluster,
// spindle/coordinator/scheduler/..., the NATS client and server, and the
// Prometheus client; nothing of sdk, dataflow, shuffle or worker.
package coordinator
