// Command streamdemo is a small streaming job: generated events counted
// per key in tumbling windows of one second of event time.
package main

import (
	"flag"
	"fmt"
	"time"

	"spindle/sdk"
)

var (
	events = flag.Int64("events", 100_000, "events to generate (0: no end)")
	output = flag.String("output", "", "output directory")
	par    = flag.Int("parallelism", 2, "subtasks per step")
	rate   = flag.Float64("rate", 0, "events per second over all subtasks (0: as fast as possible)")
	every  = flag.Duration("checkpoint-every", time.Second, "checkpoint interval")
)

type event struct {
	Key  int64
	Time int64
}

func main() {
	sdk.Main(func(p *sdk.Pipeline) error {
		p.Stream(sdk.StreamConfig{Parallelism: *par, CheckpointEvery: *every})
		src := sdk.Generate(p, "events", sdk.Generator[event]{
			Events: *events,
			Rate:   *rate,
			Event:  func(n int64, v *event) { v.Key, v.Time = n%7, 1_700_000_000_000+n },
			Time:   func(v *event) int64 { return v.Time },
		})
		kv := sdk.Map(p, "key", src, func(e event) sdk.KV[int64, int64] { return sdk.KV[int64, int64]{Key: e.Key, Value: 1} })
		counts := sdk.WindowAggregate(p, "count", kv, sdk.Tumbling(time.Second), sdk.Counting[int64]())
		lines := sdk.Map(p, "format", counts, func(w sdk.Windowed[int64, int64]) string {
			return fmt.Sprintf("%d\t%d\t%d", w.Start, w.Key, w.Value)
		})
		sdk.WriteText(p, "write", lines, *output)
		return nil
	})
}
