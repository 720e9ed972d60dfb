package integration

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"spindle/internal/proto"
)

// "spindle up --nats-cluster 3" as a user runs it: it prints the URL of
// three coordinators, one leading; a job runs on it; it serves on after
// the loss of a coordinator; Ctrl-C takes the whole cluster down cleanly.
//
// The job runs first: a fresh cluster that has lost a node cannot yet
// create the R3 buckets every job needs. The loss may catch a worker
// copying a container's log to JetStream, a request that then waits for
// its timeout and keeps the worker from stopping: up kills it after 5 s.
func TestUpNATSCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a three-node cluster")
	}
	dir := t.TempDir()
	begin := time.Now()
	up := startUp(t, dir, "up", "--nats-cluster", "3", "--workers", "2", "--listen", "127.0.0.1:0", "--http", "", "--data-dir", dir)
	c := &cluster{url: up.firstLine(t, 2*time.Minute), dir: dir}
	started := time.Since(begin).Round(time.Millisecond)
	if n := strings.Count(c.url, "nats://127.0.0.1:"); n != 3 {
		t.Fatalf("up printed %q, want three loopback NATS URLs", c.url)
	}
	infos := checkThreeCoordinators(t, c)
	// A node lost before the first job: the shared buckets were made
	// when the cluster started, and the job's own shuffle stream, which
	// cannot be placed on three nodes now, is made with one copy. (Every
	// job failed, on creating a bucket with three copies, until the node
	// came back.)
	loseStandby(t, c, up, infos[len(infos)-1]) // the leader comes first
	upWordCount(t, c)

	if running := processesNaming(t, dir); len(running) < 4 {
		t.Errorf("processes naming %s while up runs: %q, want 2 coordinators and 2 workers", dir, running)
	}
	stopping := time.Now()
	up.cmd.Process.Signal(os.Interrupt)
	if code := up.wait(t, time.Minute); code != 0 {
		t.Errorf("up exited %d after SIGINT, want 0", code)
	}
	t.Logf("up took %v to start, %v to stop", started, time.Since(stopping).Round(time.Millisecond))
	c.waitFor(t, 10*time.Second, "no spindle processes left under "+dir, func() bool {
		left := processesNaming(t, dir)
		if len(left) > 0 {
			t.Logf("still running: %q", left)
		}
		return len(left) == 0
	})
}

// checkThreeCoordinators checks that a fresh HA cluster has coordinator-1
// to -3, one of them leading, and both workers, and returns what spindle
// coordinators says.
func checkThreeCoordinators(t *testing.T, c *cluster) []proto.CoordinatorInfo {
	t.Helper()
	infos := upCoordinators(t, c.url)
	var leaders, names []string
	for _, info := range infos {
		names = append(names, info.Name)
		if info.Role == proto.CoordLeader {
			leaders = append(leaders, info.Name)
		}
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"coordinator-1", "coordinator-2", "coordinator-3"}) || len(leaders) != 1 {
		t.Fatalf("coordinators %v with leaders %v, want coordinator-1 to -3 with one leader", names, leaders)
	}
	if running := c.nodes(t, proto.NodeRunning); len(running) != 2 {
		t.Errorf("running workers %v, want 2", running)
	}
	return infos
}

// loseStandby SIGKILLs a standby coordinator (and its NATS node): up logs
// it and serves on with the other two.
func loseStandby(t *testing.T, c *cluster, up *upProc, standby proto.CoordinatorInfo) {
	t.Helper()
	if p, err := os.FindProcess(standby.PID); standby.Role != proto.CoordStandby || err != nil || p.Signal(syscall.SIGKILL) != nil {
		t.Fatalf("cannot SIGKILL standby %+v: %v", standby, err)
	}
	c.waitFor(t, 10*time.Second, "up to log that "+standby.Name+" exited", func() bool {
		return up.logged(`msg="coordinator exited" coordinator=` + standby.Name)
	})
	if got := upCoordinators(t, c.url); len(got) != 2 || got[0].Role != proto.CoordLeader {
		t.Errorf("after the loss of %s, coordinators %+v, want a leader and a standby", standby.Name, got)
	}
	select {
	case <-up.done:
		t.Fatalf("up exited %d when %s died", up.cmd.ProcessState.ExitCode(), standby.Name)
	default:
	}
}

