package cluster

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"spindle/internal/proto"
)

var t0 = time.UnixMilli(1_700_000_000_000)

const gib = int64(1) << 30

func res(v int, g int64) proto.Resources { return proto.Resources{VCores: v, MemoryBytes: g * gib} }

func submitReq() proto.SubmitRequest {
	return proto.SubmitRequest{BinaryHash: "abc", Args: []string{"--x"}, Master: res(1, 1), Executor: res(1, 1)}
}

func cid(app, n int) string { return fmt.Sprintf("container_%d_%04d_%06d", t0.UnixMilli(), app, n) }
func aid(app int) string    { return fmt.Sprintf("application_%d_%04d", t0.UnixMilli(), app) }

// newState returns a State with the given workers (ID → vcores, 8 GiB each).
func newState(t *testing.T, workers ...string) *State {
	t.Helper()
	s := New(t0, 3*time.Second)
	for _, w := range workers {
		mustRegister(t, s, w, 4)
	}
	return s
}

func mustRegister(t *testing.T, s *State, id string, vcores int) Effects {
	t.Helper()
	eff, err := s.Register(t0, proto.RegisterRequest{WorkerID: id, Host: "h", Capacity: res(vcores, 8)})
	if err != nil {
		t.Fatalf("Register(%s): %v", id, err)
	}
	return eff
}

func mustSubmit(t *testing.T, s *State) (string, Effects) {
	t.Helper()
	rep, eff := s.Submit(t0, submitReq())
	if rep.Error != "" {
		t.Fatalf("Submit: %s", rep.Error)
	}
	return rep.AppID, eff
}

func launched(eff Effects) []string {
	var out []string
	for _, l := range eff.Launch {
		out = append(out, l.WorkerID+":"+l.Spec.ContainerID+":"+l.Spec.Role)
	}
	return out
}

func appState(t *testing.T, s *State, id string) proto.App {
	t.Helper()
	a, err := s.App(id)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestSubmitValidation(t *testing.T) {
	tests := []struct {
		name    string
		mod     func(*proto.SubmitRequest)
		wantErr string
	}{
		{"ok", func(*proto.SubmitRequest) {}, ""},
		{"unknown queue", func(r *proto.SubmitRequest) { r.Queue = "x" }, `unknown queue "x" (this cluster has: default)`},
		{"no hash", func(r *proto.SubmitRequest) { r.BinaryHash = "" }, "binary hash is empty"},
		{"zero master", func(r *proto.SubmitRequest) { r.Master.VCores = 0 }, "job master resources must be positive"},
		{"zero executor memory", func(r *proto.SubmitRequest) { r.Executor.MemoryBytes = 0 }, "executor resources must be positive"},
		{"savepoint", func(r *proto.SubmitRequest) { r.Savepoint = "app_1/3" }, ""},
		{"bad savepoint", func(r *proto.SubmitRequest) { r.Savepoint = "app_1" }, `bad savepoint "app_1" (want APP/ID`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newState(t)
			req := submitReq()
			tt.mod(&req)
			rep, _ := s.Submit(t0, req)
			if !strings.HasPrefix(rep.Error, tt.wantErr) || (tt.wantErr == "") != (rep.Error == "") {
				t.Errorf("Submit error = %q, want prefix %q", rep.Error, tt.wantErr)
			}
		})
	}
}

