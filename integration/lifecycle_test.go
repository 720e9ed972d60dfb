package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"spindle/internal/proto"
)

// testJobs holds, by name, the build of each test job in testdata/jobs,
// done once.
var testJobs sync.Map // name → func() (string, error)

// testJob returns the binary of the test job testdata/jobs/name, built
// the first time it is asked for.
func testJob(t *testing.T, name string) string {
	t.Helper()
	build, _ := testJobs.LoadOrStore(name, sync.OnceValues(func() (string, error) {
		bin := filepath.Join(filepath.Dir(spindleBin), name)
		out, err := exec.Command("go", "build", "-o", bin, "./testdata/jobs/"+name).CombinedOutput()
		if err != nil {
			return "", fmt.Errorf("build test job %s: %v\n%s", name, err, out)
		}
		return bin, nil
	}))
	bin, err := build.(func() (string, error))()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

func faultyBin(t *testing.T) string { return testJob(t, "faulty") }

// A task that panics every time fails the job after its attempts, and the
// failure names the task and the panic.
func TestFailingTaskFailsJob(t *testing.T) {
	c := startCluster(t, 2)
	out := filepath.Join(t.TempDir(), "out")
	r := spindle(t, 2*time.Minute, "submit", "--coordinator", c.url, faultyBin(t), "--",
		"--input", "../testdata/wordcount/english-crlf.txt", "--output", out, "--fail-on", "Tom")
	if r.code != 1 {
		t.Fatalf("submit of a failing job: exit %d, want 1\nstderr: %s", r.code, r.stderr)
	}
	app := strings.SplitN(r.stdout, "\n", 2)[0]
	st := c.status(t, app)
	if st.State != proto.StateFailed {
		t.Fatalf("state %s, want FAILED", st.State)
	}
	for _, want := range []string{"s0-t0", "failed 4 times", "found Tom"} {
		if !strings.Contains(st.Diagnostics, want) {
			t.Errorf("diagnostics %q do not mention %q", st.Diagnostics, want)
		}
	}
	if !strings.Contains(r.stderr, "FAILED") {
		t.Errorf("submit's stderr does not say the job failed: %s", r.stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "_SUCCESS")); err == nil {
		t.Errorf("a failed job wrote _SUCCESS")
	}
}

// Killing a running application stops its containers and ends the
// waiting submit with exit code 1.
func TestKill(t *testing.T) {
	c := startCluster(t, 2)
	out := filepath.Join(t.TempDir(), "out")
	r := spindle(t, time.Minute, "submit", "--detach", "--coordinator", c.url, faultyBin(t), "--",
		"--input", "../testdata/wordcount/large-lf.txt", "--output", out, "--map-sleep", "10ms")
	if r.code != 0 {
		t.Fatalf("submit --detach: exit %d: %s", r.code, r.stderr)
	}
	app := strings.TrimSpace(r.stdout)
	c.waitFor(t, 30*time.Second, "a running task", func() bool {
		for _, a := range c.status(t, app).Tasks {
			if a.State == proto.AttemptRunning {
				return true
			}
		}
		return false
	})
	if len(processesUnder(t, c.dir)) == 0 {
		t.Fatalf("no container process found under %s while the job runs", c.dir)
	}
	k := spindle(t, 30*time.Second, "kill", app, "--coordinator", c.url)
	if k.code != 0 || !strings.Contains(k.stdout, proto.StateKilled) {
		t.Fatalf("kill: exit %d, stdout %q, stderr %q", k.code, k.stdout, k.stderr)
	}
	c.waitFor(t, 20*time.Second, "every container to stop", func() bool {
		for _, ctr := range c.status(t, app).Containers {
			if ctr.State == proto.ContainerRunning {
				return false
			}
		}
		return true
	})
	c.waitFor(t, 20*time.Second, "the container processes to exit", func() bool {
		return len(processesUnder(t, c.dir)) == 0
	})
	if st := c.status(t, app); st.State != proto.StateKilled {
		t.Errorf("state after kill: %s, want KILLED", st.State)
	}
	if _, err := os.Stat(filepath.Join(out, "_SUCCESS")); err == nil {
		t.Errorf("a killed job wrote _SUCCESS")
	}
}

// processesUnder returns the PIDs of processes whose executable lies in
// dir: the containers a worker started from its binary cache there.
func processesUnder(t *testing.T, dir string) []string {
	t.Helper()
	var pids []string
	for pid, cmdline := range cmdlines(t) {
		if strings.HasPrefix(cmdline, dir) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// cmdlines maps the PIDs of running processes to their command lines,
// arguments separated by NULs. It skips the test without /proc.
func cmdlines(t *testing.T) map[string]string {
	t.Helper()
	paths, err := filepath.Glob("/proc/[0-9]*/cmdline")
	if err != nil || len(paths) == 0 {
		t.Skip("no /proc to look for processes in")
	}
	m := make(map[string]string, len(paths))
	for _, p := range paths {
		if data, err := os.ReadFile(p); err == nil { // else it has exited
			m[filepath.Base(filepath.Dir(p))] = string(data)
		}
	}
	return m
}

// A job that builds a different pipeline in its executors than in its job
// master fails with a fingerprint error, not with wrong output.
func TestFingerprintMismatchFailsJob(t *testing.T) {
	bin := testJob(t, "mismatch")
	c := startCluster(t, 1)
	out := filepath.Join(t.TempDir(), "out")
	r := spindle(t, 2*time.Minute, "submit", "--coordinator", c.url, bin, "--",
		"--input", "../testdata/wordcount/unicode.txt", "--output", out)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1; stderr: %s", r.code, r.stderr)
	}
	st := c.status(t, strings.SplitN(r.stdout, "\n", 2)[0])
	if !strings.Contains(st.Diagnostics, "fingerprint mismatch") {
		t.Errorf("diagnostics %q do not name the fingerprint mismatch", st.Diagnostics)
	}
}
