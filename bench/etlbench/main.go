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
	"strings"
	"time"
)

// queryNames are the benchmark's queries, in the order -query all runs
// them: the names plain, duckrun and the Spindle job take.
var queryNames = []string{"q1", "nation-revenue"}

// config is what the flags ask for.
type config struct {
	sf               float64
	workers          int
	runs             int
	queries          []string
	shared           string // the shared benchmark tree
	repo             string // this repository's root
	cache            string // generated-data cache directory
	keep             bool
	noSpindle        bool
	spindleArgs      []string // extra flags of spindle run
	duckdb           string   // auto, cli or off
	duckBuildTimeout time.Duration
}

// errMismatch marks a benchmark whose outputs differ.
var errMismatch = harness.ErrMismatch

func main() {
	cfg, err := parseFlags()
	if err != nil {
		fmt.Fprintln(os.Stderr, "etlbench:", err)
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
	flag.Float64Var(&cfg.sf, "sf", 1, "TPC-H scale factor")
	flag.IntVar(&cfg.workers, "workers", 2, "workers of the local Spindle cluster")
	flag.IntVar(&cfg.runs, "runs", 1, "rounds to run; the tables show the median and the best")
	query := flag.String("query", "all", "all, q1 or nation-revenue")
	flag.StringVar(&cfg.shared, "shared", "", "the shared benchmark tree (default: ../shared next to the repository)")
	flag.StringVar(&cfg.cache, "cache", filepath.Join(os.TempDir(), "spindle-etlbench"), "generated-data cache directory")
	flag.BoolVar(&cfg.keep, "keep", false, "keep the work directory (binaries, outputs, logs)")
	flag.BoolVar(&cfg.noSpindle, "no-spindle", false, "run the baselines only")
	spindleArgs := flag.String("spindle-args", "", `extra flags of spindle run, e.g. "--task-memory 512MiB"`)
	flag.StringVar(&cfg.duckdb, "duckdb", "auto", "auto (build duckrun, else a duckdb on PATH), cli (duckdb on PATH only) or off")
	flag.DurationVar(&cfg.duckBuildTimeout, "duckdb-build-timeout", 10*time.Minute, "give up building duckrun after this long")
	flag.Parse()
	if flag.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments %q", flag.Args())
	}
	switch {
	case *query == "all":
		cfg.queries = queryNames
	case *query == "q1" || *query == "nation-revenue":
		cfg.queries = []string{*query}
	default:
		return cfg, fmt.Errorf("-query %q: want all, q1 or nation-revenue", *query)
	}
	if cfg.duckdb != "auto" && cfg.duckdb != "cli" && cfg.duckdb != "off" {
		return cfg, fmt.Errorf("-duckdb %q: want auto, cli or off", cfg.duckdb)
	}
	if cfg.runs < 1 || cfg.workers < 1 || !(cfg.sf > 0) {
		return cfg, errors.New("-runs and -workers must be at least 1, -sf above 0")
	}
	cfg.spindleArgs = strings.Fields(*spindleArgs)
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
	if _, err := os.Stat(filepath.Join(cfg.shared, "bench", "tpch-gen")); err != nil {
		return cfg, fmt.Errorf("-shared %s: no bench/tpch-gen there: %w", cfg.shared, err)
	}
	return cfg, nil
}

// findRepo returns the nearest directory at or above the working directory
// whose go.mod is the spindle module's (duckrun's nested one is not).
func findRepo() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && strings.HasPrefix(string(b), "module spindle\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the repository (no spindle go.mod above the working directory)")
		}
		dir = parent
	}
}
