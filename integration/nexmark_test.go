package integration

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"spindle/internal/nexmark"
	"spindle/internal/proto"
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

// TestNexmarkFaults runs Nexmark queries rate-limited on 3 workers and
// hurts each mid-run, after committed output exists: SIGKILL of a worker
// running an executor (q5), of an executor (q7), of the job master (q8).
// The committed output must still equal the reference's exactly: nothing
// lost, nothing twice.
func TestNexmarkFaults(t *testing.T) {
	bin, err := nexmarkBin()
	if err != nil {
		t.Fatal(err)
	}
	// 400 000 events at 40 000 a second: a 10 s run over 40 s of event
	// time, so windows of every query close before and after the fault.
	const events, rate = 400_000, 40_000
	cases := []struct {
		query, fault string
		kill         func(t *testing.T, c *cluster, st proto.App)
	}{
		{"q5", "worker", func(t *testing.T, c *cluster, st proto.App) {
			c.signalWorker(t, executorWorker(t, st), syscall.SIGKILL)
		}},
		{"q7", "executor", func(t *testing.T, c *cluster, st proto.App) {
			syscall.Kill(runningExecutors(st)[0].PID, syscall.SIGKILL)
		}},
		{"q8", "job master", func(t *testing.T, c *cluster, st proto.App) {
			jm, ok := jobMaster(st)
			if !ok {
				t.Fatal("no running job master")
			}
			syscall.Kill(jm.PID, syscall.SIGKILL)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.query+"/kill-"+strings.ReplaceAll(tc.fault, " ", "-"), func(t *testing.T) {
			c := startCluster(t, 3)
			out := filepath.Join(t.TempDir(), "out")
			r := spindle(t, time.Minute, "submit", "--detach", "--coordinator", c.url, bin, "--",
				"--query", tc.query, "--events", fmt.Sprint(events), "--rate", fmt.Sprint(rate), "--output", out,
				"--parallelism", "2", "--checkpoint-every", "500ms")
			if r.code != 0 {
				t.Fatalf("submit: exit %d: %s", r.code, r.stderr)
			}
			j := streamJob{app: strings.TrimSpace(r.stdout), out: out, events: events}
			j.logOnFailure(t, c)
			st, before := j.checkpointed(t, c)
			killed := time.Now()
			tc.kill(t, c, st)
			epoch, running := j.restored(t, c, before, killed)
			t.Logf("SIGKILL of the %s: new epoch after %v, its first checkpoint complete after %v",
				tc.fault, epoch.Round(10*time.Millisecond), running.Round(10*time.Millisecond))
			c.waitFor(t, 90*time.Second, j.app+" to end", func() bool {
				st = c.status(t, j.app)
				return proto.Final(st.State)
			})
			if st.State != proto.StateFinished {
				t.Fatalf("%s ended %s: %s", j.app, st.State, st.Diagnostics)
			}
			if got, want := outputLines(t, out), nexmarkReference(t, tc.query, events); !slices.Equal(got, want) {
				t.Errorf("%s output after the fault differs from the reference: %s", tc.query, diffLines(got, want))
			}
			if st.Stream == nil || st.Stream.Restarts+st.MasterAttempts-1 < 1 {
				t.Errorf("no restart recorded (stream %+v, %d job master attempts)", st.Stream, st.MasterAttempts)
			}
		})
	}
}
