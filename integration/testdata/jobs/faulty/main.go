// Command faulty is a test job: it copies its input lines, upper-cased, to
// its output, and can be told to panic on a line or to go slowly, so that
// tests can watch a job fail or kill it while it runs.
package main

import (
	"flag"
	"strings"
	"time"

	"spindle/sdk"
)

func main() {
	input := flag.String("input", "", "text input")
	output := flag.String("output", "", "output directory")
	failOn := flag.String("fail-on", "", "panic on a line containing this")
	sleep := flag.Duration("sleep", 0, "pause per line")
	sdk.Main(func(p *sdk.Pipeline) error {
		lines := sdk.ReadText(p, "read", *input)
		upper := sdk.Map(p, "upper", lines, func(l string) string {
			if *failOn != "" && strings.Contains(l, *failOn) {
				panic("found " + *failOn)
			}
			time.Sleep(*sleep)
			return strings.ToUpper(l)
		})
		sdk.WriteText(p, "write", upper, *output)
		return nil
	})
}
