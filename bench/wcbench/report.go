package main

import (
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
	"time"
)

// result is one program's measurements over all rounds.
type result struct {
	name  string
	times []time.Duration
	peak  int64 // bytes, the largest over all rounds
}

func (r result) median() time.Duration {
	s := slices.Sorted(slices.Values(r.times))
	return s[len(s)/2]
}

func (r result) best() time.Duration { return slices.Min(r.times) }

// printTable writes one row per program; ratios divide medians, so a ratio
// above 1 means slower than that baseline. results[0] must be wc-ref and
// results[1] wc-par.
func printTable(w io.Writer, results []result) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "program\tmedian s\tbest s\tvs wc-ref\tvs wc-par\tpeak RSS MiB\t")
	ref, par := results[0].median(), results[1].median()
	for _, r := range results {
		m := r.median()
		fmt.Fprintf(tw, "%s\t%.2f\t%.2f\t%.2f×\t%.2f×\t%.0f\t\n", r.name, m.Seconds(), r.best().Seconds(),
			m.Seconds()/ref.Seconds(), m.Seconds()/par.Seconds(), float64(r.peak)/(1<<20))
	}
	tw.Flush()
}
