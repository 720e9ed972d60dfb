package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// binaries are the programs built before any timing.
type binaries struct {
	plain, spindle, etl string
	duck                duckDB
}

// buildAll builds the plain baseline, the DuckDB contender (or finds why
// it cannot run) and, unless -no-spindle, this repository's CLI and ETL
// job, all into dir.
func buildAll(ctx context.Context, cfg config, dir string) (binaries, error) {
	b := binaries{
		plain:   filepath.Join(dir, "plain"),
		spindle: filepath.Join(dir, "spindle"),
		etl:     filepath.Join(dir, "etl"),
	}
	if err := goBuild(ctx, cfg.repo, b.plain, "./bench/etlbench/plain"); err != nil {
		return b, err
	}
	if !cfg.noSpindle {
		if err := goBuild(ctx, cfg.repo, b.spindle, "./cmd/spindle"); err != nil {
			return b, err
		}
		if err := goBuild(ctx, cfg.repo, b.etl, "./jobs/etl"); err != nil {
			return b, fmt.Errorf("%w\n(-no-spindle runs the baselines alone)", err)
		}
	}
	b.duck = setupDuckDB(ctx, cfg, dir)
	return b, nil
}

// goBuild runs go build -o out pkg in dir, with workspaces off so that the
// shared tree's modules and duckrun build on their own; env is added to
// the environment.
func goBuild(ctx context.Context, dir, out, pkg string, env ...string) error {
	fmt.Fprintf(os.Stderr, "etlbench: building %s in %s\n", pkg, dir)
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "GOWORK=off"), env...)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("etlbench: go build %s in %s: %w\n%s", pkg, dir, err, msg)
	}
	return nil
}
