package integration

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"spindle/internal/proto"
)

// More streaming faults than the basic four of stream_faults_test.go:
// two in a row, one while the job master waits for a gang, frozen
// machines (found only by missed heartbeats) under an executor or the
// job master, the job master's machine killed, and a kill after the
// sources finished.

// Two faults in a row: an executor is killed, and the other one the
// moment the job master has started the next epoch (while the gang
// forms or just after), so the job restores twice, the second time
// perhaps before the first restore took a checkpoint.
func TestStreamKillDuringRestore(t *testing.T) {
	c := startCluster(t, 3)
	j := submitStream(t, c, faultEvents, faultRate)
	st, before := j.checkpointed(t, c)
	first, second := runningExecutors(st)[0], runningExecutors(st)[1]
	killed := time.Now()
	syscall.Kill(first.PID, syscall.SIGKILL)
	c.waitFor(t, 30*time.Second, "the next epoch", func() bool {
		p, _ := progressOf(c.status(t, j.app))
		return p.epoch > before.epoch
	})
	syscall.Kill(second.PID, syscall.SIGKILL)
	t.Logf("killed %s, then %s %v later", first.ID, second.ID, time.Since(killed).Round(10*time.Millisecond))
	st = j.finish(t, c)
	if st.Stream == nil || st.Stream.Restarts < 1 {
		t.Errorf("stream report %+v: want at least one restart", st.Stream)
	}
}

// A worker is lost while the cluster has no room to replace its
// executors, so the job master waits for a gang; an executor that waits
// with it is killed, and the worker comes back. The gang must be formed
// of live executors only: a dead one's held request must not be given a
// part of the new epoch (the epoch would never run).
func TestStreamKillWhileWaitingForGang(t *testing.T) {
	c := startCluster(t, 2) // 4 vcores: the job master and 3 executors fill them
	out := filepath.Join(t.TempDir(), "out")
	r := spindle(t, time.Minute, "submit", "--detach", "--coordinator", c.url, streamdemoBin(t), "--",
		"--output", out, "--events", fmt.Sprint(faultEvents), "--rate", fmt.Sprint(faultRate),
		"--parallelism", "3", "--checkpoint-every", "500ms")
	if r.code != 0 {
		t.Fatalf("submit: exit %d: %s", r.code, r.stderr)
	}
	j := streamJob{app: strings.TrimSpace(r.stdout), out: out, events: faultEvents}
	j.logOnFailure(t, c)
	var st proto.App
	c.waitFor(t, 45*time.Second, "three executors and a complete checkpoint", func() bool {
		st = c.status(t, j.app)
		p, ok := progressOf(st)
		return ok && p.completed >= 2 && len(runningExecutors(st)) == 3
	})
	jmWorker := masterWorker(st)
	lost := "worker-0"
	if jmWorker == lost {
		lost = "worker-1"
	}
	var survivor proto.Container
	for _, ctr := range runningExecutors(st) {
		if ctr.WorkerID == jmWorker {
			survivor = ctr
		}
	}
	before, _ := progressOf(st)
	c.signalWorker(t, lost, syscall.SIGKILL)
	c.waitFor(t, 30*time.Second, "the job master to wait for a gang", func() bool {
		st := c.status(t, j.app)
		p, _ := progressOf(st)
		return p.epoch > before.epoch && st.Waiting != ""
	})
	syscall.Kill(survivor.PID, syscall.SIGKILL)
	i := workerIndex(t, lost)
	c.workers[i] = c.startWorker(t, i, "-restarted")
	st = j.finish(t, c)
	t.Logf("epoch %d, %d restarts", st.Stream.Epoch, st.Stream.Restarts)
}

// A frozen machine (SIGSTOP of a worker and its containers) closes no
// connection: it is found lost only by its missing heartbeats (3 s), and
// the job restores without it. When it wakes up, its executor is a
// zombie of an old epoch and must change nothing.
func TestStreamFrozenWorker(t *testing.T) {
	c := startCluster(t, 3)
	j := submitStream(t, c, faultEvents, faultRate)
	st, before := j.checkpointed(t, c)
	victim := executorWorker(t, st)
	frozen := time.Now()
	resume := c.freeze(t, victim)
	epoch, running := j.restored(t, c, before, frozen)
	t.Logf("SIGSTOP of %s: new epoch seen after %v, its first checkpoint complete after %v",
		victim, epoch.Round(10*time.Millisecond), running.Round(10*time.Millisecond))
	resume()
	st = j.finish(t, c)
	if st.Stream == nil || st.Stream.Restarts < 1 {
		t.Errorf("stream report %+v: want at least one restart", st.Stream)
	}
}

