package jobmaster

import (
	"reflect"
	"strings"
	"testing"

	"spindle/dataflow"
	"spindle/internal/proto"
)

// wordCount is source → narrow → shuffle → sink: a map stage of two splits
// and a reduce stage of three partitions.
func wordCount(t *testing.T) *State {
	t.Helper()
	g := &dataflow.Graph{}
	g.Add(&dataflow.Node{Name: "read", Kind: dataflow.KindSource})
	g.Add(&dataflow.Node{Name: "split", Kind: dataflow.KindNarrow, Inputs: []int{0}})
	g.Add(&dataflow.Node{Name: "count", Kind: dataflow.KindShuffle, Inputs: []int{1}})
	g.Add(&dataflow.Node{Name: "write", Kind: dataflow.KindSink, Inputs: []int{2}})
	plan, err := dataflow.Build(g)
	if err != nil {
		t.Fatal(err)
	}
	splits := map[int][]proto.Split{0: {{Path: "a", Length: 10}, {Path: "b", Length: 10}}}
	return New("app1", plan, splits, map[int]int{2: 3})
}

func ok(id string, staged ...proto.StagedFile) proto.TaskResult {
	return proto.TaskResult{AttemptID: id, Staged: staged}
}

func TestStagesRunInOrder(t *testing.T) {
	s := wordCount(t)
	a := s.Assign("c1", "w1")
	b := s.Assign("c2", "w2")
	if a == nil || b == nil || a.Stage != 0 || b.Stage != 0 {
		t.Fatalf("first two tasks: got %+v, %+v, want both of stage 0", a, b)
	}
	if a.Split.Path != "a" || b.Split.Path != "b" {
		t.Errorf("splits: got %s, %s, want a, b", a.Split.Path, b.Split.Path)
	}
	if got := a.Outputs; !reflect.DeepEqual(got, []proto.ShuffleOutput{{Shuffle: 2, Partitions: 3}}) {
		t.Errorf("outputs: got %+v", got)
	}
	if c := s.Assign("c3", "w1"); c != nil {
		t.Fatalf("reduce task %s assigned before the map stage ended", c.AttemptID)
	}
	s.Complete(ok(a.AttemptID))
	if c := s.Assign("c3", "w1"); c != nil {
		t.Fatalf("reduce task assigned with one map task still running")
	}
	s.Complete(ok(b.AttemptID))
	r := s.Assign("c3", "w1")
	if r == nil || r.Stage != 1 {
		t.Fatalf("after the map stage: got %+v, want a reduce task", r)
	}
	want := []proto.ShuffleInput{{Shuffle: 2, Producers: []string{a.AttemptID, b.AttemptID}}}
	if !reflect.DeepEqual(r.Inputs, want) {
		t.Errorf("reduce inputs: got %+v, want %+v", r.Inputs, want)
	}
}

func TestRetryThenFail(t *testing.T) {
	s := wordCount(t)
	a := s.Assign("c1", "w1")
	if busy := s.Assign("c2", "w2"); busy == nil || busy.Index != 1 {
		t.Fatalf("second task: got %+v", busy)
	}
	for i := 1; i <= MaxAttempts; i++ {
		if a == nil || a.Index != 0 || a.Attempt != i {
			t.Fatalf("attempt %d: got %+v", i, a)
		}
		s.Complete(proto.TaskResult{AttemptID: a.AttemptID, Error: "boom"})
		if i < MaxAttempts && s.Failure() != "" {
			t.Fatalf("failed after %d attempts: %s", i, s.Failure())
		}
		a = s.Assign("c1", "w1")
	}
	if f := s.Failure(); !strings.Contains(f, "s0-t0 failed 4 times") || !strings.Contains(f, "boom") {
		t.Errorf("Failure() = %q, want the task, its attempts and its last error", f)
	}
	if a != nil {
		t.Errorf("task assigned after the job failed: %+v", a)
	}
}

func TestOnlyFirstSuccessCommits(t *testing.T) {
	s := wordCount(t)
	a := s.Assign("c1", "w1")
	s.ContainerLost("c1", "lost")
	again := s.Assign("c2", "w2")
	if again == nil || again.Index != a.Index || again.Attempt != 2 {
		t.Fatalf("after a lost container: got %+v, want attempt 2 of task %d", again, a.Index)
	}
	// The zombie first attempt reports success after it was declared lost.
	f1 := proto.StagedFile{Temp: "t1", Final: "f"}
	if commit, discard := s.Complete(ok(a.AttemptID, f1)); commit != nil || len(discard) != 1 {
		t.Errorf("zombie: commit %v discard %v, want nothing committed and its files discarded", commit, discard)
	}
	f2 := proto.StagedFile{Temp: "t2", Final: "f"}
	if commit, _ := s.Complete(ok(again.AttemptID, f2)); !reflect.DeepEqual(commit, []proto.StagedFile{f2}) {
		t.Errorf("second attempt: commit %v, want %v", commit, f2)
	}
	if commit, _ := s.Complete(ok("s9-t9-a9")); commit != nil {
		t.Errorf("unknown attempt committed")
	}
}

func TestReport(t *testing.T) {
	s := wordCount(t)
	a := s.Assign("c1", "w1")
	s.Progress(proto.TaskProgress{AttemptID: a.AttemptID, Fraction: 0.5})
	r := s.Report()
	if got := r.Stages[0]; got.Tasks != 2 || got.Running != 1 || got.Progress != 0.25 {
		t.Errorf("stage 0: got %+v, want 2 tasks, 1 running, progress 0.25", got)
	}
	if got := r.Tasks; len(got) != 1 || got[0].WorkerID != "w1" || got[0].State != proto.AttemptRunning {
		t.Errorf("attempts: got %+v", got)
	}
	s.Complete(ok(a.AttemptID))
	if got := s.Report().Stages[0]; got.Done != 1 || got.Progress != 0.5 {
		t.Errorf("stage 0 after one task: got %+v", got)
	}
}
