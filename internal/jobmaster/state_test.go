package jobmaster

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"spindle/dataflow"
	"spindle/internal/proto"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// wordCount is source → narrow → shuffle → sink: a map stage of n splits
// and a reduce stage of three partitions.
func wordCount(t *testing.T, n int, p Policy) *State {
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
	var splits []proto.Split
	for i := range n {
		splits = append(splits, proto.Split{Path: string(rune('a' + i)), Length: 10})
	}
	return New("app1", plan, map[int][]proto.Split{0: splits}, map[int]int{2: 3}, p)
}

// noSpec is the default policy without speculation.
func noSpec() Policy {
	p := DefaultPolicy()
	p.Speculation = false
	return p
}

func ok(id string, staged ...proto.StagedFile) proto.TaskResult {
	return proto.TaskResult{AttemptID: id, Staged: staged}
}

func fail(id string) proto.TaskResult { return proto.TaskResult{AttemptID: id, Error: "boom"} }

func TestStagesRunInOrder(t *testing.T) {
	s := wordCount(t, 2, noSpec())
	a := s.Assign(t0, "c1", "w1")
	b := s.Assign(t0, "c2", "w2")
	if a == nil || b == nil || a.Stage != 0 || b.Stage != 0 {
		t.Fatalf("first two tasks: got %+v, %+v, want both of stage 0", a, b)
	}
	if a.Split.Path != "a" || b.Split.Path != "b" {
		t.Errorf("splits: got %s, %s, want a, b", a.Split.Path, b.Split.Path)
	}
	if got := a.Outputs; !reflect.DeepEqual(got, []proto.ShuffleOutput{{Shuffle: 2, Partitions: 3}}) {
		t.Errorf("outputs: got %+v", got)
	}
	if c := s.Assign(t0, "c3", "w1"); c != nil {
		t.Fatalf("reduce task %s assigned before the map stage ended", c.AttemptID)
	}
	s.Complete(t0, ok(a.AttemptID))
	if c := s.Assign(t0, "c3", "w1"); c != nil {
		t.Fatalf("reduce task assigned with one map task still running")
	}
	s.Complete(t0, ok(b.AttemptID))
	r := s.Assign(t0, "c3", "w1")
	if r == nil || r.Stage != 1 {
		t.Fatalf("after the map stage: got %+v, want a reduce task", r)
	}
	want := []proto.ShuffleInput{{Shuffle: 2, Producers: []string{a.AttemptID, b.AttemptID}}}
	if !reflect.DeepEqual(r.Inputs, want) {
		t.Errorf("reduce inputs: got %+v, want %+v", r.Inputs, want)
	}
}

func TestRetryBackoffThenFail(t *testing.T) {
	s := wordCount(t, 2, noSpec())
	now := t0
	a := s.Assign(now, "c1", "w1")
	if busy := s.Assign(now, "c2", "w1"); busy == nil || busy.Index != 1 {
		t.Fatalf("second task: got %+v", busy)
	}
	for i := 1; i <= 4; i++ {
		if a == nil || a.Index != 0 || a.Attempt != i {
			t.Fatalf("attempt %d: got %+v", i, a)
		}
		s.Complete(now, fail(a.AttemptID))
		if i < 4 && s.Failure() != "" {
			t.Fatalf("failed after %d attempts: %s", i, s.Failure())
		}
		if again := s.Assign(now, "c1", "w1"); again != nil && i < 4 {
			t.Fatalf("attempt %d retried with no backoff", i+1)
		}
		wait := s.policy.backoff(i, a.AttemptID)
		lo, hi := time.Duration(1<<(i-1))*time.Second/2, time.Duration(1<<(i-1))*time.Second
		if wait < lo || wait >= hi {
			t.Errorf("backoff after attempt %d = %v, want in [%v, %v)", i, wait, lo, hi)
		}
		now = now.Add(wait)
		a = s.Assign(now, "c1", "w1")
	}
	if f := s.Failure(); !strings.Contains(f, "s0-t0 failed 4 times") || !strings.Contains(f, "boom") {
		t.Errorf("Failure() = %q, want the task, its attempts and its last error", f)
	}
	if a != nil {
		t.Errorf("task assigned after the job failed: %+v", a)
	}
}

