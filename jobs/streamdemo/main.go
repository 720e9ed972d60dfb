// Command streamdemo is a small streaming job: generated events counted
// per key in tumbling windows of one second of event time.
//
// Two flags make it a slow consumer, for back-pressure tests; neither
// changes the output. --pad gives every record on the keyed edge a value
// of that many bytes (the count ignores it), so that an edge that
// buffered its input would need a lot of memory; --slow makes the count
// step spend that long per record. --extra-step changes the job's graph
// but not the names of its stateful steps, so that a savepoint of one
// version restores into the other.
package main

import (
	"flag"
	"fmt"
	"strings"
	"time"

	"spindle/sdk"
)

var (
	events = flag.Int64("events", 100_000, "events to generate (0: no end)")
	output = flag.String("output", "", "output directory")
	par    = flag.Int("parallelism", 2, "subtasks per step")
	rate   = flag.Float64("rate", 0, "events per second over all subtasks (0: as fast as possible)")
	every  = flag.Duration("checkpoint-every", time.Second, "checkpoint interval")
	pad    = flag.Int("pad", 0, "bytes of padding per record on the keyed edge")
	slow   = flag.Duration("slow", 0, "time the count step spends per record (a slow consumer)")
	extra  = flag.Bool("extra-step", false, "add a pass-through step after the source (a changed job whose stateful steps keep their names)")
)

type event struct {
	Key  int64
	Time int64
}

func main() {
	sdk.Main(func(p *sdk.Pipeline) error {
		if *pad < 0 || *slow < 0 {
			return sdk.Usagef("--pad and --slow must not be negative")
		}
		p.Stream(sdk.StreamConfig{Parallelism: *par, CheckpointEvery: *every})
		src := sdk.Generate(p, "events", sdk.Generator[event]{
			Events: *events,
			Rate:   *rate,
			Event:  func(n int64, v *event) { v.Key, v.Time = n%7, 1_700_000_000_000+n },
			Time:   func(v *event) int64 { return v.Time },
		})
		if *extra {
			src = sdk.Filter(p, "keep-all", src, func(event) bool { return true })
		}
		padding := strings.Repeat("x", *pad)
		kv := sdk.Map(p, "key", src, func(e event) sdk.KV[int64, string] { return sdk.KV[int64, string]{Key: e.Key, Value: padding} })
		counting := sdk.Counting[string]()
		if *slow > 0 {
			counting.Add = slowly(*slow, counting.Add)
		}
		counts := sdk.WindowAggregate(p, "count", kv, sdk.Tumbling(time.Second), counting)
		lines := sdk.Map(p, "format", counts, func(w sdk.Windowed[int64, int64]) string {
			return fmt.Sprintf("%d\t%d\t%d", w.Start, w.Key, w.Value)
		})
		sdk.WriteText(p, "write", lines, *output)
		return nil
	})
}

// slowly makes add take d per call on average: the time owed is slept
// once it reaches a millisecond, since shorter sleeps overshoot. A
// subtask calls its aggregator from one goroutine, and an executor runs
// one subtask of the count step, so the debt needs no lock.
func slowly(d time.Duration, add func(int64, string) int64) func(int64, string) int64 {
	var owed time.Duration
	return func(acc int64, v string) int64 {
		if owed += d; owed >= time.Millisecond {
			start := time.Now()
			time.Sleep(owed)
			owed -= time.Since(start)
		}
		return add(acc, v)
	}
}
