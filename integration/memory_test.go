package integration

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"spindle/internal/proto"
)

// A task far above its memory grant is killed by its worker, and the
// application's status says so on the container.
func TestTaskOverItsMemoryIsKilled(t *testing.T) {
	hog := testJob(t, "hog")
	c := startCluster(t, 1)
	out := filepath.Join(t.TempDir(), "out")
	r := spindle(t, time.Minute, "submit", "--detach", "--coordinator", c.url, "--task-memory", "64MiB", hog, "--",
		"--input", "../testdata/wordcount/english-crlf.txt", "--output", out, "--hold", "512MiB")
	if r.code != 0 {
		t.Fatalf("submit --detach: exit %d: %s", r.code, r.stderr)
	}
	app := strings.TrimSpace(r.stdout)
	var killed proto.Container
	c.waitFor(t, 30*time.Second, "a container killed for its memory", func() bool {
		for _, ctr := range c.status(t, app).Containers {
			if strings.Contains(ctr.Error, "resident memory") {
				killed = ctr
				return true
			}
		}
		return false
	})
	t.Logf("killed: %+v", killed)
	want := "exceeded the 64 MiB grant (limit 128 MiB)"
	if killed.Role != proto.RoleExecutor || killed.State != proto.ContainerExited ||
		!strings.HasPrefix(killed.Error, "killed by worker worker-0: resident memory ") ||
		!strings.HasSuffix(killed.Error, want) || killed.PeakRSS <= 128<<20 {
		t.Errorf("killed container = %+v, want an executor whose error ends %q, with its peak", killed, want)
	}
	if k := spindle(t, 30*time.Second, "kill", app, "--coordinator", c.url); k.code != 0 {
		t.Errorf("kill: exit %d: %s", k.code, k.stderr)
	}
}