func TestSubmitDefaultsAndJobMasterGrant(t *testing.T) {
	s := newState(t)
	id, eff := mustSubmit(t, s)
	if id != aid(1) {
		t.Errorf("app ID = %s, want %s", id, aid(1))
	}
	if len(eff.Launch) != 0 || len(eff.Persist) != 1 {
		t.Fatalf("no workers: got %d launches, %d persists; want 0, 1", len(eff.Launch), len(eff.Persist))
	}
	a := appState(t, s, id)
	if a.Name != "job" || a.Queue != "default" || a.State != proto.StateSubmitted {
		t.Errorf("got name %q queue %q state %s, want job default SUBMITTED", a.Name, a.Queue, a.State)
	}
	eff = mustRegister(t, s, "w1", 4)
	if got, want := launched(eff), []string{"w1:" + cid(1, 1) + ":jobmaster"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("launches = %v, want %v", got, want)
	}
	spec := eff.Launch[0].Spec
	if spec.BinaryHash != "abc" || !reflect.DeepEqual(spec.Args, []string{"--x"}) || spec.AppID != id {
		t.Errorf("spec = %+v", spec)
	}
	if got := appState(t, s, id).State; got != proto.StateAccepted {
		t.Errorf("state = %s, want ACCEPTED", got)
	}
}

// TestPlacementLeastLoaded: the default policy puts a container on the
// node with the fewest containers, ties to the node registered first.
func TestPlacementLeastLoaded(t *testing.T) {
	s := New(t0, 3*time.Second)
	mustRegister(t, s, "w2", 4)
	mustRegister(t, s, "w1", 4)
	mustRegister(t, s, "w3", 2)
	id, eff := mustSubmit(t, s)
	if got, want := launched(eff), []string{"w2:" + cid(1, 1) + ":jobmaster"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("job master: launches = %v, want %v (tie to the first registered)", got, want)
	}
	rep, eff := s.Allocate(t0, proto.AllocateRequest{AppID: id, Count: 4})
	if rep.Error != "" || rep.ClusterVCores != 10 {
		t.Fatalf("Allocate = %+v, want 10 cluster vcores", rep)
	}
	want := []string{
		"w1:" + cid(1, 2) + ":executor", // w1 and w3 have none
		"w3:" + cid(1, 3) + ":executor",
		"w2:" + cid(1, 4) + ":executor", // one each: first registered
		"w1:" + cid(1, 5) + ":executor",
	}
	if got := launched(eff); !reflect.DeepEqual(got, want) {
		t.Errorf("executors = %v, want %v", got, want)
	}
	if len(eff.Events) != 4 {
		t.Errorf("events = %d, want 4 (one per executor grant)", len(eff.Events))
	}
}

func TestAllocateCountAndRelease(t *testing.T) {
	s := newState(t, "w1") // 4 vcores: JM + 3 executors
	id, _ := mustSubmit(t, s)
	_, eff := s.Allocate(t0, proto.AllocateRequest{AppID: id, Count: 5})
	if len(eff.Launch) != 3 || s.Summary().Pending != 2 {
		t.Fatalf("got %d launches, %d pending; want 3, 2", len(eff.Launch), s.Summary().Pending)
	}
	_, eff = s.Allocate(t0, proto.AllocateRequest{AppID: id, Count: 3})
	if len(eff.Launch) != 0 || s.Summary().Pending != 0 {
		t.Fatalf("lower count: got %d launches, %d pending; want 0, 0", len(eff.Launch), s.Summary().Pending)
	}
	_, eff = s.Allocate(t0, proto.AllocateRequest{AppID: id, Count: 2, Release: []string{cid(1, 2)}})
	wantStop := []Stop{{WorkerID: "w1", Req: proto.StopRequest{AppID: id, ContainerID: cid(1, 2)}}}
	if !reflect.DeepEqual(eff.Stop, wantStop) {
		t.Errorf("stops = %+v, want %+v", eff.Stop, wantStop)
	}
	if got := s.Nodes()[0].Used.VCores; got != 3 {
		t.Errorf("used vcores = %d, want 3", got)
	}
	if rep, _ := s.Allocate(t0, proto.AllocateRequest{AppID: "nope"}); rep.Error != `unknown application "nope"` {
		t.Errorf("unknown app error = %q", rep.Error)
	}
}

