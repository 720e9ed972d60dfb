package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"spindle/bench/internal/harness"
	"testing"
	"time"
)

// answers are the reference answers' files by query.
var answers = map[string]string{"q1": "q1.tsv", "nation-revenue": "nation_year_revenue.tsv"}

// sharedTree returns the shared benchmark tree next to the repository, or
// skips the test.
func sharedTree(t *testing.T, sub string) string {
	t.Helper()
	shared, _ := filepath.Abs("../../../shared")
	if _, err := os.Stat(filepath.Join(shared, sub)); err != nil {
		t.Skip("no shared benchmark tree:", err)
	}
	return shared
}

// checkAnswers runs a contender's binary (plain or duckrun) on dir for
// both queries and compares its output with the SF 0.01 answers.
func checkAnswers(t *testing.T, bin, dir, answerDir string) {
	t.Helper()
	for q, file := range answers {
		out := filepath.Join(t.TempDir(), q+".tsv")
		if msg, err := exec.Command(bin, "-input", dir, "-query", q, "-out", out).CombinedOutput(); err != nil {
			t.Fatalf("%s -query %s: %v\n%s", bin, q, err, msg)
		}
		got, err1 := os.ReadFile(out)
		want, err2 := os.ReadFile(filepath.Join(answerDir, file))
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		if err := harness.CompareOutputs(got, want); err != nil {
			t.Errorf("%s -query %s: %v", filepath.Base(bin), q, err)
		}
	}
}

// TestPlainAnswers checks that plain reproduces the SF 0.01 answers byte
// for byte.
func TestPlainAnswers(t *testing.T) {
	shared := sharedTree(t, "data/tpch-sf0.01")
	bin := filepath.Join(t.TempDir(), "plain")
	if err := goBuild(t.Context(), "../..", bin, "./bench/etlbench/plain"); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(shared, "data", "tpch-sf0.01")
	checkAnswers(t, bin, data, filepath.Join(data, "answers"))
}

// TestDuckrunAnswers does the same for duckrun. Its first build fetches
// DuckDB's static library (about 130 MB) and takes a minute, so it runs
// only with ETLBENCH_DUCKDB=1.
func TestDuckrunAnswers(t *testing.T) {
	if os.Getenv("ETLBENCH_DUCKDB") != "1" {
		t.Skip("set ETLBENCH_DUCKDB=1 to build and check duckrun")
	}
	shared := sharedTree(t, "data/tpch-sf0.01")
	bin := filepath.Join(t.TempDir(), "duckrun")
	if err := goBuild(t.Context(), "duckrun", bin, ".", "CGO_ENABLED=1"); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(shared, "data", "tpch-sf0.01")
	checkAnswers(t, bin, data, filepath.Join(data, "answers"))
}

// TestSQLCopies checks that duckrun's SQL is still the shared answers'.
func TestSQLCopies(t *testing.T) {
	shared := sharedTree(t, "data/tpch-sf0.01/answers")
	for q, file := range sqlFiles {
		got, err1 := os.ReadFile(filepath.Join("duckrun", "sql", file))
		want, err2 := os.ReadFile(filepath.Join(shared, "data", "tpch-sf0.01", "answers", file))
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: duckrun/sql/%s differs from the shared answers' copy", q, file)
		}
	}
}

// TestEnsureData generates SF 0.01 with the shared tpch-gen, finds it
// cached the second time, and checks it is the shared SF 0.01 data.
func TestEnsureData(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs tpch-gen")
	}
	shared := sharedTree(t, "bench/tpch-gen")
	cache := t.TempDir()
	dir, err := ensureData(t.Context(), shared, cache, 0.01)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(cache, "tpch-sf0.01"); dir != want {
		t.Errorf("dir: got %s, want %s", dir, want)
	}
	stamp := time.Now().Add(-time.Hour)
	os.Chtimes(filepath.Join(dir, "lineitem.tbl"), stamp, stamp)
	if again, err := ensureData(t.Context(), shared, cache, 0.01); err != nil || again != dir {
		t.Errorf("cached: got %q, %v; want %q", again, err, dir)
	}
	if fi, err := os.Stat(filepath.Join(dir, "lineitem.tbl")); err != nil || !fi.ModTime().Equal(stamp) {
		t.Errorf("cached lineitem.tbl was rewritten (%v)", err)
	}
	for _, tbl := range tables {
		got, err1 := os.ReadFile(filepath.Join(dir, tbl+".tbl"))
		want, err2 := os.ReadFile(filepath.Join(shared, "data", "tpch-sf0.01", tbl+".tbl"))
		if err2 != nil {
			continue // no shared copy to compare with
		}
		if err1 != nil || !bytes.Equal(got, want) {
			t.Errorf("%s.tbl: got %d bytes (%v), want the shared copy's %d", tbl, len(got), err1, len(want))
		}
	}
}
