// Command streamlat measures a streaming job's end-to-end latency at a
// fraction of its maximum throughput:
//
//	go run ./bench/streamlat                  # from the repository root
//
// It runs bench/streamlat/job twice on a local cluster (`spindle run
// --workers W`): first as fast as it goes, for the maximum rate; then
// rate-limited to -load of that rate for -seconds, writing the latency of
// every -sample-th event: from the moment the generator made it to the
// moment a keyed step on the far side of a network edge received it
// (batching, credit flow control, Arrow encoding and NATS included; the
// exactly-once sink's commit, which makes output visible at the next
// checkpoint, is not). It prints the percentiles.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"spindle/bench/internal/harness"
)

func main() {
	workers := flag.Int("workers", 2, "spindle run --workers")
	maxEvents := flag.Int64("max-events", 20_000_000, "events of the maximum-rate run")
	load := flag.Float64("load", 0.5, "fraction of the maximum rate of the latency run")
	seconds := flag.Float64("seconds", 20, "length of the latency run")
	sample := flag.Int64("sample", 100, "measure one event in this many")
	keep := flag.Bool("keep", false, "keep the work directory")
	flag.Parse()
	if *workers <= 0 || *maxEvents <= 0 || *load <= 0 || *seconds <= 0 || *sample <= 0 {
		fmt.Fprintln(os.Stderr, "streamlat: every flag must be positive")
		os.Exit(2)
	}
	if err := run(context.Background(), *workers, *maxEvents, *load, *seconds, *sample, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "streamlat:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, workers int, maxEvents int64, load, seconds float64, sample int64, keep bool) error {
	work, done, err := harness.WorkDir("streamlat", keep)
	if err != nil {
		return err
	}
	defer done()
	if err := harness.GoBuild(ctx, work, map[string]string{"spindle": "./cmd/spindle", "job": "./bench/streamlat/job"}); err != nil {
		return err
	}
	spindle, job := filepath.Join(work, "spindle"), filepath.Join(work, "job")
	runJob := func(name string, args ...string) (time.Duration, error) {
		log := filepath.Join(work, name+".log")
		argv := append([]string{spindle, "run", "--workers", strconv.Itoa(workers), job, "--", "--output", filepath.Join(work, name)}, args...)
		if _, err := harness.Measure(ctx, "streamlat", argv, log); err != nil {
			return 0, err
		}
		return harness.JobTime(log)
	}
	d, err := runJob("max", "--events", strconv.FormatInt(maxEvents, 10), "--sample", strconv.FormatInt(maxEvents, 10))
	if err != nil {
		return err
	}
	maxRate := float64(maxEvents) / d.Seconds()
	rate := maxRate * load
	n := int64(rate * seconds)
	fmt.Fprintf(os.Stderr, "streamlat: maximum %.0f events/s (%d in %v); latency run at %.0f events/s for %.0f s\n", maxRate, maxEvents, d, rate, seconds)
	d2, err := runJob("lat", "--events", strconv.FormatInt(n, 10), "--rate", strconv.FormatFloat(rate, 'f', 0, 64),
		"--sample", strconv.FormatInt(sample, 10))
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "streamlat: the latency run took %v (%.0f events/s achieved)\n", d2, float64(n)/d2.Seconds())
	lat, err := latencies(filepath.Join(work, "lat"))
	if err != nil {
		return err
	}
	if len(lat) == 0 {
		return fmt.Errorf("the latency run wrote no latencies")
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	fmt.Printf("max rate %.0f events/s on %d workers; at %.0f%% (%.0f events/s), %d samples: p50 %v  p90 %v  p99 %v  p99.9 %v  max %v\n",
		maxRate, workers, load*100, rate, len(lat), pct(0.5).Round(time.Microsecond*100), pct(0.9).Round(time.Microsecond*100),
		pct(0.99).Round(time.Microsecond*100), pct(0.999).Round(time.Microsecond*100), lat[len(lat)-1].Round(time.Microsecond*100))
	return nil
}

func latencies(dir string) ([]time.Duration, error) {
	files, err := filepath.Glob(filepath.Join(dir, "part-*"))
	if err != nil {
		return nil, err
	}
	var out []time.Duration
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			ns, err := strconv.ParseInt(sc.Text(), 10, 64)
			if err != nil {
				fh.Close()
				return nil, fmt.Errorf("%s: %v", f, err)
			}
			out = append(out, time.Duration(ns))
		}
		fh.Close()
		if err := sc.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
