package integration

import (
	"bufio"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"spindle/internal/proto"
)

// The fault tests run the faulty job (a slow word count) on three
// workers, hurt a process while a stage runs, and check that the output is
// still exactly the reference's, with _SUCCESS.

const faultInput = "../testdata/wordcount/large-lf.txt"

// fieldsCounts is the reference of the faulty job: white-space separated
// words, lowercased.
func fieldsCounts(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	counts := map[string]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		for _, w := range strings.Fields(sc.Text()) {
			counts[strings.ToLower(w)]++
		}
	}
	var lines []string
	for w, n := range counts {
		lines = append(lines, w+"\t"+strconv.Itoa(n))
	}
	slices.Sort(lines)
	return lines
}

// slowJob submits the faulty job detached and returns its ID and output.
func slowJob(t *testing.T, c *cluster, mapSleep, reduceSleep string) (string, string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out")
	r := spindle(t, time.Minute, "submit", "--detach", "--coordinator", c.url, faultyBin(t), "--",
		"--input", faultInput, "--output", out, "--split-size", "32768", "--reducers", "4",
		"--map-sleep", mapSleep, "--reduce-sleep", reduceSleep)
	if r.code != 0 {
		t.Fatalf("submit: exit %d: %s", r.code, r.stderr)
	}
	return strings.TrimSpace(r.stdout), out
}

// finish waits for the application to finish and checks its output.
func (c *cluster) finish(t *testing.T, app, out string) proto.App {
	t.Helper()
	var st proto.App
	c.waitFor(t, 2*time.Minute, app+" to end", func() bool {
		var err string
		st, err = c.tryStatus(t, app) // the coordinator may be failing over
		return err == "" && proto.Final(st.State)
	})
	if st.State != proto.StateFinished {
		t.Fatalf("%s ended %s: %s", app, st.State, st.Diagnostics)
	}
	if got, want := outputLines(t, out), fieldsCounts(t, faultInput); !slices.Equal(got, want) {
		t.Errorf("output differs from the reference: %s", diffLines(got, want))
	}
	return st
}

// masterWorker is the worker running the application's job master.
func masterWorker(st proto.App) string {
	for _, ctr := range st.Containers {
		if ctr.Role == proto.RoleJobMaster {
			return ctr.WorkerID
		}
	}
	return ""
}

// runningAttempt waits for an attempt of a task of the given stage
// running on a worker other than the job master's, and returns it.
func (c *cluster) runningAttempt(t *testing.T, app, stage string) proto.Attempt {
	return c.running(t, app, stage, true)
}

// running waits for a running attempt of a task of the given stage, away
// from the job master's worker if asked.
func (c *cluster) running(t *testing.T, app, stage string, away bool) proto.Attempt {
	t.Helper()
	var found proto.Attempt
	c.waitFor(t, time.Minute, "a running "+stage+" attempt", func() bool {
		st := c.status(t, app)
		for _, a := range st.Tasks {
			if strings.HasPrefix(a.Task, stage+"-") && a.State == proto.AttemptRunning && (!away || a.WorkerID != masterWorker(st)) {
				found = a
				return true
			}
		}
		return false
	})
	return found
}

// rerun waits until task runs again in a later attempt than after, and
// returns how long that took.
func (c *cluster) rerun(t *testing.T, app string, after proto.Attempt, since time.Time) time.Duration {
	t.Helper()
	c.waitFor(t, time.Minute, "task "+after.Task+" to run again", func() bool {
		for _, a := range c.status(t, app).Tasks {
			if a.Task == after.Task && a.Attempt > after.Attempt {
				return true
			}
		}
		return false
	})
	return time.Since(since)
}

// workerIndex maps a worker ID of startCluster to its index.
func workerIndex(t *testing.T, id string) int {
	t.Helper()
	i, err := strconv.Atoi(strings.TrimPrefix(id, "worker-"))
	if err != nil {
		t.Fatalf("worker ID %q", id)
	}
	return i
}

// signalWorker sends sig to a worker process and to every container it
// started, as if the machine died (SIGKILL) or froze (SIGSTOP).
func (c *cluster) signalWorker(t *testing.T, id string, sig syscall.Signal) {
	t.Helper()
	w := c.workers[workerIndex(t, id)]
	kids := children(t, w.Process.Pid)
	w.Process.Signal(sig)
	for _, pid := range kids {
		syscall.Kill(pid, sig)
	}
}

// children returns the PIDs whose parent is pid.
func children(t *testing.T, pid int) []int {
	t.Helper()
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	if len(stats) == 0 {
		t.Skip("no /proc")
	}
	var out []int
	for _, p := range stats {
		data, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so cut after ")".
		fields := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
		if len(fields) > 1 && fields[1] == strconv.Itoa(pid) {
			child, _ := strconv.Atoi(filepath.Base(filepath.Dir(p)))
			out = append(out, child)
		}
	}
	return out
}