// TestFIFOQueueAndTooLarge: in the default FIFO queue a later app waits
// behind an earlier one; a request larger than any node is refused at
// submit instead of waiting forever.
func TestFIFOQueueAndTooLarge(t *testing.T) {
	s := newState(t, "w1")
	id1, _ := mustSubmit(t, s)
	s.Allocate(t0, proto.AllocateRequest{AppID: id1, Count: 10}) // 3 granted, 7 pending
	id2, eff := mustSubmit(t, s)
	if len(eff.Launch) != 0 {
		t.Fatalf("second app's JM granted ahead of first app's executors")
	}
	s.Allocate(t0, proto.AllocateRequest{AppID: id1, Count: 3})
	_, eff = s.Kill(t0, id1)
	if got, want := launched(eff), []string{"w1:" + cid(2, 1) + ":jobmaster"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("after kill: launches = %v, want %v", got, want)
	}
	big := submitReq()
	big.Master = res(64, 1)
	if rep, _ := s.Submit(t0, big); !strings.Contains(rep.Error, "job master: scheduler: request larger than any node") {
		t.Errorf("submit of 64 vcores: error = %q", rep.Error)
	}
	_, eff = s.Allocate(t0, proto.AllocateRequest{AppID: id2, Count: 1})
	if len(eff.Launch) != 1 {
		t.Errorf("executor of the second app was not granted")
	}
}

func TestReportLifecycle(t *testing.T) {
	s := newState(t, "w1")
	id, _ := mustSubmit(t, s)
	s.Allocate(t0, proto.AllocateRequest{AppID: id, Count: 1})
	stages := []proto.Stage{{ID: 0, Name: "map", Tasks: 2}}
	ack, _ := s.Report(t0, proto.AppReport{AppID: id, Stages: stages})
	if a := appState(t, s, id); ack.Error != "" || a.State != proto.StateRunning || !reflect.DeepEqual(a.Stages, stages) {
		t.Fatalf("after report: ack %q, state %s, stages %v", ack.Error, a.State, a.Stages)
	}
	if ack, _ := s.Report(t0, proto.AppReport{AppID: id, Final: "DONE"}); ack.Error == "" {
		t.Errorf("bad final state accepted")
	}
	end := t0.Add(time.Minute)
	_, eff := s.Report(end, proto.AppReport{AppID: id, Final: proto.StateFinished})
	a := appState(t, s, id)
	if a.State != proto.StateFinished || !a.FinishedAt.Equal(end) {
		t.Errorf("state %s finished %v, want FINISHED at %v", a.State, a.FinishedAt, end)
	}
	if want := []Stop{{WorkerID: "w1", Req: proto.StopRequest{AppID: id}}}; !reflect.DeepEqual(eff.Stop, want) {
		t.Errorf("stops = %+v, want %+v", eff.Stop, want)
	}
	if want := []string{"SHUFFLE_" + id}; !reflect.DeepEqual(eff.DeleteStreams, want) {
		t.Errorf("delete streams = %v, want %v", eff.DeleteStreams, want)
	}
	if got := s.Nodes()[0].Used; got != (proto.Resources{}) {
		t.Errorf("used after finish = %+v, want zero", got)
	}
	// The JM exits cleanly after its final report: EXITED, not KILLED.
	s.ContainerExited(end, proto.ContainerExit{WorkerID: "w1", AppID: id, ContainerID: cid(1, 1)})
	if c := appState(t, s, id).Containers[0]; c.State != proto.ContainerExited {
		t.Errorf("JM container state = %s, want EXITED", c.State)
	}
	if k, _ := s.Kill(end, id); k.State != proto.StateFinished || k.Error != "" {
		t.Errorf("kill of finished app = %+v", k)
	}
}

