package integration

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestStreamWindowedCount runs jobs/streamdemo (a generated stream counted
// per key in tumbling windows, checkpointed every second) on a local
// cluster of separate processes and compares its committed output with a
// plain count of the same events.
func TestStreamWindowedCount(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	const events = 300_000
	r := spindle(t, 3*time.Minute, "run", "--workers", "2", "../jobs/streamdemo", "--",
		"--output", out, "--events", fmt.Sprint(events))
	if r.code != 0 {
		t.Fatalf("exit %d\nstderr: %s", r.code, tail(r.stderr, 30))
	}
	got, want := outputLines(t, out), streamCounts(events)
	if !slices.Equal(got, want) {
		t.Fatalf("output differs: %d lines, want %d (first got %v, want %v)", len(got), len(want), got[:min(3, len(got))], want[:min(3, len(want))])
	}
}
