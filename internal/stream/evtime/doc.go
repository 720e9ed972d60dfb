// Package evtime is the pure core of Spindle's event-time handling: watermark
// generation, watermark merging across input channels, window assignment,
// session merging, lateness decisions and checkpoint-barrier alignment.
//
// # What it owns
//
//   - [BoundedOutOfOrder]: a per-source watermark generator with idleness
//     detection (Flink's WatermarkStrategy.forBoundedOutOfOrderness and
//     withIdleness).
//   - [Merger]: the watermark of a task with several input channels (Flink's
//     StatusWatermarkValve).
//   - [Window], [Assigner] and the assigners [Tumbling], [Sliding] and
//     [Sessions] (Flink's TumblingEventTimeWindows, SlidingEventTimeWindows
//     and EventTimeSessionWindows), and [MergeSet] for session merging (Flink's
//     MergingWindowSet over TimeWindow.mergeWindows).
//   - [IsLate], [CleanupTime], [Decide] and [LateRecord]: allowed lateness as
//     in Flink's WindowOperator with its EventTimeTrigger.
//   - [Aligner]: aligned, exactly-once barrier bookkeeping (Chandy-Lamport as
//     Flink's SingleCheckpointBarrierHandler does it).
//
// The package follows Flink's semantics; every place where it does not is
// called out in the doc comment of the type concerned, with the reason.
//
// # Time
//
// Event times and watermarks are int64 milliseconds since the Unix epoch.
// [MinTime] is the watermark before anything is known; [MaxTime] as a
// watermark means end of input. Record timestamps MinTime and MaxTime are
// reserved: assigners give such a record no window, so [LateRecord] routes it
// to the side output. Arithmetic saturates at the ends of the range instead of
// wrapping. Processing time, used only for idleness, is a [time.Time] the
// caller passes in; nothing here reads the clock.
//
// # Contract
//
// Everything is a plain value or a thread-unsafe state machine: no
// goroutines, no I/O, no clock. The shell that owns a task's input loop feeds
// events in and carries out the results (emit a watermark, block a channel,
// take a snapshot). Channel indices out of range panic, like slice indices;
// other bad input is ignored or clamped as documented.
//
// # Imports
//
// Only the standard library. Nothing in Spindle below the stream runtime may
// depend on this package's callers; it imports no other Spindle package.
package evtime
