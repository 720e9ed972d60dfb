// Command fakejob stands in for a Spindle job in the CLI's tests: in the
// describe role it prints a description, or fails like a job given bad
// arguments when one of them is "--bad". It needs no SDK.
package main

import (
	"fmt"
	"os"
	"slices"
)

func main() {
	if os.Getenv("SPINDLE_ROLE") != "describe" {
		return
	}
	if slices.Contains(os.Args[1:], "--bad") {
		fmt.Fprintln(os.Stderr, "usage: fakejob --output DIR")
		fmt.Fprintln(os.Stderr, "--output is required")
		os.Exit(2)
	}
	fmt.Printf("spindle-job-v1 {\"name\":\"fakejob\",\"fingerprint\":\"f00\"}\n")
}
