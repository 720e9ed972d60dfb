// Package executor is the task loop of an executor container: it asks its
// job master for a task, runs it through the job's RunFunc, reports the
// result with the next request, and exits when the job master says so.
//
// It knows nothing of operators: the SDK supplies RunFunc. It imports
// nats.go and proto.
package executor
