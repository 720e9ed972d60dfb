package main

import (
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
	"time"
)

// result is one program's measurements over all rounds of one query.
type result struct {
	name    string
	times   []time.Duration
	peak    int64 // bytes: the largest sum over the process tree, over all rounds
	largest int64 // bytes: the largest single process, over all rounds
}

func (r result) median() time.Duration {
	s := slices.Sorted(slices.Values(r.times))
	return s[len(s)/2]
}

func (r result) best() time.Duration { return slices.Min(r.times) }

// printTable writes one row per program; ratios divide medians, so a ratio
// above 1 means slower than that baseline. results[0] must be plain; the
// DuckDB column is "-" when no result is named duckdb.
func printTable(w io.Writer, results []result) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "program\tmedian s\tbest s\tvs plain\tvs duckdb\tpeak RSS MiB\tlargest process MiB\t")
	plain := results[0].median().Seconds()
	duck := 0.0
	if i := slices.IndexFunc(results, func(r result) bool { return r.name == "duckdb" }); i >= 0 {
		duck = results[i].median().Seconds()
	}
	for _, r := range results {
		m := r.median().Seconds()
		vsDuck := "-"
		if duck > 0 {
			vsDuck = fmt.Sprintf("%.2f×", m/duck)
		}
		fmt.Fprintf(tw, "%s\t%.2f\t%.2f\t%.2f×\t%s\t%.0f\t%.0f\t\n", r.name, m, r.best().Seconds(),
			m/plain, vsDuck, mib(r.peak), mib(r.largest))
	}
	tw.Flush()
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }
