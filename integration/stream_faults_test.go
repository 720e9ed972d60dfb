package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"spindle/internal/proto"
)

// The streaming fault tests run jobs/streamdemo (a generated stream
// counted per key in tumbling windows) detached on a cluster of separate
// processes, hurt one process once a checkpoint is complete, and check
// that the job still ends FINISHED with output exactly equal to a plain
// count of the same events: nothing lost, nothing committed twice.
//
// Capacity: a worker has 2 vcores; the job master takes 1 and each of
// the P = 2 executors 1, so the job needs 3 vcores, and 4 are left after
// losing one of 3 workers.

var streamdemoBuild = sync.OnceValues(func() (string, error) {
	bin := filepath.Join(filepath.Dir(spindleBin), "streamdemo")
	out, err := exec.Command("go", "build", "-o", bin, "../jobs/streamdemo").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("build jobs/streamdemo: %v\n%s", err, out)
	}
	return bin, nil
})

func streamdemoBin(t *testing.T) string {
	t.Helper()
	bin, err := streamdemoBuild()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// streamJob is a submitted streamdemo run.
type streamJob struct {
	app, out string
	events   int64
}

// submitStream submits streamdemo detached, generating events at rate
// per second (0: unthrottled) with a checkpoint every 500 ms.
func submitStream(t *testing.T, c *cluster, events int64, rate int, extra ...string) streamJob {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out")
	args := []string{"submit", "--detach", "--coordinator", c.url, streamdemoBin(t), "--",
		"--output", out, "--events", fmt.Sprint(events), "--rate", fmt.Sprint(rate),
		"--parallelism", "2", "--checkpoint-every", "500ms"}
	r := spindle(t, time.Minute, append(args, extra...)...)
	if r.code != 0 {
		t.Fatalf("submit: exit %d: %s", r.code, r.stderr)
	}
	j := streamJob{app: strings.TrimSpace(r.stdout), out: out, events: events}
	j.logOnFailure(t, c)
	return j
}

// logOnFailure prints the job's container logs if the test fails (before
// the cluster stops).
func (j streamJob) logOnFailure(t *testing.T, c *cluster) {
	t.Cleanup(func() {
		if t.Failed() {
			logs := spindle(t, 20*time.Second, "logs", j.app, "--coordinator", c.url)
			t.Logf("--- %s logs ---\n%s", j.app, tail(logs.stdout, 12000))
		}
	})
}

// streamCounts is the plain reference of streamdemo: event n has key n%7
// and time base+n ms, counted per key and one-second window.
func streamCounts(events int64) []string {
	counts := map[[2]int64]int64{}
	for n := int64(0); n < events; n++ {
		ts := 1_700_000_000_000 + n
		counts[[2]int64{ts - ts%1000, n % 7}]++
	}
	var want []string
	for k, c := range counts {
		want = append(want, fmt.Sprintf("%d\t%d\t%d", k[0], k[1], c))
	}
	slices.Sort(want)
	return want
}

// finish waits for the job to end and checks that it finished with
// exactly the reference's output.
func (j streamJob) finish(t *testing.T, c *cluster) proto.App {
	t.Helper()
	var st proto.App
	c.waitFor(t, 90*time.Second, j.app+" to end", func() bool {
		var err string
		st, err = c.tryStatus(t, j.app) // the coordinator may be failing over
		return err == "" && proto.Final(st.State)
	})
	if st.State != proto.StateFinished {
		t.Fatalf("%s ended %s: %s", j.app, st.State, st.Diagnostics)
	}
	if got, want := outputLines(t, j.out), streamCounts(j.events); !slices.Equal(got, want) {
		t.Errorf("output differs from the plain count: %s", diffLines(got, want))
	}
	return st
}

// streamProgress is what the tests read of a running job's status.
type streamProgress struct {
	epoch, completed int
	maxID            int64 // the newest checkpoint triggered
}

func progressOf(st proto.App) (streamProgress, bool) {
	s := st.Stream
	if s == nil {
		return streamProgress{}, false
	}
	p := streamProgress{epoch: s.Epoch, completed: s.Completed}
	for _, ck := range s.Checkpoints {
		p.maxID = max(p.maxID, ck.ID)
	}
	return p, true
}

// checkpointed waits until the job runs with both executors, has
// completed a few checkpoints and committed output (so that a fault can
// duplicate it), and returns its status then.
func (j streamJob) checkpointed(t *testing.T, c *cluster) (proto.App, streamProgress) {
	t.Helper()
	var st proto.App
	var p streamProgress
	c.waitFor(t, 45*time.Second, "a complete checkpoint of "+j.app, func() bool {
		st = c.status(t, j.app)
		var ok bool
		p, ok = progressOf(st)
		if proto.Final(st.State) {
			t.Fatalf("%s ended %s before its first checkpoint (too short a run?)", j.app, st.State)
		}
		parts, _ := filepath.Glob(filepath.Join(j.out, "part-*"))
		return ok && p.completed >= 3 && len(parts) > 0 && len(runningExecutors(st)) == 2
	})
	return st, p
}

// executorWorker returns a worker that runs an executor of the
// application but not its job master.
func executorWorker(t *testing.T, st proto.App) string {
	t.Helper()
	for _, ctr := range runningExecutors(st) {
		if ctr.WorkerID != masterWorker(st) {
			return ctr.WorkerID
		}
	}
	t.Fatalf("every executor runs beside the job master on %s", masterWorker(st))
	return ""
}

// freeze stops a worker and its containers with SIGSTOP, as a machine
// that hangs, and returns the function that wakes them (once; it also
// runs when the test ends).
func (c *cluster) freeze(t *testing.T, worker string) (resume func()) {
	c.signalWorker(t, worker, syscall.SIGSTOP)
	var once sync.Once
	resume = func() { once.Do(func() { c.signalWorker(t, worker, syscall.SIGCONT) }) }
	t.Cleanup(resume)
	return resume
}

// runningExecutors are the application's running executor containers.
func runningExecutors(st proto.App) []proto.Container {
	var out []proto.Container
	for _, ctr := range st.Containers {
		if ctr.Role == proto.RoleExecutor && ctr.State == proto.ContainerRunning && ctr.PID > 0 {
			out = append(out, ctr)
		}
	}
	return out
}

// restored waits, after a fault at killed, until the job runs again: a
// later epoch than before with a checkpoint completed in it (a
// checkpoint newer than every one before the fault). It returns how long
// after the fault each was first seen.
func (j streamJob) restored(t *testing.T, c *cluster, before streamProgress, killed time.Time) (newEpoch, running time.Duration) {
	t.Helper()
	c.waitFor(t, 45*time.Second, j.app+" to run again after the fault", func() bool {
		st := c.status(t, j.app)
		if proto.Final(st.State) {
			return true // finish says how it ended
		}
		p, ok := progressOf(st)
		if !ok || p.epoch <= before.epoch {
			return false
		}
		if newEpoch == 0 {
			newEpoch = time.Since(killed)
		}
		for _, ck := range st.Stream.Checkpoints {
			if ck.ID > before.maxID && ck.State == proto.CheckpointCompleted {
				running = time.Since(killed)
				return true
			}
		}
		return false
	})
	return newEpoch, running
}

// 240 000 events at 20 000 a second: a 12 s run with a checkpoint every
// 500 ms, long enough to be hurt well after its first checkpoint.
const (
	faultEvents = 240_000
	faultRate   = 20_000
)

// SIGKILL of a worker (and of its containers, as if the machine died)
// that runs an executor of the job, but not its job master: the
// coordinator declares the worker lost, the job master restarts the
// execution on a new gang (the survivor and a replacement) from the last
// complete checkpoint.
func TestStreamKillWorker(t *testing.T) {
	c := startCluster(t, 3)
	j := submitStream(t, c, faultEvents, faultRate)
	st, before := j.checkpointed(t, c)
	victim := executorWorker(t, st)
	killed := time.Now()
	c.signalWorker(t, victim, syscall.SIGKILL)
	epoch, running := j.restored(t, c, before, killed)
	t.Logf("SIGKILL of %s (epoch %d, %d checkpoints complete): new epoch seen after %v, its first checkpoint complete after %v",
		victim, before.epoch, before.completed, epoch.Round(10*time.Millisecond), running.Round(10*time.Millisecond))
	st = j.finish(t, c)
	if st.Stream == nil || st.Stream.Restarts < 1 {
		t.Errorf("stream report %+v: want at least one restart", st.Stream)
	}
	for _, ctr := range st.Containers {
		if ctr.WorkerID == victim && ctr.State == proto.ContainerRunning {
			t.Errorf("container %s of the killed worker is still RUNNING", ctr.ID)
		}
	}
}

// SIGKILL of one executor container: its worker reports the exit, the
// job master restarts the execution from the last complete checkpoint.
func TestStreamKillTask(t *testing.T) {
	c := startCluster(t, 3)
	j := submitStream(t, c, faultEvents, faultRate)
	st, before := j.checkpointed(t, c)
	victim := runningExecutors(st)[0]
	killed := time.Now()
	syscall.Kill(victim.PID, syscall.SIGKILL)
	epoch, running := j.restored(t, c, before, killed)
	t.Logf("SIGKILL of executor %s: new epoch seen after %v, its first checkpoint complete after %v",
		victim.ID, epoch.Round(10*time.Millisecond), running.Round(10*time.Millisecond))
	st = j.finish(t, c)
	if st.Stream == nil || st.Stream.Restarts < 1 {
		t.Errorf("stream report %+v: want at least one restart", st.Stream)
	}
}

// SIGKILL of the job master: the coordinator starts a second attempt,
// which reads the job's record from JetStream KV, redoes the last
// commit and restores every subtask from the last complete checkpoint.
func TestStreamKillJobMaster(t *testing.T) {
	c := startCluster(t, 3)
	j := submitStream(t, c, faultEvents, faultRate)
	st, before := j.checkpointed(t, c)
	jm, ok := jobMaster(st)
	if !ok {
		t.Fatal("no running job master")
	}
	killed := time.Now()
	syscall.Kill(jm.PID, syscall.SIGKILL)
	epoch, running := j.restored(t, c, before, killed)
	t.Logf("SIGKILL of the job master: new epoch seen after %v, its first checkpoint complete after %v",
		epoch.Round(10*time.Millisecond), running.Round(10*time.Millisecond))
	st = j.finish(t, c)
	if st.MasterAttempts != 2 {
		t.Errorf("%d job master attempts, want 2", st.MasterAttempts)
	}
	if st.Stream == nil || st.Stream.Restored == 0 {
		t.Errorf("stream report %+v: the second job master did not restore from a checkpoint", st.Stream)
	}
}

// A slow consumer back-pressures the source, with bounded memory. The
// count step spends 25 µs per record, so the two count subtasks take at
// most 80 000 records a second (about 43 000 measured, 7 s for the run),
// while the unthrottled source makes several times that (the same run
// without --slow ends in 1.8 s, cluster start included). Every record
// carries 2 KiB of padding across the keyed edge: 300 000 records are
// 600 MiB of edge data, most of which an edge without flow control would
// have to buffer, the source being done long before the count. Credit
// flow control bounds what is in flight to 8 frames of 64 KiB per
// channel (2 × 2 channels: 2 MiB), so an executor should stay far below
// 400 MB.
func TestStreamSlowSinkBackPressure(t *testing.T) {
	const events, pad, bound = 300_000, 2048, 400 << 20
	c := startCluster(t, 2)
	j := submitStream(t, c, events, 0, "--pad", strconv.Itoa(pad), "--slow", "25us")
	var peak int64
	var pressure float64
	pids := map[int]bool{}
	c.waitFor(t, 90*time.Second, j.app+" to end", func() bool {
		st := c.status(t, j.app)
		for _, ctr := range runningExecutors(st) {
			pids[ctr.PID] = true
			peak = max(peak, vmRSS(ctr.PID))
		}
		if st.Stream != nil {
			for name, m := range st.Stream.Subtasks {
				if strings.HasPrefix(name, "events#") {
					pressure = max(pressure, m.BackPressure)
				}
			}
		}
		return proto.Final(st.State)
	})
	st := j.finish(t, c)
	for _, ctr := range st.Containers {
		if ctr.Role == proto.RoleExecutor {
			peak = max(peak, ctr.PeakRSS)
		}
	}
	t.Logf("%d executors; peak resident memory %d MiB; highest source back pressure %.2f; %d restarts",
		len(pids), peak>>20, pressure, st.Stream.Restarts)
	if pressure <= 0 {
		t.Errorf("the sources never reported back pressure behind a slow consumer")
	}
	if peak == 0 || peak > bound {
		t.Errorf("peak executor memory %d MiB, want between 0 and %d MiB", peak>>20, bound>>20)
	}
	if st.Stream.Restarts != 0 {
		t.Errorf("%d restarts, want none (a container over its memory is killed)", st.Stream.Restarts)
	}
}

// vmRSS is a process's resident memory now, in bytes (0 if gone).
func vmRSS(pid int) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}
