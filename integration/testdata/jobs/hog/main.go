// Command hog is a test job that holds far more memory than its task
// grant: each map task allocates and touches --hold bytes on its first
// line, then waits, so that its worker kills it for its memory. Its output
// (were it not killed) is its input lines.
package main

import (
	"flag"
	"os"
	"time"

	"spindle/internal/size"
	"spindle/sdk"
)

// held keeps the memory reachable for the life of the task.
var held []byte

func main() {
	input := flag.String("input", "", "text files (required)")
	output := flag.String("output", "", "output directory (required)")
	hold := flag.String("hold", "512MiB", "memory each map task holds")
	wait := flag.Duration("wait", 20*time.Second, "how long a task waits after taking it")
	sdk.Main(func(p *sdk.Pipeline) error {
		if *input == "" || *output == "" {
			return sdk.Usagef("--input and --output are required")
		}
		n, err := size.Parse(*hold)
		if err != nil {
			return sdk.Usagef("--hold: %v", err)
		}
		lines := sdk.ReadText(p, "read", *input)
		kept := sdk.Map(p, "hold", lines, func(s string) string {
			if held == nil {
				held = make([]byte, n)
				for i := 0; i < len(held); i += os.Getpagesize() {
					held[i] = 1
				}
				time.Sleep(*wait) // the job's purpose: hold the memory until killed
			}
			return s
		})
		sdk.WriteText(p, "write", kept, *output)
		return nil
	})
}
