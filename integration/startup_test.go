package integration

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"spindle/internal/proto"
)

// TestStartupOrder starts the workers and a submit before their
// coordinator, as a script or a service manager may, and checks that they
// wait for it; then it restarts the coordinator and checks that the
// workers register again at once, not at their periodic re-registration.
func TestStartupOrder(t *testing.T) {
	c := &cluster{dir: t.TempDir()}
	c.url = fmt.Sprintf("nats://127.0.0.1:%d", freePort(t))
	for i := range 2 {
		c.workers = append(c.workers, c.startWorker(t, i, ""))
	}
	for i := range 2 {
		log := filepath.Join(c.dir, fmt.Sprintf("worker-%d.log", i))
		c.waitFor(t, 20*time.Second, log+" to show a retry", func() bool {
			return fileContains(log, "cannot reach NATS, retrying")
		})
	}
	out := filepath.Join(t.TempDir(), "out")
	submit := c.startProc(t, "submit", "submit", "--coordinator", c.url, "--connect-timeout", "2m", wordcountBin, "--",
		"--input", "../testdata/wordcount/*.txt", "--output", out)
	c.waitFor(t, 20*time.Second, "submit to show a retry", func() bool {
		return submit.logged("waiting for the coordinator: attempt 1:")
	})

	coord := c.startCoordinator(t, "coordinator")
	c.waitFor(t, 30*time.Second, "2 running workers", func() bool {
		return len(c.nodes(t, proto.NodeRunning)) == 2
	})
	if code := submit.wait(t, 3*time.Minute); code != 0 {
		t.Fatalf("submit started before the coordinator: exit %d", code)
	}
	got, want := outputLines(t, out), referenceCounts(t, fixtures(t))
	if !slices.Equal(got, want) {
		t.Errorf("word count differs from the reference: %s", diffLines(got, want))
	}

	coord.stop(t, 20*time.Second)
	c.startCoordinator(t, "coordinator-restarted")
	c.waitFor(t, 20*time.Second, "the restarted coordinator to answer", func() bool {
		return spindle(t, 10*time.Second, "nodes", "--coordinator", c.url).code == 0
	})
	// Well under the periodic re-registration (10 heartbeats of 1 s).
	start := time.Now()
	c.waitFor(t, 5*time.Second, "2 workers running again", func() bool {
		return len(c.nodes(t, proto.NodeRunning)) == 2
	})
	t.Logf("workers running %v after the restarted coordinator answered", time.Since(start).Round(10*time.Millisecond))
}
