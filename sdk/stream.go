package sdk

import (
	"fmt"
	"time"

	"spindle/dataflow"
	"spindle/internal/stream/evtime"
)

// Streams are datasets too. A pipeline that reads an unbounded source
// (Generate, ReplayFile, ReadJetStream) is a streaming job: every step
// runs at once on a gang of executors, records flow through pipelined
// edges with credit-based flow control, and the job master takes aligned
// checkpoints that a failed job restores from (docs/streaming.md).
//
// Every record of a stream carries an event time, in milliseconds since
// the Unix epoch, set by its source. Element-wise steps (Map, Filter,
// FlatMap, KeyBy) keep the time of the record they were called with;
// windowed steps give their results the window's last millisecond.
// Watermarks flow with the records: a watermark W promises that no record
// with a time of W or less follows (records that break the promise are
// late).

// Timing defaults of streaming jobs.
const (
	// DefaultWatermarkEvery is how often sources emit watermarks (Flink's
	// auto-watermark interval).
	DefaultWatermarkEvery = 200 * time.Millisecond
	// DefaultIdleAfter is how long a source without records waits before
	// declaring itself idle, so that it does not hold back the watermark.
	DefaultIdleAfter = 5 * time.Second
)

// StreamConfig is a streaming job's execution settings.
type StreamConfig struct {
	// Parallelism is the number of subtasks of every step, and of
	// executors in the job's gang; 0 takes half the cluster's vcores
	// (less the job master's), leaving room to restore after losing a
	// worker.
	Parallelism int
	// CheckpointEvery is the checkpoint interval; 0 is 2 s.
	CheckpointEvery time.Duration
	// RetainCheckpoints is how many complete checkpoints are kept; 0 is 3.
	RetainCheckpoints int
}

// Stream sets the pipeline's streaming configuration.
func (p *Pipeline) Stream(c StreamConfig) {
	if c.Parallelism < 0 || c.CheckpointEvery < 0 || c.RetainCheckpoints < 0 {
		p.fail(Usagef("stream configuration: parallelism, checkpoint interval and retained checkpoints must not be negative"))
	}
	p.stream = c
}

// Windows says how a windowed step groups a key's records by event time.
type Windows struct {
	assign   evtime.Assigner
	lateness time.Duration
	desc     string
	err      error // bad parameters, reported by the step that uses them
}

// Tumbling windows are fixed-size, back-to-back and aligned to the epoch:
// [0, size), [size, 2·size), …
func Tumbling(size time.Duration) Windows {
	a, err := evtime.NewTumbling(size, 0)
	return Windows{assign: a, desc: fmt.Sprintf("tumbling(%s)", size), err: err}
}

// Sliding (hopping) windows of size start every slide; a record belongs
// to size/slide of them.
func Sliding(size, slide time.Duration) Windows {
	a, err := evtime.NewSliding(size, slide, 0)
	return Windows{assign: a, desc: fmt.Sprintf("sliding(%s,%s)", size, slide), err: err}
}

// Sessions group a key's records that are less than gap apart; a
// session ends gap after its last record.
func Sessions(gap time.Duration) Windows {
	a, err := evtime.NewSessions(gap)
	return Windows{assign: a, desc: fmt.Sprintf("sessions(%s)", gap), err: err}
}

// AllowedLateness keeps a window's state for d after it fired: a late
// record within d updates the window and fires it again with the new
// result (Flink's allowed lateness). Records later than that go to the
// step's late output, if it has one, and are counted as late otherwise.
func (w Windows) AllowedLateness(d time.Duration) Windows {
	w.lateness = d
	if d < 0 && w.err == nil {
		w.err = fmt.Errorf("allowed lateness %v is negative", d)
	}
	return w
}

// Aggregator is an incremental aggregation: a window keeps one
// accumulator per key, not its records. Add folds a record in; Merge
// combines two accumulators (session windows merge); Result makes the
// output. Accumulators are stored in the task's state backend, so their
// type must be one the state codec encodes: numbers, strings, bools,
// slices, maps and structs of them with exported fields.
type Aggregator[V, A, O any] struct {
	Init   func() A
	Add    func(acc A, v V) A
	Merge  func(a, b A) A
	Result func(acc A) O
}

// Counting counts records.
func Counting[V any]() Aggregator[V, int64, int64] {
	return Aggregator[V, int64, int64]{
		Init:   func() int64 { return 0 },
		Add:    func(a int64, _ V) int64 { return a + 1 },
		Merge:  func(a, b int64) int64 { return a + b },
		Result: func(a int64) int64 { return a },
	}
}

// Summing adds records up.
func Summing[V Number]() Aggregator[V, V, V] {
	return Aggregator[V, V, V]{
		Init:   func() V { return 0 },
		Add:    func(a, v V) V { return a + v },
		Merge:  func(a, b V) V { return a + b },
		Result: func(a V) V { return a },
	}
}

// Windowed is one window's result for one key: the window is
// [Start, End) in event-time milliseconds.
type Windowed[K comparable, O any] struct {
	Key   K
	Start int64
	End   int64
	Value O
}

// WindowAggregate aggregates each key's records per window and emits one
// result per key and window when the watermark passes the window's end
// (and again for late records within the allowed lateness). Records are
// partitioned by key across the stage's subtasks.
func WindowAggregate[K comparable, V, A, O any](p *Pipeline, name string, in Dataset[KV[K, V]], w Windows, agg Aggregator[V, A, O]) Dataset[Windowed[K, O]] {
	check(p, in, name)
	if w.err != nil {
		p.fail(Usagef("step %q: %v", name, w.err))
		w.assign = nil
	} else if w.assign == nil {
		p.fail(Usagef("step %q: no windows given (use sdk.Tumbling, sdk.Sliding or sdk.Sessions)", name))
	}
	if agg.Init == nil || agg.Add == nil || agg.Result == nil || (w.assign != nil && w.assign.Merging() && agg.Merge == nil) {
		p.fail(Usagef("step %q: the aggregate needs Init, Add and Result (and Merge for sessions)", name))
	}
	op, err := newWindowOp[K, V, A, O](w, agg)
	if err != nil {
		p.fail(fmt.Errorf("step %q: %w", name, err))
	}
	return add[Windowed[K, O]](p, name, "WindowAggregate/"+w.desc, dataflow.KindShuffle, op, in.node)
}

// WindowAggregateLate is WindowAggregate with a side output: the records
// too late for every window they belong to (later than the allowed
// lateness) go to the second dataset instead of being dropped.
func WindowAggregateLate[K comparable, V, A, O any](p *Pipeline, name string, in Dataset[KV[K, V]], w Windows, agg Aggregator[V, A, O]) (Dataset[Windowed[K, O]], Dataset[KV[K, V]]) {
	out := WindowAggregate(p, name, in, w, agg)
	late := add[KV[K, V]](p, name+"/late", "LateRecords", dataflow.KindNarrow, lateOutput{}, out.node)
	if op, ok := p.g.Node(out.node).Impl.(*windowOp[K, V, A, O]); ok {
		op.late = late.node
	}
	return out, late
}

// lateOutput is the Impl of a windowed step's late output: the window
// operator feeds it directly, so as a narrow step it passes nothing on.
type lateOutput struct{}

func (lateOutput) wrap(next any) any { return next }
