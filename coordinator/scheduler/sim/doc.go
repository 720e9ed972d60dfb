// Package sim runs the real scheduler (package scheduler) against
// simulated nodes and applications in virtual time, as YARN's Scheduler
// Load Simulator does: no processes, no clock, no network.
//
// Each application asks for a job master; once it has one it asks for one
// executor per task; a task holds its executor for its duration, then
// gives it back; when every task is done the application ends. A
// preempted task is asked for again. Time jumps from event to event
// (arrivals, task ends, scheduler ticks), so a day of a 10,000-node
// cluster runs in seconds. The same Config and seed give the same Report
// apart from the wall-clock figures.
//
// It imports the scheduler packages and the standard library; the CLI
// (`spindle sim`) reads flags and files and prints the Report.
package sim
