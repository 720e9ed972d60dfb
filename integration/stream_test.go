package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
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
	if _, err := os.Stat(filepath.Join(out, "_SUCCESS")); err != nil {
		t.Fatal("no _SUCCESS")
	}
	var got []string
	parts, _ := filepath.Glob(filepath.Join(out, "part-*"))
	for _, p := range parts {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, strings.Fields(strings.ReplaceAll(string(data), "\t", ","))...)
	}
	counts := map[[2]int64]int64{} // the job's events: key n%7 at time base+n ms
	for n := int64(0); n < events; n++ {
		ts := 1_700_000_000_000 + n
		counts[[2]int64{ts - ts%1000, n % 7}]++
	}
	var want []string
	for k, c := range counts {
		want = append(want, fmt.Sprintf("%d,%d,%d", k[0], k[1], c))
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("output differs: %d lines, want %d (first got %v, want %v)", len(got), len(want), got[:min(3, len(got))], want[:min(3, len(want))])
	}
}
