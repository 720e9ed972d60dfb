// Command mismatch is a broken test job: it builds a different pipeline in
// its executors than in its job master (it branches on its role), which
// Spindle must refuse with a clear error instead of running garbage.
package main

import (
	"flag"
	"os"
	"strings"

	"spindle/sdk"
)

func main() {
	input := flag.String("input", "", "text input")
	output := flag.String("output", "", "output directory")
	sdk.Main(func(p *sdk.Pipeline) error {
		lines := sdk.ReadText(p, "read", *input)
		if os.Getenv("SPINDLE_ROLE") == "executor" {
			lines = sdk.Map(p, "sneaky", lines, strings.ToUpper)
		}
		sdk.WriteText(p, "write", lines, *output)
		return nil
	})
}
