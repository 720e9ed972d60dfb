package jobmaster

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"spindle/dataflow"
	"spindle/internal/proto"
)

// windowedCount is a streaming job's state at parallelism 2: a source
// stage and a keyed count stage, so four subtasks.
func windowedCount(t *testing.T) *StreamState {
	t.Helper()
	g := &dataflow.Graph{}
	g.Add(&dataflow.Node{Name: "events", Kind: dataflow.KindSource})
	g.Add(&dataflow.Node{Name: "count", Kind: dataflow.KindShuffle, Inputs: []int{0}})
	g.Add(&dataflow.Node{Name: "write", Kind: dataflow.KindSink, Inputs: []int{1}})
	plan, err := dataflow.Build(g)
	if err != nil {
		t.Fatal(err)
	}
	return NewStreamState(g, plan, StreamRecord{Parallelism: 2}, DefaultStreamPolicy())
}

func deploy(s *StreamState, asking ...string) StreamEffects {
	return s.Deploy(time.Time{}, "app", "fp", asking, 200*time.Millisecond, 5*time.Second)
}

// An executor that dies while its request is held (between epochs) must
// not be given a part of the next epoch: nothing would run it, and the
// epoch would wait for it forever. (Found by TestStreamKillWhileWaitingForGang.)
func TestStreamGangSkipsLostExecutors(t *testing.T) {
	s := windowedCount(t)
	if eff := deploy(s, "c1", "c2"); len(eff.Deploy) != 2 {
		t.Fatalf("first gang: %d deployments, want 2", len(eff.Deploy))
	}
	s.ContainerLost("c1", "lost")
	if s.Running() || s.Epoch() != 2 {
		t.Fatalf("after losing a gang member: running %v, epoch %d; want a restart into epoch 2", s.Running(), s.Epoch())
	}
	s.ContainerLost("c2", "killed while it asked again") // its request is still held
	if eff := deploy(s, "c2", "c3"); eff.Deploy != nil {
		t.Fatalf("gang formed with the lost c2: %v", eff.Deploy)
	}
	eff := deploy(s, "c2", "c3", "c4")
	if _, ok := eff.Deploy["c2"]; ok || len(eff.Deploy) != 2 {
		t.Fatalf("gang %v, want c3 and c4", eff.Deploy)
	}
}

// A part is sent again only to a gang member that has not run it: one
// that ran it and asks again ended it (a restart), and none is sent
// between epochs.
func TestStreamRedeployOnlyAPartNotRun(t *testing.T) {
	s := windowedCount(t)
	eff := deploy(s, "c1", "c2")
	if d := s.Redeploy("c1", 0); d == nil || d != eff.Deploy["c1"] {
		t.Fatalf("c1 asked again before running epoch 1: got %+v, want its part %+v", d, eff.Deploy["c1"])
	}
	if d := s.Redeploy("c3", 0); d != nil {
		t.Errorf("c3 is not in the gang but got %+v", d)
	}
	if d := s.Redeploy("c1", 1); d != nil {
		t.Errorf("c1 ran epoch 1 and got it again: %+v", d)
	}
	s.Ended("c1", 1)
	if s.Running() {
		t.Fatal("c1 ended epoch 1 before its subtasks finished, and the epoch runs on")
	}
	if d := s.Redeploy("c2", 0); d != nil {
		t.Errorf("between epochs c2 got %+v", d)
	}
}

// Between epochs the job master repeats the cancellation of the last
// one every second, since an executor may have missed it; a running
// epoch is not cancelled.
func TestStreamRepeatsCancelBetweenEpochs(t *testing.T) {
	s := windowedCount(t)
	now := time.Unix(1000, 0)
	deploy(s, "c1", "c2")
	if eff := s.Tick(now); eff.Repeat {
		t.Fatalf("epoch 1 running: tick repeated a cancellation %+v", eff.Control)
	}
	s.ContainerLost("c1", "lost")
	cancels := func(eff StreamEffects) int {
		n := 0
		for _, c := range eff.Control {
			if c.Notice != nil && c.Notice.Cancel && c.Notice.Epoch == 1 && eff.Repeat {
				n++
			}
		}
		return n
	}
	var got []int
	for _, d := range []time.Duration{0, 500 * time.Millisecond, time.Second, 1500 * time.Millisecond, 2 * time.Second} {
		got = append(got, cancels(s.Tick(now.Add(d))))
	}
	if want := []int{1, 0, 1, 0, 1}; !slices.Equal(got, want) {
		t.Errorf("cancellations of epoch 1 per tick: got %v, want %v", got, want)
	}
	deploy(s, "c2", "c3")
	for _, c := range s.Tick(now.Add(5 * time.Second)).Control {
		if c.Notice != nil && c.Notice.Cancel {
			t.Errorf("epoch 2 running: tick published %+v", c.Notice)
		}
	}
}

