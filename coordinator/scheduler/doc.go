// Package scheduler is Spindle's container scheduler: a deterministic,
// pure state machine of nodes, hierarchical capacity queues,
// applications and their pending asks.
//
// Events go in as method calls (AddNode, RemoveNode, AddApp, RemoveApp,
// Request, Cancel, Release) and decisions come out as values from
// Schedule and Tick: Grants to launch, preemption Notices to tell job
// masters, Kills to carry out. It starts no goroutine, reads no clock
// (now is an argument) and does no I/O, so the coordinator's shell and
// the simulator (package sim) run exactly the same code. A Scheduler is
// not safe for concurrent use.
//
// The rules, in the order a round applies them (see README.md):
//
//   - queues: starting at the root, the child with demand and the lowest
//     used/guaranteed ratio is served first, down to a leaf; a queue never
//     goes past its maximum capacity (elastic borrowing up to it);
//   - applications: a leaf orders its applications FIFO (by submission)
//     or fair (least used first), skipping an application whose user is
//     at the queue's user limit or whose job master would pass the
//     queue's job-master share;
//   - placement: a placement.Stack (locality, then the cluster's or the
//     job's policy) picks a node in O(log n);
//   - gangs: an ask for N containers is granted all at once or not at
//     all; one that waited longer than GangPatience reserves the cluster
//     (nothing else is granted) until it fits;
//   - preemption (Tick): a leaf below its guarantee that could not place
//     an ask takes containers back from leaves above theirs, executors
//     youngest first, job masters only when the starved queue runs
//     nothing; a Notice first, the Kill after PreemptGrace; at most
//     PreemptFraction of the cluster per tick.
//
// It imports only the standard library, spindle/internal/proto and its
// sub-packages queues and placement.
package scheduler
