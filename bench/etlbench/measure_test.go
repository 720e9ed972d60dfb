//go:build linux

package main

import (
	"strings"
	"testing"
	"time"
)

// measure times its program and samples its tree: the memory figures
// themselves are tested in bench/internal/proctree.
func TestMeasure(t *testing.T) {
	dir := t.TempDir()
	m, err := measure(t.Context(), []string{"sh", "-c", "sleep 0.5"}, dir+"/log")
	if err != nil {
		t.Fatal(err)
	}
	if m.Elapsed < 500*time.Millisecond || m.Peak.Sum <= 0 || m.Peak.Procs < 1 {
		t.Errorf("measure = %+v, want at least 0.5 s and a sampled process", m)
	}
	if _, err := measure(t.Context(), []string{"sh", "-c", "echo boom >&2; exit 3"}, dir+"/log2"); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("failing program: got %v, want an error with its log", err)
	}
}
