// Package jobmaster runs one job: the ApplicationMaster of a Spindle
// application. It runs in the job's first container, in the job binary.
//
// State is the pure core: it knows the plan's stages and tasks, hands a
// runnable task to an executor that asks, records results and progress,
// retries failed attempts, and decides which attempt of each task is
// committed. It does no I/O and reads no clock. Run is the shell: it asks
// the coordinator for executors, answers their requests over NATS, renames
// committed output files, writes _SUCCESS, and reports to the coordinator.
//
//	executor ──NextRequest{result}──▶ Run ──▶ State.Complete / State.Assign
//	         ◀──NextReply{task|exit}──     ◀── commit: rename staged files
//
// It imports dataflow, shuffle (to create the application's stream) and
// proto; the SDK imports it.
package jobmaster