func TestRetryPrefersAnotherWorker(t *testing.T) {
	s := wordCount(t, 1, noSpec())
	a := s.Assign(t0, "c1", "w1")
	s.Assign(t0, "c2", "w2") // w2 has a live executor too (nothing to run yet)
	s.Complete(t0, fail(a.AttemptID))
	later := t0.Add(time.Minute)
	if got := s.Assign(later, "c1", "w1"); got != nil {
		t.Fatalf("retry went back to the worker it failed on: %+v", got)
	}
	if got := s.Assign(later, "c2", "w2"); got == nil || got.Attempt != 2 {
		t.Fatalf("retry on the other worker: got %+v", got)
	}
	// With the other worker gone, the failed worker is better than nothing.
	s2 := wordCount(t, 1, noSpec())
	a = s2.Assign(t0, "c1", "w1")
	s2.Complete(t0, fail(a.AttemptID))
	if got := s2.Assign(later, "c1", "w1"); got == nil {
		t.Errorf("single worker: retry never assigned")
	}
}

func TestOnlyFirstSuccessCommits(t *testing.T) {
	s := wordCount(t, 2, noSpec())
	a := s.Assign(t0, "c1", "w1")
	s.ContainerLost(t0, "c1", "lost")
	later := t0.Add(time.Minute)
	again := s.Assign(t0, "c2", "w2") // a lost container's task is retried without backoff
	if again == nil || again.Index != a.Index || again.Attempt != 2 {
		t.Fatalf("after a lost container: got %+v, want attempt 2 of task %d", again, a.Index)
	}
	if !s.Lost("c1") || s.Assign(later, "c1", "w1") != nil {
		t.Errorf("a lost container is given work")
	}
	// The zombie first attempt reports success after it was declared lost.
	f1 := proto.StagedFile{Temp: "t1", Final: "f"}
	if out := s.Complete(later, ok(a.AttemptID, f1)); out.Commit != nil || len(out.Discard) != 1 {
		t.Errorf("zombie: %+v, want nothing committed and its files discarded", out)
	}
	f2 := proto.StagedFile{Temp: "t2", Final: "f"}
	if out := s.Complete(later, ok(again.AttemptID, f2)); !reflect.DeepEqual(out.Commit, []proto.StagedFile{f2}) {
		t.Errorf("second attempt: commit %v, want %v", out.Commit, f2)
	}
	if out := s.Complete(later, ok("s9-t9-a9", f1)); out.Commit != nil || len(out.Discard) != 1 {
		t.Errorf("unknown attempt: %+v", out)
	}
}

func TestSpeculation(t *testing.T) {
	s := wordCount(t, 4, DefaultPolicy())
	var as []*proto.TaskSpec
	for i := range 4 {
		as = append(as, s.Assign(t0, "c"+string(rune('1'+i)), "w"+string(rune('1'+i%2))))
	}
	for _, a := range as[:3] {
		s.Complete(t0.Add(time.Second*3), ok(a.AttemptID))
	}
	// as[3] runs on w2; the median is 3 s, the limit 4.5 s.
	if got := s.Assign(t0.Add(4*time.Second), "c1", "w1"); got != nil {
		t.Fatalf("speculated before the limit: %+v", got)
	}
	if got := s.Assign(t0.Add(5*time.Second), "c2", "w2"); got != nil {
		t.Fatalf("speculated on the straggler's own worker: %+v", got)
	}
	spec := s.Assign(t0.Add(5*time.Second), "c1", "w1")
	if spec == nil || spec.Index != 3 || spec.Attempt != 2 {
		t.Fatalf("speculative attempt: got %+v, want attempt 2 of task 3", spec)
	}
	if again := s.Assign(t0.Add(5*time.Second), "c3", "w1"); again != nil && again.Stage == 0 {
		t.Errorf("a third attempt of the straggler: %+v", again)
	}
	out := s.Complete(t0.Add(6*time.Second), ok(spec.AttemptID))
	if len(out.Cancel) != 1 || out.Cancel[0].AttemptID != as[3].AttemptID || out.Cancel[0].ContainerID != "c4" {
		t.Fatalf("cancel: got %+v, want the original attempt on c4", out.Cancel)
	}
	if late := s.Complete(t0.Add(7*time.Second), ok(as[3].AttemptID)); late.Commit != nil {
		t.Errorf("the cancelled attempt committed")
	}
	var killed int
	for _, a := range s.Report().Tasks {
		if a.State == proto.AttemptKilled {
			killed++
		}
	}
	if killed != 1 {
		t.Errorf("%d attempts reported KILLED, want 1", killed)
	}
}

