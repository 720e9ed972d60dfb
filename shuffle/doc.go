// Package shuffle moves Arrow record batches between the stages of a job
// through NATS JetStream: the durable, blocking batch exchange.
//
// Each application has one stream (proto.ShuffleStream) with a subject per
// shuffle and partition. A Writer publishes a producer attempt's batches,
// each a self-contained Arrow IPC stream of about 256 KiB (cut into chunks
// when a single huge value makes it larger than the server's max
// payload), with a CRC-32C, a sequence number and the attempt ID in
// headers, then an end marker per partition. Publishing is asynchronous with a bounded number of
// unacknowledged messages, so a producer runs no further ahead of the
// server than that window: that is the flow control, and nothing is
// dropped, because JetStream stores every batch on disk before acking it.
//
// A Reader replays one partition after all its producers finished,
// keeping only the batches of the attempts the job master committed; a
// failed consumer re-reads the stream without any producer running
// again. The stream is deleted with the application.
//
//	map task (attempt a1) ──Writer──▶ spindle.shuffle.<app>.<shuffle>.<p> ──Reader──▶ reduce task p
//	                                   (JetStream file storage)        keeps committed attempts only
//
// It imports arrow, nats.go and proto; the SDK imports it.
package shuffle
