// Command slow copies text lines to part files, sleeping for --delay on
// every line: a job that holds its executors long enough for scheduler
// tests (preemption) to act while it runs. The union of its output parts
// is its input lines.
package main

import (
	"flag"
	"time"

	"spindle/internal/size"
	"spindle/sdk"
)

func main() {
	input := flag.String("input", "", "text files (required)")
	output := flag.String("output", "", "output directory (required)")
	delay := flag.Duration("delay", 100*time.Millisecond, "sleep per line")
	splitSize := flag.String("split-size", "1KiB", "bytes of input per task")
	sdk.Main(func(p *sdk.Pipeline) error {
		if *input == "" || *output == "" {
			return sdk.Usagef("--input and --output are required")
		}
		n, err := size.Parse(*splitSize)
		if err != nil {
			return sdk.Usagef("--split-size: %v", err)
		}
		lines := sdk.ReadText(p, "read", *input, sdk.SplitSize(n))
		slow := sdk.Map(p, "slow", lines, func(s string) string {
			time.Sleep(*delay)
			return s
		})
		sdk.WriteText(p, "write", slow, *output)
		return nil
	})
}
