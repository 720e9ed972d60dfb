// Package worker is Spindle's node manager (YARN's NodeManager): it
// registers with the coordinator, heartbeats, and launches containers as
// OS processes of a job's binary, which it fetches from the JetStream
// object store and caches by hash. It keeps each container's stdout,
// stderr and spec under its data directory and serves them as logs.
//
// Layout of DataDir:
//
//	worker-id                          the worker's ID, created once
//	cache/<sha256>                     job binaries
//	containers/<app>/<container>/      spec.json, stdout, stderr
//
// It may import spindle/internal/proto, spindle/internal/rpc,
// spindle/internal/retry and the NATS client; nothing of the
// coordinator, sdk, dataflow or shuffle.
package worker
