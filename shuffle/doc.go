// Package shuffle moves Arrow record batches between the stages of a job
// through NATS JetStream: the durable, blocking batch exchange.
//
// Each application has one stream (proto.ShuffleStream) with a subject per
// shuffle and partition. A Writer publishes a producer attempt's batches,
// each a self-contained Arrow IPC stream of about 256 KiB (cut into chunks
// when a single huge value makes it larger than the server's max
// payload), with a CRC-32C, a sequence number, the attempt ID and a
// Nats-Msg-Id in headers, then an end marker per partition.
//
// Flow control: publishing is asynchronous with a bounded window of
// unacknowledged messages (MaxPending, and MaxUnacked bytes), so a
// producer runs no further ahead of the server than that. Overload slows a
// producer and never fails it: a full window waits, and a publish that
// times out or meets a busy or restarting server is published again with
// backoff under the same message ID, which the stream's duplicate window
// (DuplicateWindow) stores once.
//
// A reader replays one partition after all its producers finished,
// keeping only the batches of the attempts the job master committed, each
// once by its attempt and sequence number, with a bounded read-ahead
// (MaxBuffered). A failed consumer re-reads the stream without any
// producer running again. Data the stream lost (a server crash before
// fsync, see docs/fault-tolerance.md) is detected: a gap in an attempt's
// sequence numbers, a missing end marker or a corrupt batch is a
// *MissingError naming the attempts, whose producers the job master runs
// again. The stream is deleted with the application.
//
//	map task (attempt a1) ──Writer──▶ spindle.shuffle.<app>.<shuffle>.<p> ──Read──▶ reduce task p
//	                                   (JetStream file storage, R1)     committed attempts, each batch once
//
// Files: writer.go and publish.go (the Writer and its retrying window),
// retryable.go (which publish errors are transient), reader.go, feed.go
// and partition.go (Read, its bounded consumer and the pure per-partition
// bookkeeping), errors.go, stream.go (subjects, headers, EnsureStream).
//
// It imports arrow, nats.go and proto; the SDK imports it.
package shuffle