func TestContainerExits(t *testing.T) {
	tests := []struct {
		name      string
		container int
		exit      proto.ContainerExit
		wantApp   string
		wantDiag  string
		wantEvent bool
	}{
		{"executor fails", 2, proto.ContainerExit{ExitCode: 1}, proto.StateAccepted, "", true},
		{"job master fails", 1, proto.ContainerExit{ExitCode: 3, Error: "boom"}, proto.StateAccepted,
			"job master attempt 1: job master exited with code 3: boom; starting attempt 2", true},
		{"job master killed", 1, proto.ContainerExit{ExitCode: -1, Error: "killed by signal SIGKILL"}, proto.StateAccepted,
			"job master attempt 1: job master exited with code -1: killed by signal SIGKILL; starting attempt 2", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newState(t, "w1")
			id, _ := mustSubmit(t, s)
			s.Allocate(t0, proto.AllocateRequest{AppID: id, Count: 1})
			tt.exit.ContainerID, tt.exit.AppID, tt.exit.WorkerID = cid(1, tt.container), id, "w1"
			eff := s.ContainerExited(t0, tt.exit)
			a := appState(t, s, id)
			if a.State != tt.wantApp || a.Diagnostics != tt.wantDiag {
				t.Errorf("app = %s %q, want %s %q", a.State, a.Diagnostics, tt.wantApp, tt.wantDiag)
			}
			c := a.Containers[tt.container-1]
			if c.State != proto.ContainerExited || c.ExitCode != tt.exit.ExitCode || c.Error != tt.exit.Error {
				t.Errorf("container = %+v", c)
			}
			if got := len(eff.Events) > 0; got != tt.wantEvent {
				t.Errorf("event sent = %v, want %v", got, tt.wantEvent)
			}
		})
	}
}

func TestNodeLost(t *testing.T) {
	s := New(t0, 3*time.Second)
	mustRegister(t, s, "w1", 2)
	id, _ := mustSubmit(t, s) // JM on w1
	mustRegister(t, s, "w2", 2)
	s.Allocate(t0, proto.AllocateRequest{AppID: id, Count: 2}) // one on w2, one on w1
	s.Heartbeat(t0.Add(2*time.Second), proto.Heartbeat{WorkerID: "w1"})
	eff := s.Tick(t0.Add(4 * time.Second))
	if got := appState(t, s, id).State; got != proto.StateAccepted {
		t.Fatalf("after w2 lost: app %s, want ACCEPTED", got)
	}
	if len(eff.Events) != 1 || eff.Events[0].Event.Container.State != proto.ContainerLost {
		t.Errorf("events = %+v, want one LOST", eff.Events)
	}
	if rep, _ := s.Allocate(t0, proto.AllocateRequest{AppID: id, Count: 2}); rep.ClusterVCores != 2 {
		t.Errorf("cluster vcores = %d, want 2", rep.ClusterVCores)
	}
	eff = s.Tick(t0.Add(6 * time.Second))
	a := appState(t, s, id)
	if a.State != proto.StateSubmitted || a.Diagnostics != "job master attempt 1: job master's worker w1 lost; starting attempt 2" {
		t.Errorf("after w1 lost: app %s %q, want a second job master attempt waiting", a.State, a.Diagnostics)
	}
	// A lost worker is ignored until it registers again.
	if eff := s.Heartbeat(t0.Add(7*time.Second), proto.Heartbeat{WorkerID: "w1"}); !eff.Empty() {
		t.Errorf("heartbeat of lost worker had effects")
	}
	mustRegister(t, s, "w1", 2)
	if n := s.Nodes()[0]; n.State != proto.NodeRunning || n.Containers == 0 {
		t.Errorf("revived node = %+v, want it running the new job master", n)
	}
	if a := appState(t, s, id); a.State != proto.StateAccepted || a.MasterAttempts != 2 {
		t.Errorf("after w1 came back: app %s with %d job master attempts, want ACCEPTED with 2", a.State, a.MasterAttempts)
	}
}

