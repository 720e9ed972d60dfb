// Package checkpoint keeps task checkpoints: a task's progress through its
// split and the shuffle batches it has published up to there, so that an
// attempt that replaces a failed one resumes instead of starting over.
//
// A Store writes each checkpoint to a local Badger database (the task's
// state backend on its worker) and copies it to the JetStream object store
// (durable cluster storage), which is where a replacement attempt on
// another worker finds it. The partial state of a map-side combine is not
// serialized: a checkpoint first flushes it into the shuffle, where it is
// durable, and records how many batches that made.
//
// It imports badger, nats.go and proto; the SDK imports it.
package checkpoint
