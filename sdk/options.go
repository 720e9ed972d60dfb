package sdk

import "time"

// Option tunes one step. Steps ignore options that do not apply to them.
type Option func(*options)

type options struct {
	partitions int           // keyed steps: reduce tasks (0: the cluster's vcores)
	splitSize  int64         // sources: bytes per split (0: chosen from input size)
	checkpoint time.Duration // sources: checkpoint interval (0: none)
}

// CheckpointEvery makes a source's tasks take a checkpoint about every d:
// an attempt that replaces a failed one resumes from the last checkpoint
// instead of from the start of the split. A checkpoint flushes the task's
// map-side combine into the shuffle, so very short intervals cost some
// combining. Only stages whose outputs are all shuffles checkpoint.
func CheckpointEvery(d time.Duration) Option { return func(o *options) { o.checkpoint = d } }

// Partitions sets how many partitions (reduce tasks, output parts) a keyed
// step has. The default is the cluster's total vcores, like Spark's
// default parallelism.
func Partitions(n int) Option { return func(o *options) { o.partitions = n } }

// SplitSize sets about how many bytes of input one source task reads. The
// default divides the input so that each vcore gets about two splits,
// between 1 MiB and 128 MiB each.
func SplitSize(n int64) Option { return func(o *options) { o.splitSize = n } }

func collect(opts []Option) options {
	var o options
	for _, f := range opts {
		f(&o)
	}
	return o
}