// SIGKILL of the worker that runs the job master (and an executor, if the
// placement put one beside it): a new job master attempt on a survivor
// restores the job from its record.
func TestStreamKillJobMasterWorker(t *testing.T) {
	c := startCluster(t, 3)
	j := submitStream(t, c, faultEvents, faultRate)
	var st proto.App
	var before streamProgress
	c.waitFor(t, 45*time.Second, "committed output", func() bool {
		st = c.status(t, j.app)
		p, ok := progressOf(st)
		before = p
		parts, _ := filepath.Glob(filepath.Join(j.out, "part-*"))
		return ok && p.completed >= 3 && len(parts) > 0 && len(runningExecutors(st)) == 2
	})
	victim := masterWorker(st)
	beside := slices.ContainsFunc(runningExecutors(st), func(ctr proto.Container) bool { return ctr.WorkerID == victim })
	killed := time.Now()
	c.signalWorker(t, victim, syscall.SIGKILL)
	epoch, running := j.restored(t, c, before, killed)
	t.Logf("SIGKILL of the job master's worker %s (an executor beside it: %v): new epoch seen after %v, its first checkpoint complete after %v",
		victim, beside, epoch.Round(10*time.Millisecond), running.Round(10*time.Millisecond))
	st = j.finish(t, c)
	if st.MasterAttempts != 2 {
		t.Errorf("%d job master attempts, want 2", st.MasterAttempts)
	}
}

// SIGKILL of an executor after the sources finished, while a count
// subtask still drains what they sent (it is slow): no checkpoint is taken once
// a subtask finished, so the job restores from one taken before, and the
// sources run again from there.
func TestStreamKillAfterSourcesFinished(t *testing.T) {
	c := startCluster(t, 3)
	// Keys hash unevenly: count#0, run by the gang's first executor (the
	// lowest container ID), gets most records (5 keys of 7), so it
	// finishes last. When the sources end it still holds the credit
	// window of its 2 input channels, 8 frames of 64 KiB (some 25 000
	// records) each: at 100 µs a record, about 5 s to drain, long enough
	// to catch by polling the status (at 50 µs a run once missed it).
	j := submitStream(t, c, 160_000, 0, "--slow", "100us")
	var st proto.App
	c.waitFor(t, 60*time.Second, "the sources finished and a count subtask not", func() bool {
		st = c.status(t, j.app)
		if proto.Final(st.State) {
			t.Fatalf("%s ended %s before the moment", j.app, st.State)
		}
		return len(st.Stages) == 2 && st.Stages[0].Done > 0 && st.Stages[1].Done < st.Stages[1].Tasks && len(runningExecutors(st)) == 2
	})
	before, _ := progressOf(st)
	victim := slices.MinFunc(runningExecutors(st), func(a, b proto.Container) int { return strings.Compare(a.ID, b.ID) })
	killed := time.Now()
	syscall.Kill(victim.PID, syscall.SIGKILL)
	t.Logf("killed %s with %d of %d sources done, epoch %d, %d checkpoints complete", victim.ID,
		st.Stages[0].Done, st.Stages[0].Tasks, before.epoch, before.completed)
	st = j.finish(t, c)
	t.Logf("done %v after the kill: epoch %d, %d restarts", time.Since(killed).Round(10*time.Millisecond), st.Stream.Epoch, st.Stream.Restarts)
	if st.Stream.Restarts < 1 {
		t.Errorf("stream report %+v: want at least one restart", st.Stream)
	}
}

// A frozen machine running the job master: it is lost by its heartbeats,
// a second job master attempt restores the job elsewhere, and the first
// one, woken up, is a zombie that must neither commit nor end the job.
// (Before the job's record was fenced, the zombie's first checkpoint
// trigger after waking overwrote the second attempt's record; now that
// write fails and it exits, logging "a later job master attempt owns the
// job" — if it lives that long: its worker may stop it first.)
func TestStreamFrozenJobMasterWorker(t *testing.T) {
	c := startCluster(t, 3)
	j := submitStream(t, c, faultEvents, faultRate)
	st, before := j.checkpointed(t, c)
	victim := masterWorker(st)
	frozen := time.Now()
	resume := c.freeze(t, victim)
	epoch, running := j.restored(t, c, before, frozen)
	t.Logf("SIGSTOP of the job master's worker %s: new epoch seen after %v, its first checkpoint complete after %v",
		victim, epoch.Round(10*time.Millisecond), running.Round(10*time.Millisecond))
	resume()
	st = j.finish(t, c)
	if st.MasterAttempts != 2 {
		t.Errorf("%d job master attempts, want 2", st.MasterAttempts)
	}
}
