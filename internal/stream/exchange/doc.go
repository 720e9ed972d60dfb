// Package exchange is the pipelined edge between running streaming
// tasks: frames (Arrow batches, watermarks, barriers, end of stream) over
// core NATS with credit-based flow control.
//
//	producer i ── Subject.d.<j> ──▶ consumer j   (frames, seq 1, 2, …)
//	producer i ◀── Subject.c.<i> ── consumer j   ("send up to seq N")
//
// A channel is one producer–consumer pair. The consumer grants credit
// cumulatively, like a TCP window: the producer may send frame seq only
// while seq ≤ the limit it last heard, so at most Window frames of a
// channel are in flight or queued, and a slow consumer back-pressures
// its producers instead of NATS dropping messages. Limits grow as Next
// delivers frames and are re-announced periodically, so a lost grant or a
// producer that starts late still learns them. Each channel's frames are
// numbered: a gap (a message lost, as after a reconnect) is ErrGap, and
// the job restarts from its last checkpoint.
package exchange
