// Package evtime is the pure logic of event time: watermark generation
// and merging, window assignment, lateness, and barrier alignment. It
// does no I/O and reads no clock; times are int64 milliseconds since the
// Unix epoch. The semantics follow Flink's, as each doc comment says.
package evtime
