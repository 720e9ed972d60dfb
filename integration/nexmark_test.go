package integration

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"spindle/internal/nexmark"
)

// nexmarkBin builds jobs/nexmark once.
var nexmarkBin = sync.OnceValues(func() (string, error) {
	bin := filepath.Join(filepath.Dir(spindleBin), "nexmark")
	if out, err := exec.Command("go", "build", "-o", bin, "../jobs/nexmark").CombinedOutput(); err != nil {
		return "", fmt.Errorf("build jobs/nexmark: %v\n%s", err, out)
	}
	return bin, nil
})

// nexmarkReference is the plain reference's output of query over the
// first events of the default stream, sorted.
func nexmarkReference(t *testing.T, query string, events int64) []string {
	t.Helper()
	cfg := nexmark.DefaultConfig()
	cfg.Events = events
	var want []string
	if err := nexmark.Reference(query, cfg, func(line string) { want = append(want, line) }); err != nil {
		t.Fatal(err)
	}
	slices.Sort(want)
	return want
}

// TestNexmark runs Nexmark queries as streaming jobs over a bounded
// generator on 3 workers (for 2 s, rate-limited, with checkpoints every
// 200 ms, so that windows are open across checkpoints), and compares
// each committed output with the plain single-goroutine reference on
// the same events, line for line.
func TestNexmark(t *testing.T) {
	bin, err := nexmarkBin()
	if err != nil {
		t.Fatal(err)
	}
	c := startCluster(t, 3)
	const events = 200_000 // 20 s of event time: a few windows of each query
	for _, q := range []string{"q5", "q7", "q8", "q3", "q4", "q2"} {
		t.Run(q, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			r := spindle(t, 2*time.Minute, "submit", "--coordinator", c.url, bin, "--",
				"--query", q, "--events", fmt.Sprint(events), "--output", out, "--parallelism", "3", "--rate", "100000", "--checkpoint-every", "200ms")
			if r.code != 0 {
				t.Fatalf("exit %d\nstdout: %s\nstderr: %s", r.code, tail(r.stdout, 2000), tail(r.stderr, 3000))
			}
			got, want := outputLines(t, out), nexmarkReference(t, q, events)
			if len(want) == 0 {
				t.Fatalf("the reference of %s is empty: the test checks nothing", q)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("%s output differs from the reference: %s", q, diffLines(got, want))
			}
			app := strings.SplitN(r.stdout, "\n", 2)[0]
			if st := c.status(t, app); st.Stream == nil || st.Stream.Completed == 0 {
				t.Errorf("%s: no checkpoint completed (stream report %+v)", q, st.Stream)
			}
		})
	}
}