// A checkpoint in progress when the last subtask finishes can never
// complete: the report must not show it in progress forever. (Seen in
// TestStreamKillAfterSourcesFinished's final report.)
func TestStreamEndAbandonsPendingCheckpoint(t *testing.T) {
	s := windowedCount(t)
	now := time.Unix(1000, 0)
	deploy(s, "c1", "c2")
	s.Tick(now)
	for i, name := range []string{"events#0", "events#1", "count#0", "count#1"} {
		eff := s.Event(now, proto.SubtaskEvent{Epoch: 1, Subtask: name, Index: i % 2, Finished: true})
		if i == 3 && !eff.Finished {
			t.Fatal("every subtask finished, the job did not")
		}
	}
	r := s.Report()
	if len(r.Checkpoints) != 1 || r.Checkpoints[0].State != proto.CheckpointFailed {
		t.Errorf("checkpoints after the end: %+v, want checkpoint 1 FAILED", r.Checkpoints)
	}
}

// The trigger of a checkpoint in progress is published again every
// second under the same ID: triggers are core NATS, and one published
// just after a deployment reached executors that had not subscribed yet.
// (Seen by the streamwc kill test: the lost first checkpoint held every
// later one back until its timeout.)
func TestStreamRepeatsTriggerOfPendingCheckpoint(t *testing.T) {
	s := windowedCount(t)
	now := time.Unix(1000, 0)
	deploy(s, "c1", "c2")
	first := s.Tick(now)
	if len(first.Control) != 1 || first.Control[0].Trigger == nil || first.Repeat {
		t.Fatalf("first tick: %+v, want a new trigger", first)
	}
	id := first.Control[0].Trigger.Checkpoint
	var got []int64
	for _, d := range []time.Duration{500 * time.Millisecond, time.Second, 1500 * time.Millisecond, 2 * time.Second} {
		eff := s.Tick(now.Add(d))
		if len(eff.Control) == 1 && eff.Control[0].Trigger != nil && eff.Repeat {
			got = append(got, eff.Control[0].Trigger.Checkpoint)
		} else if len(eff.Control) > 0 {
			t.Fatalf("tick at +%v: %+v, want a repeated trigger or nothing", d, eff)
		}
	}
	if want := []int64{id, id}; !slices.Equal(got, want) {
		t.Errorf("repeated triggers: got %v, want %v", got, want)
	}
}

// A fatal subtask failure (bad input that every restore reads again)
// fails the job at once; an ordinary one restarts it.
func TestStreamFatalFailureDoesNotRestart(t *testing.T) {
	s := windowedCount(t)
	now := time.Unix(1000, 0)
	deploy(s, "c1", "c2")
	s.Event(now, proto.SubtaskEvent{Epoch: 1, Subtask: "count#0", Error: "flaky"})
	if s.Failure() != "" || s.Epoch() != 2 {
		t.Fatalf("ordinary failure: failure %q, epoch %d; want a restart into epoch 2", s.Failure(), s.Epoch())
	}
	deploy(s, "c1", "c2")
	s.Event(now, proto.SubtaskEvent{Epoch: 2, Subtask: "events#1", Error: "in.tsv:7: bad time", Fatal: true})
	if f := s.Failure(); !strings.Contains(f, "in.tsv:7: bad time") {
		t.Fatalf("fatal failure: job failure %q, want it to name the error", f)
	}
	if eff := deploy(s, "c1", "c2"); eff.Deploy != nil {
		t.Errorf("a failed job deployed again: %v", eff.Deploy)
	}
}

// A savepoint restores at the parallelism it was taken at: a job that
// leaves the parallelism to the default takes the savepoint's, one that
// asks for another is refused (its keys would be in the wrong subtasks).
func TestRestoreParallelism(t *testing.T) {
	ref := &proto.CheckpointRef{ID: 7, Objects: map[string]string{
		"events#0": "o1", "events#1": "o2", "events#2": "o3", "count#0": "o4", "count#1": "o5", "count#2": "o6"}}
	if p, err := restoreParallelism(0, 5, ref); err != nil || p != 3 {
		t.Errorf("default parallelism: got %d, %v; want the savepoint's 3", p, err)
	}
	if p, err := restoreParallelism(3, 5, ref); err != nil || p != 3 {
		t.Errorf("asked for 3: got %d, %v; want 3", p, err)
	}
	if _, err := restoreParallelism(2, 5, ref); !errors.Is(err, ErrRescale) || !strings.Contains(err.Error(), "taken at 3") {
		t.Errorf("asked for 2: got %v, want ErrRescale naming 3", err)
	}
	if p, err := restoreParallelism(0, 5, &proto.CheckpointRef{ID: 1}); err != nil || p != 5 {
		t.Errorf("a savepoint without state: got %d, %v; want the default 5", p, err)
	}
}