func TestReport(t *testing.T) {
	s := wordCount(t, 2, noSpec())
	a := s.Assign(t0, "c1", "w1")
	s.Progress(t0, proto.TaskProgress{AttemptID: a.AttemptID, Fraction: 0.5})
	r := s.Report()
	if got := r.Stages[0]; got.Tasks != 2 || got.Running != 1 || got.Progress != 0.25 {
		t.Errorf("stage 0: got %+v, want 2 tasks, 1 running, progress 0.25", got)
	}
	if got := r.Tasks; len(got) != 1 || got[0].WorkerID != "w1" || got[0].State != proto.AttemptRunning {
		t.Errorf("attempts: got %+v", got)
	}
	s.Complete(t0, ok(a.AttemptID))
	if got := s.Report().Stages[0]; got.Done != 1 || got.Progress != 0.5 {
		t.Errorf("stage 0 after one task: got %+v", got)
	}
}

// A new job master attempt restores the committed tasks of the previous
// one and issues attempt IDs that cannot collide with its zombies.
func TestSnapshotRestore(t *testing.T) {
	s := wordCount(t, 2, noSpec())
	a := s.Assign(t0, "c1", "w1")
	b := s.Assign(t0, "c2", "w2")
	s.Complete(t0, ok(a.AttemptID))
	snap := s.Snapshot()
	if len(snap) != 1 || snap[0].Attempt != a.AttemptID {
		t.Fatalf("Snapshot: %+v", snap)
	}

	next := wordCount(t, 2, noSpec())
	next.SetEpoch(2)
	if err := next.Restore(snap); err != nil {
		t.Fatal(err)
	}
	got := next.Assign(t0, "c9", "w1")
	if got == nil || got.Index != b.Index || got.AttemptID == b.AttemptID || !strings.HasSuffix(got.AttemptID, "-j2") {
		t.Fatalf("after restore: got %+v, want task %d under a new, epoch-marked ID", got, b.Index)
	}
	if zombie := next.Complete(t0, ok(b.AttemptID)); zombie.Committed {
		t.Errorf("the previous job master's attempt committed in the new one")
	}
	next.Complete(t0, ok(got.AttemptID))
	r := next.Assign(t0, "c9", "w1")
	if r == nil || r.Stage != 1 || r.Inputs[0].Producers[0] != a.AttemptID {
		t.Errorf("reduce after restore: %+v, want producers from both job masters", r)
	}
	if err := next.Restore([]Done{{Stage: 5, Index: 0}}); err == nil {
		t.Errorf("Restore accepted a task outside the plan")
	}
}

// A container about to be preempted gets no new work, and the attempt it
// loses does not count toward the task's limit.
func TestPreemptionDoesNotCount(t *testing.T) {
	s := wordCount(t, 1, noSpec())
	for i := 1; i <= 6; i++ {
		c := fmt.Sprintf("c%d", i)
		a := s.Assign(t0, c, "w1")
		if a == nil {
			t.Fatalf("round %d: no task assigned", i)
		}
		s.Preempting(c)
		if s.Assign(t0, c, "w1") != nil || !s.Lost(c) {
			t.Fatalf("a container being preempted was given work")
		}
		s.ContainerLost(t0, c, "preempted")
	}
	if f := s.Failure(); f != "" {
		t.Errorf("job failed after preemptions only: %s", f)
	}
}

func TestFatalErrorFailsAtOnce(t *testing.T) {
	s := wordCount(t, 2, noSpec())
	a := s.Assign(t0, "c1", "w1")
	s.Complete(t0, proto.TaskResult{AttemptID: a.AttemptID, Error: "fingerprint mismatch", Fatal: true})
	if f := s.Failure(); !strings.Contains(f, "s0-t0") || !strings.Contains(f, "fingerprint mismatch") {
		t.Errorf("Failure() = %q, want the job failed on the first fatal error", f)
	}
}

func TestFitTrimsSucceededFirst(t *testing.T) {
	r := proto.AppReport{AppID: "a"}
	for i := range 2000 {
		st := proto.AttemptSucceeded
		if i%100 == 0 {
			st = proto.AttemptFailed
		}
		r.Tasks = append(r.Tasks, proto.Attempt{Task: fmt.Sprintf("s0-t%d", i), State: st, WorkerID: "worker-1",
			ContainerID: "container_1795867781034_0001_000002", Error: strings.Repeat("x", 20)})
	}
	data := Fit(&r, 64<<10)
	if len(data) > 64<<10 {
		t.Fatalf("Fit left %d bytes, limit %d", len(data), 64<<10)
	}
	failed := 0
	for _, a := range r.Tasks {
		if a.State == proto.AttemptFailed {
			failed++
		}
	}
	if failed != 20 || r.TasksOmitted == 0 || r.TasksOmitted+len(r.Tasks) != 2000 {
		t.Errorf("kept %d attempts (%d failed), omitted %d; want every failed one kept and the rest counted", len(r.Tasks), failed, r.TasksOmitted)
	}
}
