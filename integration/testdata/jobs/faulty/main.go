// Command faulty is a test job: a word count (words split by white space,
// lowercased) that can be told to panic on a line, to go slowly in its
// map or reduce stage, or to hold a map task on a line until a file
// exists, so that tests can watch a job fail, kill it, or hurt its
// processes or its data while it runs.
package main

import (
	"flag"
	"os"
	"strconv"
	"strings"
	"time"

	"spindle/sdk"
)

func main() {
	input := flag.String("input", "", "text input")
	output := flag.String("output", "", "output directory")
	failOn := flag.String("fail-on", "", "panic on a line containing this")
	mapSleep := flag.Duration("map-sleep", 0, "pause per input line")
	reduceSleep := flag.Duration("reduce-sleep", 0, "pause per output word")
	splitSize := flag.Int64("split-size", 0, "bytes per split")
	reducers := flag.Int("reducers", 0, "reduce tasks")
	every := flag.Duration("checkpoint-interval", 0, "checkpoint map tasks this often")
	gateOn := flag.String("gate-on", "", "on a line containing this, wait until --gate-file exists")
	gateFile := flag.String("gate-file", "", "see --gate-on")
	sdk.Main(func(p *sdk.Pipeline) error {
		lines := sdk.ReadText(p, "read", *input, sdk.SplitSize(*splitSize), sdk.CheckpointEvery(*every))
		words := sdk.FlatMap(p, "split", lines, func(l string, emit func(string)) {
			if *failOn != "" && strings.Contains(l, *failOn) {
				panic("found " + *failOn)
			}
			if *gateOn != "" && strings.Contains(l, *gateOn) {
				waitFor(*gateFile)
			}
			time.Sleep(*mapSleep)
			for _, w := range strings.Fields(l) {
				emit(strings.ToLower(w))
			}
		})
		counts := sdk.CountPerKey(p, "count", words, sdk.Partitions(*reducers))
		out := sdk.Map(p, "format", counts, func(kv sdk.KV[string, int64]) string {
			time.Sleep(*reduceSleep)
			return kv.Key + "\t" + strconv.FormatInt(kv.Value, 10)
		})
		sdk.WriteText(p, "write", out, *output)
		return nil
	})
}

// waitFor polls until path exists.
func waitFor(path string) {
	for {
		if _, err := os.Stat(path); err == nil {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}