// upWordCount runs a small word count on c and checks its output.
func upWordCount(t *testing.T, c *cluster) {
	t.Helper()
	input := "../testdata/wordcount/english-crlf.txt"
	out := filepath.Join(t.TempDir(), "out")
	r := spindle(t, 3*time.Minute, "submit", "--coordinator", c.url, wordcountBin, "--", "--input", input, "--output", out)
	if r.code != 0 {
		t.Fatalf("submit: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	if parts, _ := filepath.Glob(filepath.Join(out, "part-*")); len(parts) == 0 {
		t.Errorf("no part files in %s", out)
	}
	if got, want := outputLines(t, out), referenceCounts(t, []string{input}); !slices.Equal(got, want) {
		t.Errorf("word count differs from the reference: %s", diffLines(got, want))
	}
}

// upCoordinators is what spindle coordinators --json says.
func upCoordinators(t *testing.T, url string) []proto.CoordinatorInfo {
	t.Helper()
	r := spindle(t, 10*time.Second, "coordinators", "--json", "--coordinator", url)
	if r.code != 0 {
		t.Fatalf("coordinators: exit %d: %s", r.code, r.stderr)
	}
	var infos []proto.CoordinatorInfo
	if err := json.Unmarshal([]byte(r.stdout), &infos); err != nil {
		t.Fatalf("coordinators --json: %v\n%s", err, r.stdout)
	}
	return infos
}

// upProc is a running "spindle up": its stdout is kept in memory, its
// stderr in DIR/../up.stderr.
type upProc struct {
	*proc
	stdout *lineWriter
}

// startUp starts spindle with args, to be interrupted by the test; it is
// killed if it outlives the test.
func startUp(t *testing.T, dir string, args ...string) *upProc {
	t.Helper()
	errPath := filepath.Join(t.TempDir(), "up.stderr")
	errf, err := os.Create(errPath)
	if err != nil {
		t.Fatal(err)
	}
	u := &upProc{stdout: newLineWriter()}
	cmd := exec.Command(spindleBin, args...)
	cmd.Stdout, cmd.Stderr = u.stdout, errf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	u.proc = &proc{cmd: cmd, log: errPath, done: make(chan struct{})}
	go func() { cmd.Wait(); errf.Close(); close(u.done) }()
	t.Cleanup(func() { u.cleanup(t, dir) })
	return u
}

// cleanup stops up if it still runs, and on failure prints its stderr
// and its coordinators' logs.
func (u *upProc) cleanup(t *testing.T, dir string) {
	u.cmd.Process.Signal(os.Interrupt)
	select {
	case <-u.done:
	case <-time.After(30 * time.Second):
		u.cmd.Process.Kill() // its children get SIGTERM from the kernel
		<-u.done
	}
	if !t.Failed() {
		return
	}
	logs, _ := filepath.Glob(filepath.Join(dir, "*.log"))
	for _, path := range append([]string{u.log}, logs...) {
		data, _ := os.ReadFile(path)
		t.Logf("--- %s ---\n%s", path, tail(string(data), 6000))
	}
}

// firstLine waits for the first line up prints on stdout.
func (u *upProc) firstLine(t *testing.T, d time.Duration) string {
	t.Helper()
	select {
	case line := <-u.stdout.first:
		return line
	case <-u.done:
		t.Fatalf("up exited %d before printing its URL", u.cmd.ProcessState.ExitCode())
	case <-time.After(d):
		t.Fatalf("up printed no URL within %v", d)
	}
	return ""
}

// lineWriter keeps what is written to it and sends the first line on
// first.
type lineWriter struct {
	first chan string // receives the first line, without its newline
	mu    sync.Mutex  // protects following fields
	buf   bytes.Buffer
	sent  bool
}

func newLineWriter() *lineWriter { return &lineWriter{first: make(chan string, 1)} }

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if line, _, ok := strings.Cut(w.buf.String(), "\n"); ok && !w.sent {
		w.sent = true
		w.first <- line
	}
	return len(p), nil
}

// processesNaming lists the command lines of running processes that
// name dir anywhere: a local cluster's workers and coordinators get their
// data directories under it, and containers run from its binary cache
// (processesUnder finds only those). It skips the test without /proc.
func processesNaming(t *testing.T, dir string) []string {
	t.Helper()
	var found []string
	for _, cmdline := range cmdlines(t) {
		if cmdline = strings.ReplaceAll(cmdline, "\x00", " "); strings.Contains(cmdline, dir) {
			found = append(found, cmdline)
		}
	}
	return found
}
