package jobmaster

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"spindle/internal/proto"
)

// An attempt that stops reporting progress is found stalled once the
// timeout passes, and its container taken as lost lets the task run
// again at once elsewhere. (Issue 7, defect 4: a frozen container, or
// one whose events were lost, kept its task forever.)
func TestStalledAttemptRunsAgain(t *testing.T) {
	s := wordCount(t, 2, noSpec())
	a := s.Assign(t0, "c1", "w1")
	b := s.Assign(t0, "c2", "w2")
	s.Progress(t0.Add(20*time.Second), proto.TaskProgress{AttemptID: b.AttemptID, Fraction: 0.5})
	if got := s.Stalled(t0.Add(25*time.Second), 30*time.Second); len(got) != 0 {
		t.Fatalf("stalled before the timeout: %+v", got)
	}
	got := s.Stalled(t0.Add(31*time.Second), 30*time.Second)
	if len(got) != 1 || got[0].AttemptID != a.AttemptID || got[0].ContainerID != "c1" {
		t.Fatalf("Stalled = %+v, want only %s on c1 (b reported at 20 s)", got, a.AttemptID)
	}
	if s.Stalled(t0.Add(time.Hour), 0) != nil {
		t.Errorf("a zero timeout must disable the check")
	}
	s.ContainerLost(t0.Add(31*time.Second), "c1", got[0].Reason())
	again := s.Assign(t0.Add(31*time.Second), "c3", "w3")
	if again == nil || again.Index != a.Index || again.Attempt != 2 {
		t.Fatalf("after the stall: got %+v, want attempt 2 of task %d at once", again, a.Index)
	}
	for _, x := range s.Report().Tasks {
		if x.ID == a.AttemptID && (x.State != proto.AttemptFailed || !strings.Contains(x.Error, "no progress report")) {
			t.Errorf("stalled attempt recorded as %s %q", x.State, x.Error)
		}
	}
}

// A reducer that finds a producer's shuffle data lost does not use up its
// attempts: the producer runs again from scratch, then the reducer.
// (Issue 7, defect 6.)
func TestLostInputsRunProducerAgain(t *testing.T) {
	s := wordCount(t, 2, noSpec())
	m0, m1 := s.Assign(t0, "c1", "w1"), s.Assign(t0, "c2", "w2")
	s.Complete(t0, ok(m0.AttemptID))
	s.Complete(t0, ok(m1.AttemptID))
	for round := 1; round <= 5; round++ { // more rounds than MaxAttempts: the reducer is never blamed
		r := s.Assign(t0, "c1", "w1")
		if r == nil || r.Stage != 1 {
			t.Fatalf("round %d: got %+v, want a reduce task", round, r)
		}
		lost := r.Inputs[0].Producers[1]
		out := s.Complete(t0, proto.TaskResult{AttemptID: r.AttemptID, Error: "shuffle: data missing", LostInputs: []string{lost}})
		if !out.Invalidated {
			t.Fatalf("round %d: producer %s not invalidated", round, lost)
		}
		if round == s.policy.MaxAttempts {
			if f := s.Failure(); !strings.Contains(f, "s0-t1 lost its output") {
				t.Fatalf("Failure() = %q after the producer lost its output %d times", f, round)
			}
			return
		}
		redo := s.Assign(t0, "c3", "w3")
		if redo == nil || redo.Stage != 0 || redo.Index != 1 || !redo.Fresh {
			t.Fatalf("round %d: got %+v, want a fresh attempt of s0-t1", round, redo)
		}
		if next := s.Assign(t0, "c2", "w2"); next != nil {
			t.Fatalf("%s assigned while the reducers' producer runs again", next.AttemptID)
		}
		s.Complete(t0, ok(redo.AttemptID))
	}
	t.Fatalf("the job never failed")
}

// A report from a lost input the job master does not know (a stale
// producer ID) is the reducer's own failure.
func TestLostInputsUnknownProducer(t *testing.T) {
	s := wordCount(t, 1, noSpec())
	m := s.Assign(t0, "c1", "w1")
	s.Complete(t0, ok(m.AttemptID))
	r := s.Assign(t0, "c1", "w1")
	out := s.Complete(t0, proto.TaskResult{AttemptID: r.AttemptID, Error: "missing", LostInputs: []string{"s0-t0-a7"}})
	if out.Invalidated {
		t.Errorf("an unknown producer was invalidated")
	}
	if got := s.tasks[1][r.Index].failures; got != 1 {
		t.Errorf("reducer failures = %d, want 1", got)
	}
}

func TestWaitingSaysWhy(t *testing.T) {
	s := wordCount(t, 1, noSpec())
	if w := s.Waiting(t0); !strings.Contains(w, "waiting for executors") {
		t.Errorf("no executor yet: Waiting = %q", w)
	}
	a := s.Assign(t0, "c1", "w1")
	if w := s.Waiting(t0); w != "" {
		t.Errorf("an attempt runs: Waiting = %q, want empty", w)
	}
	s.Complete(t0, fail(a.AttemptID))
	if w := s.Waiting(t0); !strings.Contains(w, "s0-t0 waits") || !strings.Contains(w, "boom") {
		t.Errorf("in backoff: Waiting = %q, want the task, its wait and its error", w)
	}
}

// A container event the job master never got (dropped by a full channel)
// is made up for by the re-sync: an executor the coordinator no longer
// runs is taken as lost and its task runs again; containers the job
// master never saw, and live ones, are left alone.
func TestResyncTakesGoneExecutorsAsLost(t *testing.T) {
	m := &master{cfg: Config{Logger: slog.New(slog.DiscardHandler)}, state: wordCount(t, 2, noSpec())}
	a := m.state.Assign(t0, "c1", "w1")
	b := m.state.Assign(t0, "c2", "w2")
	m.applyResync(proto.App{Containers: []proto.Container{
		{ID: "c0", Role: proto.RoleJobMaster, State: proto.ContainerExited},
		{ID: "c1", Role: proto.RoleExecutor, State: proto.ContainerExited, WorkerID: "w1", Error: "oom"},
		{ID: "c2", Role: proto.RoleExecutor, State: proto.ContainerRunning},
		{ID: "c9", Role: proto.RoleExecutor, State: proto.ContainerLost},
	}})
	if !m.state.Lost("c1") || m.state.Lost("c2") || m.state.Lost("c9") {
		t.Errorf("lost: c1 %v, c2 %v, c9 %v; want only c1", m.state.Lost("c1"), m.state.Lost("c2"), m.state.Lost("c9"))
	}
	again := m.state.Assign(t0, "c3", "w3")
	if again == nil || again.Index != a.Index || again.Attempt != 2 {
		t.Fatalf("after the re-sync: got %+v, want attempt 2 of task %d", again, a.Index)
	}
	for _, x := range m.state.Report().Tasks {
		if x.ID == a.AttemptID && !strings.Contains(x.Error, "oom") {
			t.Errorf("the lost attempt's error %q does not say why its container ended", x.Error)
		}
		if x.ID == b.AttemptID && x.State != proto.AttemptRunning {
			t.Errorf("the attempt on the live container is %s", x.State)
		}
	}
}
