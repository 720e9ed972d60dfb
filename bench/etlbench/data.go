package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
)

// tables are the .tbl files the queries read.
var tables = []string{"lineitem", "orders", "customer", "nation"}

// ensureData returns the directory of the TPC-H tables at scale factor sf
// in cache, generating them with the shared tpch-gen unless a complete
// copy is there. The directory appears under its final name only when
// complete.
func ensureData(ctx context.Context, shared, cache string, sf float64) (string, error) {
	dir := filepath.Join(cache, "tpch-sf"+strconv.FormatFloat(sf, 'g', -1, 64))
	if hasTables(dir) {
		fmt.Fprintln(os.Stderr, "etlbench: using cached tables", dir)
		return dir, nil
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return "", err
	}
	gen := filepath.Join(cache, "tpch-gen")
	if err := goBuild(ctx, filepath.Join(shared, "bench", "tpch-gen"), gen, "."); err != nil {
		return "", err
	}
	tmp := dir + ".partial"
	if err := os.RemoveAll(tmp); err != nil {
		return "", err
	}
	fmt.Fprintf(os.Stderr, "etlbench: generating TPC-H SF %g into %s\n", sf, dir)
	cmd := exec.CommandContext(ctx, gen, "-sf", strconv.FormatFloat(sf, 'g', -1, 64), "-dir", tmp)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("etlbench: tpch-gen: %w\n%s", err, msg)
	}
	if !hasTables(tmp) {
		return "", fmt.Errorf("etlbench: tpch-gen left %s without all of %v", tmp, tables)
	}
	if err := os.RemoveAll(dir); err != nil {
		return "", err
	}
	return dir, os.Rename(tmp, dir)
}

// hasTables reports whether dir holds a non-empty .tbl file of every table.
func hasTables(dir string) bool {
	for _, t := range tables {
		if fi, err := os.Stat(filepath.Join(dir, t+".tbl")); err != nil || fi.Size() == 0 {
			return false
		}
	}
	return true
}
