// Command job is bench/streamlat's streaming job: a rate-limited
// generator stamps each event with the wall-clock time it was made, a
// keyed step on the other side of a network edge measures how long the
// event took to reach it, and the latencies are written out.
//
// With --state-bytes it also keeps that many bytes of value state per
// key, to measure checkpoints of a large state.
//
// It breaks the generator's determinism rule (event n is not the same
// after a restore), so it is a benchmark job only.
package main

import (
	"flag"
	"strconv"
	"strings"
	"time"

	"spindle/sdk"
)

var (
	events = flag.Int64("events", 1_000_000, "events to generate")
	rate   = flag.Float64("rate", 0, "events per second (0: as fast as the job takes them)")
	output = flag.String("output", "", "output directory")
	par    = flag.Int("parallelism", 0, "subtasks per step")
	every  = flag.Duration("checkpoint-every", 2*time.Second, "checkpoint interval")
	sample = flag.Int64("sample", 1, "write the latency of one event in this many")
	keys   = flag.Int64("keys", 1024, "distinct keys")
	pad    = flag.Int("state-bytes", 0, "bytes of state kept per key (checkpoint size = keys × this, roughly)")
)

type event struct {
	N     int64
	Key   int64
	Nanos int64 // wall clock when generated
}

func main() {
	sdk.Main(func(p *sdk.Pipeline) error {
		if *output == "" {
			return sdk.Usagef("--output is required")
		}
		p.Stream(sdk.StreamConfig{Parallelism: *par, CheckpointEvery: *every})
		src := sdk.Generate(p, "events", sdk.Generator[event]{
			Events: *events,
			Rate:   *rate,
			Event: func(n int64, v *event) {
				v.N, v.Key, v.Nanos = n, n%*keys, time.Now().UnixNano()
			},
			Time: func(v *event) int64 { return v.Nanos / 1e6 },
		})
		kv := sdk.Map(p, "key", src, func(e event) sdk.KV[int64, event] { return sdk.KV[int64, event]{Key: e.Key, Value: e} })
		padding := strings.Repeat("x", *pad)
		lat := sdk.KeyedProcess(p, "measure", kv, func(s *sdk.KeyedState[int64]) sdk.Process[int64, event, string] {
			kept := sdk.ValueStateOf[string](s, "kept")
			return sdk.Process[int64, event, string]{
				Record: func(ctx *sdk.ProcessContext[int64, string], e event) {
					if *pad > 0 {
						if _, ok := kept.Value(); !ok {
							kept.Update(padding)
						}
					}
					if e.N%*sample == 0 {
						ctx.Emit(strconv.FormatInt(time.Now().UnixNano()-e.Nanos, 10))
					}
				},
			}
		})
		sdk.WriteText(p, "write", lat, *output)
		return nil
	})
}
