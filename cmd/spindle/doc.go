// Command spindle is Spindle's command line: it runs a coordinator or a
// worker, a whole local cluster (up) or a throwaway one for one job
// (run), submits jobs to a cluster and queries it.
//
//	spindle run [--workers N] PACKAGE|BINARY [-- JOB-ARGS...]
//	spindle up [--workers N] [--data-dir DIR] [--nats-cluster 1|3]
//	spindle coordinator [--data-dir DIR] [--nats-url URL] [--listen ADDR] [--http ADDR]
//	spindle worker --coordinator URL [--vcores N] [--memory SIZE] [--data-dir DIR]
//	spindle submit --coordinator URL [--queue Q] [--name NAME] [--detach] PACKAGE|BINARY [-- JOB-ARGS...]
//	spindle apps | status APP | kill APP | logs APP | nodes | coordinators   [--coordinator URL] [--json]
//	spindle savepoint APP | kill --savepoint APP                 (streaming jobs)
//	spindle submit|run --from-savepoint APP/ID ...
//
// --coordinator defaults to $SPINDLE_COORDINATOR, then nats://127.0.0.1:4222;
// a comma-separated list names the coordinators of an HA cluster.
//
// "up --nats-cluster 3" runs three HA coordinators as child processes on a
// three-node NATS cluster (JetStream R3, fsync on every write) instead of
// one coordinator in process; "spindle up --help" describes it and the
// same layout on three machines for production.
//
// Exit codes: 0 success; 1 the job failed or was killed; 2 a usage or
// input error, or anything that kept the job from being submitted, with
// one line "spindle: <reason>" on stderr.
//
// PACKAGE|BINARY is an existing file (a job binary), else a Go package
// that is built with "go build" in the current directory. Before it is
// submitted, the binary is run once with SPINDLE_ROLE=describe and the job
// arguments, which rejects files that are not Spindle jobs and bad job
// arguments early.
//
// This package is the top of the dependency graph: it imports
// coordinator, worker, internal/client, internal/size and proto, and
// nothing imports it.
package main