func TestSecondMasterFailureFailsApp(t *testing.T) {
	s := newState(t, "w1")
	id, _ := mustSubmit(t, s)
	s.ContainerExited(t0, proto.ContainerExit{WorkerID: "w1", AppID: id, ContainerID: cid(1, 1), ExitCode: 1})
	a := appState(t, s, id)
	if a.MasterAttempts != 2 || a.State != proto.StateAccepted {
		t.Fatalf("after the first job master died: %s with %d attempts", a.State, a.MasterAttempts)
	}
	s.ContainerExited(t0, proto.ContainerExit{WorkerID: "w1", AppID: id, ContainerID: cid(1, 2), ExitCode: 1})
	a = appState(t, s, id)
	if a.State != proto.StateFailed || a.Diagnostics != "job master exited with code 1 (attempt 2 of 2)" {
		t.Errorf("after the second: %s %q, want FAILED naming the last attempt", a.State, a.Diagnostics)
	}
}

func TestHeartbeatStopsGivenUpContainers(t *testing.T) {
	s := newState(t, "w1")
	id, _ := mustSubmit(t, s)
	s.Kill(t0, id)
	eff := s.Heartbeat(t0, proto.Heartbeat{WorkerID: "w1", Containers: []string{cid(1, 1), "other"}})
	want := []Stop{{WorkerID: "w1", Req: proto.StopRequest{AppID: id, ContainerID: cid(1, 1)}}}
	if !reflect.DeepEqual(eff.Stop, want) {
		t.Errorf("stops = %+v, want %+v", eff.Stop, want)
	}
}

func TestQueriesAndRestore(t *testing.T) {
	s := newState(t)
	if _, err := s.App("x"); err == nil || err.Error() != `unknown application "x"` {
		t.Errorf("App(x) error = %v", err)
	}
	old := proto.App{ID: "application_1_0001", State: proto.StateFinished, SubmittedAt: t0.Add(-time.Hour)}
	if err := s.Restore(old); err != nil {
		t.Fatal(err)
	}
	if err := s.Restore(proto.App{ID: "application_1_0002", State: proto.StateRunning}); err == nil {
		t.Errorf("restoring a running app succeeded")
	}
	id, _ := mustSubmit(t, s)
	var got []string
	for _, a := range s.Apps() {
		got = append(got, a.ID)
	}
	if want := []string{id, old.ID}; !reflect.DeepEqual(got, want) {
		t.Errorf("Apps() = %v, want newest first %v", got, want)
	}
	if _, err := s.Register(t0, proto.RegisterRequest{WorkerID: "w"}); err == nil {
		t.Errorf("worker without capacity registered")
	}
}

func TestExecutorReplacement(t *testing.T) {
	s := newState(t, "w1", "w2")
	id, _ := mustSubmit(t, s) // JM on w1
	s.Allocate(t0, proto.AllocateRequest{AppID: id, Count: 2})

	eff := s.ContainerExited(t0, proto.ContainerExit{ContainerID: cid(1, 2), ExitCode: 1})
	if got, want := launched(eff), []string{"w2:" + cid(1, 4) + ":executor"}; !reflect.DeepEqual(got, want) {
		t.Errorf("failed executor: launches = %v, want replacement %v", got, want)
	}
	eff = s.ContainerExited(t0, proto.ContainerExit{ContainerID: cid(1, 3)})
	if len(eff.Launch) != 0 {
		t.Errorf("clean exit was replaced: %v", launched(eff))
	}
	// w2 (holding the replacement) is lost: it is replaced on w1.
	s.Heartbeat(t0.Add(2*time.Second), proto.Heartbeat{WorkerID: "w1"})
	eff = s.Tick(t0.Add(4 * time.Second))
	if got, want := launched(eff), []string{"w1:" + cid(1, 5) + ":executor"}; !reflect.DeepEqual(got, want) {
		t.Errorf("lost executor: launches = %v, want %v", got, want)
	}
}

func TestWorkDirReachesSpec(t *testing.T) {
	s := newState(t, "w1")
	req := submitReq()
	req.WorkDir = "/home/u/proj"
	_, eff := s.Submit(t0, req)
	if len(eff.Launch) != 1 || eff.Launch[0].Spec.WorkDir != "/home/u/proj" {
		t.Errorf("launch = %+v, want WorkDir /home/u/proj", eff.Launch)
	}
}

