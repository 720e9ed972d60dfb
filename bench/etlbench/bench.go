package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"spindle/bench/internal/harness"
	"spindle/bench/internal/proctree"
	"strconv"
	"strings"
)

// program is one contender for one query: how to run it and where its
// output lands.
type program struct {
	name   string
	argv   []string
	out    string // output file, or directory of part-*.csv files when parts
	clean  string // removed before each run: out, or the job's --output
	parts  bool
	result result
}

// run is the whole benchmark: tables, builds, then per query the timed
// rounds and a table.
func run(ctx context.Context, cfg config) error {
	if err := proctree.BecomeSubreaper(); err != nil {
		fmt.Fprintln(os.Stderr, "etlbench: warning: detached processes will not be counted:", err)
	}
	data, err := ensureData(ctx, cfg.shared, cfg.cache, cfg.sf)
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "etlbench-work-")
	if err != nil {
		return err
	}
	if cfg.keep {
		defer fmt.Fprintln(os.Stderr, "etlbench: kept", work)
	} else {
		defer os.RemoveAll(work)
	}
	bins, err := buildAll(ctx, cfg, work)
	if err != nil {
		return err
	}
	if !bins.duck.available() {
		fmt.Printf("duckdb: skipped (%s)\n", bins.duck.skipped)
	}
	for _, q := range cfg.queries {
		progs, err := programs(cfg, bins, q, data, work)
		if err != nil {
			return err
		}
		if err := runRounds(ctx, progs, cfg.runs, work); err != nil {
			return err
		}
		printQuery(cfg, q, data, progs)
	}
	return nil
}

// printQuery prints one query's heading and table.
func printQuery(cfg config, q, data string, progs []*program) {
	fmt.Printf("\n%s, TPC-H SF %g (%s), %d CPUs, %d run(s) each, outputs identical",
		q, cfg.sf, data, runtime.NumCPU(), cfg.runs)
	if !cfg.noSpindle {
		fmt.Printf(", spindle run --workers %d", cfg.workers)
		if len(cfg.spindleArgs) > 0 {
			fmt.Printf(" %s", strings.Join(cfg.spindleArgs, " "))
		}
	}
	fmt.Println()
	results := make([]result, len(progs))
	for i, p := range progs {
		results[i] = p.result
	}
	printTable(os.Stdout, results)
}

// programs lists query's contenders, plain first: it is the reference.
func programs(cfg config, b binaries, q, data, work string) ([]*program, error) {
	file := func(name string) string { return filepath.Join(work, fmt.Sprintf("out-%s-%s.tsv", name, q)) }
	progs := []*program{{name: "plain", out: file("plain"),
		argv: []string{b.plain, "-input", data, "-query", q, "-out", file("plain")}}}
	if b.duck.available() {
		argv, err := b.duck.argv(q, data, file("duckdb"))
		if err != nil {
			return nil, err
		}
		progs = append(progs, &program{name: "duckdb", argv: argv, out: file("duckdb")})
	}
	if !cfg.noSpindle {
		progs = append(progs, spindleProgram(cfg, b, q, data, work))
	}
	for _, p := range progs {
		p.result.name = p.name
		if p.clean == "" {
			p.clean = p.out
		}
	}
	return progs, nil
}

// spindleProgram runs the prebuilt ETL job binary on a local cluster; it
// writes its answer to OUTPUT/QUERY/part-*.csv.
func spindleProgram(cfg config, b binaries, q, data, work string) *program {
	dir := filepath.Join(work, "out-spindle-"+q)
	argv := append([]string{b.spindle, "run", "--workers", strconv.Itoa(cfg.workers)}, cfg.spindleArgs...)
	argv = append(argv, b.etl, "--", "--input", data, "--output", dir, "--query", q,
		"--format", "csv", "--csv-delimiter", "tab")
	return &program{name: "spindle", argv: argv, out: filepath.Join(dir, q), clean: dir, parts: true}
}

// runRounds runs every program once per round, in turn, and checks each
// output against that round's plain output.
func runRounds(ctx context.Context, progs []*program, rounds int, work string) error {
	err := harness.Rounds(rounds, len(progs), func(i, r int) ([]byte, error) {
		p := progs[i]
		return runOnce(ctx, p, filepath.Join(work, fmt.Sprintf("%s-%d.log", strings.TrimSuffix(filepath.Base(p.clean), ".tsv"), r)))
	}, func(i int) string { return progs[i].name })
	if errors.Is(err, errMismatch) {
		return fmt.Errorf("etlbench: %w", err)
	}
	return err
}

// runOnce runs p on a clean output path, records its time and peak memory,
// and returns its output in plain's form.
func runOnce(ctx context.Context, p *program, logPath string) ([]byte, error) {
	if err := os.RemoveAll(p.clean); err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "etlbench: running %s\n", p.name)
	m, err := measure(ctx, p.argv, logPath)
	if err != nil {
		return nil, fmt.Errorf("etlbench: %s: %w", p.name, err)
	}
	p.result.times = append(p.result.times, m.Elapsed)
	p.result.peak = max(p.result.peak, m.Peak.Sum)
	p.result.largest = max(p.result.largest, m.Peak.Largest)
	if p.parts {
		return readParts(p.out)
	}
	return os.ReadFile(p.out)
}
