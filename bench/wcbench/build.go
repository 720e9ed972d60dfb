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
	wcRef, wcPar, spindle, wordcount string
}

// buildAll builds the baselines (separate modules in the shared tree) and
// this repository's CLI and word-count job into dir.
func buildAll(ctx context.Context, cfg config, dir string) (binaries, error) {
	b := binaries{
		wcRef:     filepath.Join(dir, "wc-ref"),
		wcPar:     filepath.Join(dir, "wc-par"),
		spindle:   filepath.Join(dir, "spindle"),
		wordcount: filepath.Join(dir, "wordcount"),
	}
	steps := []struct {
		dir, out, pkg string
	}{
		{filepath.Join(cfg.shared, "bench", "wc-ref"), b.wcRef, "."},
		{filepath.Join(cfg.shared, "bench", "wc-par"), b.wcPar, "."},
	}
	if !cfg.noSpindle {
		steps = append(steps,
			struct{ dir, out, pkg string }{cfg.repo, b.spindle, "./cmd/spindle"},
			struct{ dir, out, pkg string }{cfg.repo, b.wordcount, "./jobs/wordcount"})
	}
	for _, s := range steps {
		if err := goBuild(ctx, s.dir, s.out, s.pkg); err != nil {
			return b, err
		}
	}
	return b, nil
}

// goBuild runs go build -o out pkg in dir, with workspaces off so that the
// shared tree's modules build on their own.
func goBuild(ctx context.Context, dir, out, pkg string) error {
	fmt.Fprintf(os.Stderr, "wcbench: building %s in %s\n", pkg, dir)
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("wcbench: go build %s in %s: %w\n%s", pkg, dir, err, msg)
	}
	return nil
}