// containerPID finds the process of a container by its environment.
func containerPID(t *testing.T, containerID string) int {
	t.Helper()
	envs, _ := filepath.Glob("/proc/[0-9]*/environ")
	for _, p := range envs {
		data, err := os.ReadFile(p)
		if err == nil && strings.Contains(string(data), proto.EnvContainerID+"="+containerID+"\x00") {
			pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(p)))
			return pid
		}
	}
	t.Fatalf("no process for container %s", containerID)
	return 0
}

// killWorkerDuring runs the slow job on three workers, SIGKILLs a worker
// (not the job master's) while it runs a task of the stage, and returns
// the attempt it killed and the application's final record.
func killWorkerDuring(t *testing.T, stage, mapSleep, reduceSleep string) (*cluster, proto.Attempt, proto.App) {
	c := startCluster(t, 3)
	app, out := slowJob(t, c, mapSleep, reduceSleep)
	a := c.runningAttempt(t, app, stage)
	killed := time.Now()
	c.signalWorker(t, a.WorkerID, syscall.SIGKILL)
	t.Logf("SIGKILL of %s to %s running again: %v", a.WorkerID, a.Task, c.rerun(t, app, a, killed).Round(10*time.Millisecond))
	return c, a, c.finish(t, app, out)
}

func TestKillWorkerDuringMap(t *testing.T) {
	c, a, st := killWorkerDuring(t, "s0", "3ms", "0s")
	for _, x := range st.Tasks {
		if x.State == proto.AttemptSucceeded && x.WorkerID == a.WorkerID && x.Task == a.Task {
			t.Errorf("task %s committed on the killed worker", x.Task)
		}
	}
	// The worker comes back with the same data directory and rejoins.
	i := workerIndex(t, a.WorkerID)
	c.workers[i] = c.startWorker(t, i, "-restarted")
	c.waitFor(t, 20*time.Second, a.WorkerID+" to rejoin", func() bool {
		return slices.Contains(c.nodes(t, proto.NodeRunning), a.WorkerID)
	})
}

// SIGKILL of a worker the moment the job is submitted, before any task
// ran: the job master (if it was there) or the executors it was about to
// get are replaced, and the job finishes.
func TestKillWorkerBeforeFirstTask(t *testing.T) {
	c := startCluster(t, 3)
	app, out := slowJob(t, c, "1ms", "0s")
	c.signalWorker(t, "worker-0", syscall.SIGKILL)
	st := c.finish(t, app, out)
	for _, x := range st.Tasks {
		if x.WorkerID == "worker-0" && x.State == proto.AttemptSucceeded {
			t.Errorf("attempt %s succeeded on the killed worker", x.ID)
		}
	}
}

func TestKillWorkerDuringReduce(t *testing.T) {
	_, _, st := killWorkerDuring(t, "s1", "0s", "2ms")
	for _, x := range st.Tasks {
		if strings.HasPrefix(x.Task, "s0-") && x.Attempt > 1 {
			t.Errorf("map task %s ran again (attempt %d) after a reduce-time loss; its output was durable", x.Task, x.Attempt)
		}
	}
}

func TestKillTaskContainer(t *testing.T) {
	c := startCluster(t, 2)
	app, out := slowJob(t, c, "3ms", "0s")
	a := c.running(t, app, "s0", false)
	pid := containerPID(t, a.ContainerID)
	for _, ctr := range c.status(t, app).Containers {
		if ctr.ID == a.ContainerID && ctr.PID != pid {
			t.Errorf("status says container %s has pid %d; its process is %d", ctr.ID, ctr.PID, pid)
		}
	}
	killed := time.Now()
	syscall.Kill(pid, syscall.SIGKILL)
	t.Logf("SIGKILL of container %s to %s running again: %v", a.ContainerID, a.Task, c.rerun(t, app, a, killed).Round(10*time.Millisecond))
	c.finish(t, app, out)
}

func TestPausedWorkerIsFenced(t *testing.T) {
	c := startCluster(t, 3)
	app, out := slowJob(t, c, "3ms", "0s")
	a := c.runningAttempt(t, app, "s0")
	c.signalWorker(t, a.WorkerID, syscall.SIGSTOP)
	resumed := false
	resume := func() {
		if !resumed {
			resumed = true
			c.signalWorker(t, a.WorkerID, syscall.SIGCONT)
		}
	}
	defer resume()
	c.waitFor(t, 30*time.Second, a.WorkerID+" to be declared lost", func() bool {
		return slices.Contains(c.nodes(t, proto.NodeLost), a.WorkerID)
	})
	c.rerun(t, app, a, time.Now())
	resume() // the zombie wakes up and reports; it must not commit
	st := c.finish(t, app, out)
	for _, x := range st.Tasks {
		if x.Task == a.Task && x.Attempt == a.Attempt && x.State == proto.AttemptSucceeded {
			t.Errorf("the paused worker's attempt %s-a%d succeeded after it was declared lost", x.Task, x.Attempt)
		}
	}
}
