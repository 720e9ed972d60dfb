package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"spindle/internal/proto"
)

// Binaries built once by TestMain.
var (
	spindleBin   string
	wordcountBin string
)

func TestMain(m *testing.M) {
	trackSources()
	dir, err := os.MkdirTemp("", "spindle-it-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	spindleBin = filepath.Join(dir, "spindle")
	wordcountBin = filepath.Join(dir, "wordcount")
	for bin, pkg := range map[string]string{spindleBin: "../cmd/spindle", wordcountBin: "../jobs/wordcount"} {
		out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput()
		if err != nil {
			fmt.Fprintf(os.Stderr, "build %s: %v\n%s", pkg, err, out)
			os.Exit(1)
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// trackSources opens every source file of the module. The binaries are
// built by a go build subprocess, which go test's result cache cannot see:
// opening the sources here makes them part of the cached result's key, so
// a change anywhere in the module runs these tests again.
func trackSources() {
	filepath.WalkDir("..", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if ext := filepath.Ext(path); ext == ".go" || ext == ".mod" || ext == ".sum" {
			if f, err := os.Open(path); err == nil {
				f.Close()
			}
		}
		return nil
	})
}

// result is how a CLI command ended.
type result struct {
	code           int
	stdout, stderr string
}

// spindle runs the CLI to completion with a deadline.
func spindle(t *testing.T, timeout time.Duration, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, spindleBin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("spindle %s: no end within %v\nstderr: %s", strings.Join(args, " "), timeout, errb.String())
	}
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("spindle %s: %v", strings.Join(args, " "), err)
	}
	return result{code, out.String(), errb.String()}
}

// cluster is a coordinator and workers running as separate processes.
type cluster struct {
	url             string
	dir             string
	workers         []*exec.Cmd
	coordinatorArgs []string // extra flags of the coordinator
}

// freePort returns a loopback port that was free a moment ago.
// jetStream connects to the cluster at url; done closes the connection.
func jetStream(t *testing.T, url string) (js jetstream.JetStream, done func()) {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	if js, err = jetstream.New(nc); err != nil {
		nc.Close()
		t.Fatal(err)
	}
	return js, nc.Close
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startCluster starts a coordinator and n workers and waits until the
// coordinator lists every worker as running. Everything is stopped when
// the test ends.
func startCluster(t *testing.T, n int) *cluster {
	t.Helper()
	return startClusterWith(t, n)
}

// startClusterWith is startCluster with extra coordinator flags.
func startClusterWith(t *testing.T, n int, coordinatorArgs ...string) *cluster {
	t.Helper()
	c := &cluster{dir: t.TempDir(), coordinatorArgs: coordinatorArgs}
	c.url = fmt.Sprintf("nats://127.0.0.1:%d", freePort(t))
	c.startCoordinator(t, "coordinator")
	c.waitFor(t, 20*time.Second, "the coordinator to answer", func() bool {
		return spindle(t, 10*time.Second, "nodes", "--coordinator", c.url).code == 0
	})
	for i := range n {
		c.workers = append(c.workers, c.startWorker(t, i, ""))
	}
	c.waitFor(t, 20*time.Second, fmt.Sprintf("%d running workers", n), func() bool {
		return len(c.nodes(t, proto.NodeRunning)) == n
	})
	return c
}

// startCoordinator starts the coordinator on c.url with its data in
// c.dir/coordinator (the same every time: a restart resumes), logging to
// name.log.
func (c *cluster) startCoordinator(t *testing.T, name string) *proc {
	args := []string{"coordinator", "--listen", strings.TrimPrefix(c.url, "nats://"),
		"--http", "", "--data-dir", filepath.Join(c.dir, "coordinator")}
	return c.startProc(t, name, append(args, c.coordinatorArgs...)...)
}

// startWorker starts worker i (ID worker-i, data in c.dir/worker-i); a
// restart passes a suffix for its log's name.
func (c *cluster) startWorker(t *testing.T, i int, logSuffix string) *exec.Cmd {
	id := fmt.Sprintf("worker-%d", i)
	return c.start(t, id+logSuffix, "worker", "--coordinator", c.url, "--id", id,
		"--data-dir", filepath.Join(c.dir, id), "--vcores", "2", "--memory", "4GiB")
}

// start launches one long-running spindle process, logging to a file that
// the test prints if it fails.
func (c *cluster) start(t *testing.T, name string, args ...string) *exec.Cmd {
	t.Helper()
	return c.startProc(t, name, args...).cmd
}

// proc is a spindle process started by startProc.
type proc struct {
	cmd  *exec.Cmd
	log  string        // path of its stdout and stderr
	done chan struct{} // closed once it has exited: cmd.ProcessState is set
}

// stop interrupts p and waits for it to exit, failing the test after d.
func (p *proc) stop(t *testing.T, d time.Duration) {
	t.Helper()
	p.cmd.Process.Signal(os.Interrupt)
	p.wait(t, d)
}

// wait waits for p to exit and returns its exit code, failing the test
// after d.
func (p *proc) wait(t *testing.T, d time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(d):
		t.Fatalf("%s did not exit within %v", p.log, d)
		return 0
	}
}

// logged reports whether p's log contains s.
func (p *proc) logged(s string) bool { return fileContains(p.log, s) }

// fileContains reports whether the file at path contains s.
func fileContains(path, s string) bool {
	data, _ := os.ReadFile(path)
	return strings.Contains(string(data), s)
}

// startProc is start, returning the process's proc.
func (c *cluster) startProc(t *testing.T, name string, args ...string) *proc {
	t.Helper()
	logPath := filepath.Join(c.dir, name+".log")
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(spindleBin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); logf.Close(); close(done) }()
	p := &proc{cmd: cmd, log: logPath, done: done}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			data, _ := os.ReadFile(logPath)
			t.Logf("--- %s log ---\n%s", name, tail(string(data), 12000))
		}
	})
	return p
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// nodes returns the IDs of the workers in the given state.
func (c *cluster) nodes(t *testing.T, state string) []string {
	t.Helper()
	r := spindle(t, 10*time.Second, "nodes", "--json", "--coordinator", c.url)
	if r.code != 0 {
		return nil
	}
	var nodes []proto.Node
	if err := json.Unmarshal([]byte(r.stdout), &nodes); err != nil {
		t.Fatalf("nodes --json: %v\n%s", err, r.stdout)
	}
	var ids []string
	for _, n := range nodes {
		if n.State == state {
			ids = append(ids, n.ID)
		}
	}
	return ids
}

// status returns an application's record.
func (c *cluster) status(t *testing.T, app string) proto.App {
	t.Helper()
	a, err := c.tryStatus(t, app)
	if err != "" {
		t.Fatal(err)
	}
	return a
}

// tryStatus is status, returning why it failed instead of failing the
// test: a coordinator failing over does not answer for seconds.
func (c *cluster) tryStatus(t *testing.T, app string) (proto.App, string) {
	t.Helper()
	var a proto.App
	r := spindle(t, 10*time.Second, "status", app, "--json", "--coordinator", c.url)
	if r.code != 0 {
		return a, fmt.Sprintf("status %s: exit %d: %s", app, r.code, r.stderr)
	}
	if err := json.Unmarshal([]byte(r.stdout), &a); err != nil {
		t.Fatalf("status --json: %v\n%s", err, r.stdout)
	}
	return a, ""
}

// waitFor polls cond until it holds or the deadline passes.
func (c *cluster) waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
