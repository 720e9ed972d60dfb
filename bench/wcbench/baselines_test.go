package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestCorpusAndBaselines generates a small corpus with the shared gen-text,
// builds and runs both baselines through measure and checks that their
// outputs agree. It needs the shared benchmark tree next to the repository.
func TestCorpusAndBaselines(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the shared baselines")
	}
	shared, _ := filepath.Abs("../../../shared")
	if _, err := os.Stat(filepath.Join(shared, "bench", "gen-text")); err != nil {
		t.Skip("no shared benchmark tree:", err)
	}
	cache := t.TempDir()
	corpus, err := ensureCorpus(t.Context(), shared, cache, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := ensureCorpus(t.Context(), shared, cache, 1<<20); err != nil || again != corpus {
		t.Errorf("cached corpus: got %q, %v; want %q", again, err, corpus)
	}
	work := t.TempDir()
	bins, err := buildAll(t.Context(), config{shared: shared, noSpindle: true}, work)
	if err != nil {
		t.Fatal(err)
	}
	cfg := config{noSpindle: true, parWorkers: 2}
	progs := programs(cfg, bins, corpus, work)
	if err := runRounds(t.Context(), progs, 2, work); err != nil {
		t.Fatal(err)
	}
	for _, p := range progs {
		if len(p.result.times) != 2 || p.result.peak <= 0 {
			t.Errorf("%s: got %d times and peak %d, want 2 times and a positive peak", p.name, len(p.result.times), p.result.peak)
		}
	}
	out, err := os.ReadFile(progs[0].out)
	if err != nil || len(out) == 0 {
		t.Errorf("wc-ref output: got %d bytes, %v; want some", len(out), err)
	}
}
