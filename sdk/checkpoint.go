package sdk

import (
	"time"

	"spindle/internal/checkpoint"
	"spindle/internal/proto"
)

// checkpointer takes a source task's checkpoints: every so often, at a
// line boundary, it flushes the stage's shuffle writers (the partial
// aggregates of a map-side combine become durable shuffle batches) and
// records the split offset and how many batches each partition has.
type checkpointer struct {
	store     *checkpoint.Store
	every     time.Duration
	last      time.Time
	start     int64          // file offset of the split's start
	inherited []proto.Prefix // batches of earlier attempts this one took over
	lines     int
}

// checkpointSource is a source that can resume mid-split.
type checkpointSource interface {
	checkpointEvery() time.Duration
}

// restore sets up checkpoints for a source task and, if an earlier attempt
// of it left one (and the task is not to start afresh), returns the rest
// of the split to read. Checkpoints need
// every output of the stage to be a shuffle: a sink's file would have to
// be resumed too.
func (tc *taskCtx) restore(src sourceOp, split proto.Split) (proto.Split, error) {
	cs, ok := src.(checkpointSource)
	if !ok || cs.checkpointEvery() <= 0 || tc.sinks > 0 || tc.env.Checkpoints == nil {
		return split, nil
	}
	tc.ckpt = &checkpointer{store: tc.env.Checkpoints, every: cs.checkpointEvery(), last: time.Now(), start: split.Start}
	if tc.spec.Fresh { // the task's earlier output was lost: its checkpoint would take it over again
		return split, nil
	}
	rec, found, err := tc.env.Checkpoints.Load(tc.ctx, tc.spec.Stage, tc.spec.Index)
	if err != nil || !found {
		return split, err
	}
	tc.ckpt.inherited = rec.Prefixes
	tc.count("restored_offset", rec.Offset)
	tc.env.Logger.Info("restored checkpoint", "attempt", tc.spec.AttemptID, "from", rec.Attempt, "offset", rec.Offset)
	split.Start += rec.Offset
	split.Length -= rec.Offset
	return split, nil
}

// line is called after each line a source emitted, with the file offset
// where the next line starts; it takes a checkpoint when one is due.
func (tc *taskCtx) line(next int64) error {
	c := tc.ckpt
	if c == nil {
		return nil
	}
	if c.lines++; c.lines%1024 != 0 || time.Since(c.last) < c.every {
		return nil
	}
	rec := checkpoint.Record{Stage: tc.spec.Stage, Index: tc.spec.Index, Attempt: tc.spec.AttemptID,
		Offset: next - c.start, Prefixes: append([]proto.Prefix(nil), c.inherited...)}
	for _, w := range tc.writers {
		counts, err := w.sync()
		if err != nil {
			return err
		}
		rec.Prefixes = append(rec.Prefixes, proto.Prefix{Attempt: tc.spec.AttemptID, Shuffle: w.shuffle, Counts: counts})
	}
	if err := c.store.Save(tc.ctx, rec); err != nil {
		return err
	}
	c.last = time.Now()
	tc.count("checkpoints", 1)
	tc.env.Logger.Info("checkpoint", "attempt", tc.spec.AttemptID, "offset", rec.Offset)
	return nil
}
