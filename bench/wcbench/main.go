package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"spindle/bench/internal/harness"

	"spindle/internal/size"
)

// config is what the flags ask for.
type config struct {
	size       int64
	workers    int
	parWorkers int
	runs       int
	shared     string // the shared benchmark tree
	repo       string // this repository's root
	cache      string // corpus cache directory
	keep       bool
	noSpindle  bool
}

// errMismatch marks a benchmark whose outputs differ.
var errMismatch = harness.ErrMismatch

func main() {
	cfg, err := parseFlags()
	if err != nil {
		fmt.Fprintln(os.Stderr, "wcbench:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, cfg); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func parseFlags() (config, error) {
	var cfg config
	sizeText := flag.String("size", "256MiB", "corpus size, e.g. 64MiB, 1GiB or plain bytes")
	flag.IntVar(&cfg.workers, "workers", 2, "workers of the local Spindle cluster")
	flag.IntVar(&cfg.parWorkers, "par-workers", 0, "wc-par goroutines (0: all CPUs)")
	flag.IntVar(&cfg.runs, "runs", 1, "rounds to run; the table shows the median and the best")
	flag.StringVar(&cfg.shared, "shared", "", "the shared benchmark tree (default: ../shared next to the repository)")
	flag.StringVar(&cfg.cache, "cache", filepath.Join(os.TempDir(), "spindle-wcbench"), "corpus cache directory")
	flag.BoolVar(&cfg.keep, "keep", false, "keep the work directory (binaries, outputs, logs)")
	flag.BoolVar(&cfg.noSpindle, "no-spindle", false, "run the baselines only")
	flag.Parse()
	if flag.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments %q", flag.Args())
	}
	n, err := size.Parse(*sizeText)
	if err != nil || n <= 0 {
		return cfg, fmt.Errorf("-size %q: want a positive size", *sizeText)
	}
	cfg.size = n
	if cfg.runs < 1 || cfg.workers < 1 {
		return cfg, errors.New("-runs and -workers must be at least 1")
	}
	return resolvePaths(cfg)
}

// resolvePaths finds the repository root and makes the paths absolute.
func resolvePaths(cfg config) (config, error) {
	repo, err := findRepo()
	if err != nil {
		return cfg, err
	}
	cfg.repo = repo
	if cfg.shared == "" {
		cfg.shared = filepath.Join(repo, "..", "shared")
	}
	if cfg.shared, err = filepath.Abs(cfg.shared); err != nil {
		return cfg, err
	}
	if _, err := os.Stat(filepath.Join(cfg.shared, "bench", "gen-text")); err != nil {
		return cfg, fmt.Errorf("-shared %s: no bench/gen-text there: %w", cfg.shared, err)
	}
	return cfg, nil
}

// findRepo returns the nearest directory at or above the working directory
// that holds a go.mod.
func findRepo() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the repository (no go.mod above the working directory)")
		}
		dir = parent
	}
}
