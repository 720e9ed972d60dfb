// Command nexbench times Nexmark queries on Spindle against the plain
// single-goroutine reference (internal/nexmark.Reference) on the same
// generated events, in the same run, checks that the outputs are equal,
// and prints events per second per core and their ratio:
//
//	go run ./bench/nexbench -events 10000000 -queries q0,q5,q7,q8
//
// The reference generates the events and evaluates the query in this
// process, on one core. Spindle runs jobs/nexmark with `spindle run
// --workers W` (a local cluster of W worker processes, the generator
// split over the job's subtasks) and is timed from submission to the
// end of the job as the CLI reports it (cluster start-up excluded, job
// master and executor start-up included); its cores are the machine's
// CPUs, which the local cluster's workers share.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"spindle/bench/internal/harness"
	"spindle/internal/nexmark"
)

// flink113 is Flink 1.13's Nexmark throughput per core (events/s), the
// anchors issue 9 names.
var flink113 = map[string]float64{"q0": 155e3, "q5": 22e3, "q7": 12e3, "q8": 146e3}

func main() {
	events := flag.Int64("events", 10_000_000, "events per query")
	queries := flag.String("queries", "q0,q5,q7,q8", "comma-separated queries")
	workers := flag.Int("workers", 2, "spindle run --workers")
	keep := flag.Bool("keep", false, "keep the work directory")
	flag.Parse()
	if *events <= 0 || *workers <= 0 {
		fmt.Fprintln(os.Stderr, "nexbench: -events and -workers must be positive")
		os.Exit(2)
	}
	qs := strings.Split(*queries, ",")
	for _, q := range qs {
		if !slices.Contains(nexmark.Queries, q) {
			fmt.Fprintf(os.Stderr, "nexbench: unknown query %q (want some of %v)\n", q, nexmark.Queries)
			os.Exit(2)
		}
	}
	if err := run(context.Background(), qs, *events, *workers, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "nexbench:", err)
		os.Exit(1)
	}
}

// row is one query's figures.
type row struct {
	query        string
	ref, spindle time.Duration
	cores        int
}

func run(ctx context.Context, qs []string, events int64, workers int, keep bool) error {
	work, done, err := harness.WorkDir("nexbench", keep)
	if err != nil {
		return err
	}
	defer done()
	if err := harness.GoBuild(ctx, work, map[string]string{"spindle": "./cmd/spindle", "nexmark": "./jobs/nexmark"}); err != nil {
		return err
	}
	spindle, job := filepath.Join(work, "spindle"), filepath.Join(work, "nexmark")
	cores := runtime.NumCPU() // the local cluster's workers share the machine
	var rows []row
	for _, q := range qs {
		cfg := nexmark.DefaultConfig()
		cfg.Events = events
		var want bytes.Buffer
		start := time.Now()
		if err := nexmark.ReferenceBytes(q, cfg, func(line []byte) { want.Write(line); want.WriteByte('\n') }); err != nil {
			return err
		}
		r := row{query: q, ref: time.Since(start), cores: cores}
		out := filepath.Join(work, q)
		log := filepath.Join(work, q+".log")
		if _, err := harness.Measure(ctx, "nexbench", []string{spindle, "run", "--workers", fmt.Sprint(workers), job, "--",
			"--query", q, "--events", fmt.Sprint(events), "--output", out}, log); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
		if r.spindle, err = harness.JobTime(log); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
		got, err := parts(out)
		if err != nil {
			return err
		}
		if err := harness.CompareOutputs(harness.SortLines(got), harness.SortLines(want.Bytes())); err != nil {
			return fmt.Errorf("%w: %s differs from the reference: %v", harness.ErrMismatch, q, err)
		}
		fmt.Fprintf(os.Stderr, "nexbench: %s: reference %v, spindle %v, outputs equal (%d lines)\n",
			q, r.ref.Round(time.Millisecond), r.spindle.Round(time.Millisecond), bytes.Count(got, []byte("\n")))
		rows = append(rows, r)
	}
	print(os.Stdout, rows, events)
	return nil
}

func parts(dir string) ([]byte, error) {
	files, err := filepath.Glob(filepath.Join(dir, "part-*"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no part files in %s: %v", dir, err)
	}
	var all []byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		all = append(all, b...)
	}
	return all, nil
}

func print(w *os.File, rows []row, events int64) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "query\tevents\treference ev/s (1 core)\tspindle ev/s\tcores\tspindle ev/s/core\tvs reference/core\tFlink 1.13 ev/s/core\tvs Flink 1.13\t")
	for _, r := range rows {
		ref := float64(events) / r.ref.Seconds()
		sp := float64(events) / r.spindle.Seconds()
		per := sp / float64(r.cores)
		flink, vs := "-", "-"
		if f, ok := flink113[r.query]; ok {
			flink, vs = fmt.Sprintf("%.0f", f), fmt.Sprintf("%.2f×", per/f)
		}
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%.0f\t%d\t%.0f\t%.2f×\t%s\t%s\t\n",
			r.query, events, ref, sp, r.cores, per, per/ref, flink, vs)
	}
	tw.Flush()
}
