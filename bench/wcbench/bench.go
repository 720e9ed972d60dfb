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
)

// program is one contender: how to run it and where its output lands.
type program struct {
	name   string
	argv   []string
	out    string // output file, or directory of part-* files when dir
	dir    bool
	result result
}

// run is the whole benchmark: corpus, builds, timed rounds, table.
func run(ctx context.Context, cfg config) error {
	if err := proctree.BecomeSubreaper(); err != nil {
		fmt.Fprintln(os.Stderr, "wcbench: warning: detached processes will not be counted:", err)
	}
	corpus, err := ensureCorpus(ctx, cfg.shared, cfg.cache, cfg.size)
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "wcbench-work-")
	if err != nil {
		return err
	}
	if cfg.keep {
		defer fmt.Fprintln(os.Stderr, "wcbench: kept", work)
	} else {
		defer os.RemoveAll(work)
	}
	bins, err := buildAll(ctx, cfg, work)
	if err != nil {
		return err
	}
	progs := programs(cfg, bins, corpus, work)
	if err := runRounds(ctx, progs, cfg.runs, work); err != nil {
		return err
	}
	fmt.Printf("corpus %s (%d bytes), %d CPUs, %d run(s) each, outputs identical",
		corpus, cfg.size, runtime.NumCPU(), cfg.runs)
	if !cfg.noSpindle {
		fmt.Printf(", spindle run --workers %d", cfg.workers)
	}
	fmt.Println()
	results := make([]result, len(progs))
	for i, p := range progs {
		results[i] = p.result
	}
	printTable(os.Stdout, results)
	return nil
}

// programs lists the contenders, wc-ref first: it is the reference output.
func programs(cfg config, b binaries, corpus, work string) []*program {
	refOut := filepath.Join(work, "out-wc-ref.tsv")
	parOut := filepath.Join(work, "out-wc-par.tsv")
	parArgs := []string{b.wcPar, "-o", parOut}
	if cfg.parWorkers > 0 {
		parArgs = append(parArgs, "-w", strconv.Itoa(cfg.parWorkers))
	}
	progs := []*program{
		{name: "wc-ref", argv: []string{b.wcRef, "-o", refOut, corpus}, out: refOut},
		{name: "wc-par", argv: append(parArgs, corpus), out: parOut},
	}
	if !cfg.noSpindle {
		dir := filepath.Join(work, "out-spindle")
		progs = append(progs, &program{
			name: "spindle",
			argv: []string{b.spindle, "run", "--workers", strconv.Itoa(cfg.workers), b.wordcount,
				"--", "--input", corpus, "--output", dir},
			out: dir, dir: true,
		})
	}
	for _, p := range progs {
		p.result.name = p.name
	}
	return progs
}

// runRounds runs every program once per round, in turn, and checks each
// output against that round's wc-ref output.
func runRounds(ctx context.Context, progs []*program, rounds int, work string) error {
	err := harness.Rounds(rounds, len(progs), func(i, r int) ([]byte, error) {
		p := progs[i]
		return runOnce(ctx, p, filepath.Join(work, fmt.Sprintf("%s-%d.log", p.name, r)))
	}, func(i int) string { return progs[i].name })
	if errors.Is(err, errMismatch) {
		return fmt.Errorf("wcbench: %w", err)
	}
	return err
}

// runOnce runs p on a clean output path, records its time and peak memory,
// and returns its output in wc-ref's form.
func runOnce(ctx context.Context, p *program, logPath string) ([]byte, error) {
	if err := os.RemoveAll(p.out); err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "wcbench: running %s\n", p.name)
	m, err := measure(ctx, p.argv, logPath)
	if err != nil {
		return nil, fmt.Errorf("wcbench: %s: %w", p.name, err)
	}
	p.result.times = append(p.result.times, m.Elapsed)
	p.result.peak = max(p.result.peak, m.Peak.Sum)
	if p.dir {
		return readParts(p.out)
	}
	return os.ReadFile(p.out)
}