// TestSavepointReachesJobMaster checks that a submission's savepoint is
// in its job master's environment, and only there.
func TestSavepointReachesJobMaster(t *testing.T) {
	s := newState(t, "w1")
	req := submitReq()
	req.Savepoint = "app_1/3"
	rep, eff := s.Submit(t0, req)
	id := rep.AppID
	if len(eff.Launch) != 1 || eff.Launch[0].Spec.Env[proto.EnvSavepoint] != "app_1/3" {
		t.Fatalf("job master launch = %+v, want %s=app_1/3", eff.Launch, proto.EnvSavepoint)
	}
	if got := appState(t, s, id).Savepoint; got != "app_1/3" {
		t.Errorf("App.Savepoint = %q, want app_1/3", got)
	}
	_, eff = s.Allocate(t0, proto.AllocateRequest{AppID: id, Count: 1})
	if len(eff.Launch) != 1 || eff.Launch[0].Spec.Env != nil {
		t.Errorf("executor launch = %+v, want no extra environment", eff.Launch)
	}
}

func TestDisconnectedWorkerIsLostAtOnce(t *testing.T) {
	s := New(t0, 3*time.Second)
	mustRegister(t, s, "w1", 2)
	mustRegister(t, s, "w2", 2)
	id, _ := mustSubmit(t, s)
	s.Allocate(t0, proto.AllocateRequest{AppID: id, Count: 2})
	eff := s.Disconnected(t0, "w2")
	if n := nodeState(s, "w2"); n != proto.NodeLost {
		t.Fatalf("w2 after its connection closed: %s, want LOST without waiting for the timeout", n)
	}
	if len(eff.Events) == 0 {
		t.Errorf("no container event for the job master")
	}
	if eff := s.Disconnected(t0, "w2"); !eff.Empty() {
		t.Errorf("a second disconnect of a lost worker had effects")
	}
}

func nodeState(s *State, id string) string {
	for _, n := range s.Nodes() {
		if n.ID == id {
			return n.State
		}
	}
	return ""
}

// A gang of executors through Allocate is granted all at once or not at
// all: it holds nothing while it waits for room.
func TestGangAllocate(t *testing.T) {
	s := New(t0, 3*time.Second)
	mustRegister(t, s, "w1", 4)
	id, _ := mustSubmit(t, s) // the job master takes one vcore of w1
	_, eff := s.Allocate(t0, proto.AllocateRequest{AppID: id, Count: 5, Gang: true})
	if n := len(eff.Launch); n != 0 {
		t.Fatalf("gang of 5 on 3 free vcores: %d launched, want none", n)
	}
	if used := s.Nodes()[0].Used.VCores; used != 1 {
		t.Errorf("while the gang waits, %d vcores used, want only the job master's", used)
	}
	eff = mustRegister(t, s, "w2", 4)
	if n := len(eff.Launch); n != 5 {
		t.Errorf("with room for the gang: %d launched, want all 5 at once", n)
	}
}

// A coordinator whose loop stalled (its store electing a leader) excuses
// the silence of the workers it could not hear: they are lost only a
// node timeout after the stall ended. (Seen in the HA test: a 6 s stall
// after a NATS node died, then every worker LOST and the job master
// replaced.)
func TestExcuseAfterStall(t *testing.T) {
	s := newState(t, "w1")
	id, _ := mustSubmit(t, s)
	s.Excuse(t0.Add(6 * time.Second))
	s.Tick(t0.Add(8 * time.Second))
	if n := nodeState(s, "w1"); n != proto.NodeRunning {
		t.Fatalf("w1 %s 2 s after an excused stall, want RUNNING", n)
	}
	if got := appState(t, s, id).MasterAttempts; got != 1 {
		t.Errorf("%d job master attempts, want 1", got)
	}
	s.Tick(t0.Add(10 * time.Second))
	if n := nodeState(s, "w1"); n != proto.NodeLost {
		t.Errorf("w1 %s 4 s after the stall without a heartbeat, want LOST", n)
	}
}
