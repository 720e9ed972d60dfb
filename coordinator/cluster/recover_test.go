package cluster

import (
	"slices"
	"strings"
	"testing"
	"time"

	"spindle/internal/proto"
)

// stored keeps what a shell would have persisted from Effects: the latest
// record of each app and node.
type stored struct {
	apps  map[string]proto.App
	nodes map[string]proto.Node
}

func (st *stored) add(eff Effects) {
	for _, a := range eff.Persist {
		st.apps[a.ID] = a
	}
	for _, n := range eff.PersistNodes {
		st.nodes[n.ID] = n
	}
}

func (st *stored) lists() ([]proto.Node, []proto.App) {
	var ns []proto.Node
	var as []proto.App
	for _, n := range st.nodes {
		ns = append(ns, n)
	}
	for _, a := range st.apps {
		as = append(as, a)
	}
	return ns, as
}

// running sets up a State with an app whose job master and two executors
// run on w1 and w2, records what was persisted, and returns both.
func running(t *testing.T) (*State, *stored, string) {
	t.Helper()
	st := &stored{apps: map[string]proto.App{}, nodes: map[string]proto.Node{}}
	s := New(t0, 3*time.Second)
	st.add(mustRegister(t, s, "w1", 2))
	st.add(mustRegister(t, s, "w2", 2))
	id, eff := mustSubmit(t, s)
	st.add(eff)
	for _, l := range eff.Launch {
		st.add(s.Launched(t0, l.Spec.ContainerID, 100))
	}
	rep, eff := s.Allocate(t0, proto.AllocateRequest{AppID: id, Count: 2})
	if rep.Error != "" {
		t.Fatal(rep.Error)
	}
	st.add(eff)
	if len(eff.Launch) != 2 {
		t.Fatalf("executor launches %v, want 2", launched(eff))
	}
	st.add(s.Launched(t0, eff.Launch[0].Spec.ContainerID, 101))
	// The second executor's launch is in flight: no PID recorded.
	return s, st, id
}

// A new leader keeps the running containers: nothing is launched again,
// the books add up, new containers continue the numbering, and a worker
// that heartbeats its containers keeps them.
func TestRecoverKeepsRunningContainers(t *testing.T) {
	old, st, id := running(t)
	t1 := t0.Add(time.Minute)
	s := New(t1, 3*time.Second)
	nodes, apps := st.lists()
	eff, errs := s.Recover(t1, nodes, apps)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if len(eff.Launch) != 0 || len(eff.Stop) != 0 {
		t.Fatalf("takeover launched %v and stopped %v; want nothing", launched(eff), eff.Stop)
	}
	want, got := appState(t, old, id), appState(t, s, id)
	if got.State != want.State || len(got.Containers) != 3 || got.MasterAttempts != 1 {
		t.Fatalf("recovered app %+v; want %s with 3 containers, 1 attempt", got, want.State)
	}
	for _, n := range s.Nodes() {
		if n.Used != oldNode(old, n.ID).Used {
			t.Errorf("node %s uses %v after takeover, %v before", n.ID, n.Used, oldNode(old, n.ID).Used)
		}
	}
	// Two more executors: one fits the free vcore (w2's) and is numbered
	// after the others; the cluster is full for the other.
	_, eff = s.Allocate(t1, proto.AllocateRequest{AppID: id, Count: 4})
	if got := launched(eff); !slices.Equal(got, []string{"w2:" + cid(1, 4) + ":executor"}) {
		t.Fatalf("launched %v; want the 4th container on w2 only", got)
	}
	got = appState(t, s, id)
	// Heartbeats listing the containers keep them, the one in flight too.
	for range absentLimit + 1 {
		for _, w := range []string{"w1", "w2"} {
			var ids []string
			for _, c := range got.Containers {
				if c.WorkerID == w {
					ids = append(ids, c.ID)
				}
			}
			if eff := s.Heartbeat(t1, proto.Heartbeat{WorkerID: w, Containers: ids}); len(eff.Events) > 0 {
				t.Fatalf("heartbeat of %s ended %v", w, eff.Events)
			}
		}
	}
}

func oldNode(s *State, id string) proto.Node {
	for _, n := range s.Nodes() {
		if n.ID == id {
			return n
		}
	}
	return proto.Node{}
}

// A launch in flight at the takeover that never happened (its worker's
// heartbeats leave it out) ends, and the executor is asked for again.
func TestRecoverEndsUnconfirmedLaunch(t *testing.T) {
	_, st, id := running(t)
	s := New(t0.Add(time.Minute), 3*time.Second)
	nodes, apps := st.lists()
	if _, errs := s.Recover(t0, nodes, apps); len(errs) > 0 {
		t.Fatal(errs)
	}
	rec := appState(t, s, id)
	var inFlight proto.Container
	for _, c := range rec.Containers {
		if c.Role == proto.RoleExecutor && c.PID == 0 {
			inFlight = c
		}
	}
	if inFlight.ID == "" {
		t.Fatal("no container in flight")
	}
	var others []string // the worker's other containers, which it lists
	for _, c := range rec.Containers {
		if c.WorkerID == inFlight.WorkerID && c.ID != inFlight.ID {
			others = append(others, c.ID)
		}
	}
	var ended, replaced bool
	for range absentLimit {
		eff := s.Heartbeat(t0, proto.Heartbeat{WorkerID: inFlight.WorkerID, Containers: others})
		for _, e := range eff.Events {
			ended = ended || e.Event.Container.ID == inFlight.ID
		}
		replaced = replaced || slices.ContainsFunc(eff.Launch, func(l Launch) bool { return l.Spec.Role == proto.RoleExecutor })
	}
	if !ended {
		t.Fatalf("container %s left out of its worker's heartbeats was not ended", inFlight.ID)
	}
	if !replaced && s.sched.Pending(id) != 1 {
		t.Error("the ended executor was not asked for again")
	}
}

// Containers on a worker the records show lost end as LOST at the
// takeover; a job master among them starts its next attempt.
func TestRecoverLostWorker(t *testing.T) {
	_, st, id := running(t)
	master := st.apps[id].Containers[0]
	n := st.nodes[master.WorkerID]
	n.State = proto.NodeLost
	st.nodes[n.ID] = n
	s := New(t0.Add(time.Minute), 3*time.Second)
	nodes, apps := st.lists()
	eff, errs := s.Recover(t0, nodes, apps)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	rec := appState(t, s, id)
	if rec.State != proto.StateAccepted || rec.MasterAttempts != 2 {
		t.Fatalf("app %s after its master's worker was lost: state %s, attempts %d; want ACCEPTED, 2 (%s)",
			id, rec.State, rec.MasterAttempts, rec.Diagnostics)
	}
	if !slices.ContainsFunc(eff.Launch, func(l Launch) bool { return l.Spec.Role == proto.RoleJobMaster }) {
		t.Fatalf("no new job master launched: %v", launched(eff))
	}
	if !strings.Contains(rec.Containers[0].Error, "lost before this coordinator took over") {
		t.Errorf("lost master's error %q", rec.Containers[0].Error)
	}
}

// Final applications are listed as they were, and an app whose queue the
// new leader does not have fails with a diagnostic instead of hanging.
func TestRecoverFinalAndUnknownQueue(t *testing.T) {
	_, st, id := running(t)
	done := st.apps[id]
	done.ID, done.State = aid(7), proto.StateFinished
	st.apps[done.ID] = done
	gone := st.apps[id]
	gone.Queue = "nightly"
	st.apps[id] = gone
	s := New(t0, 3*time.Second)
	nodes, apps := st.lists()
	eff, errs := s.Recover(t0, nodes, apps)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if a := appState(t, s, aid(7)); a.State != proto.StateFinished {
		t.Errorf("final app is %s", a.State)
	}
	a := appState(t, s, id)
	if a.State != proto.StateFailed || !strings.Contains(a.Diagnostics, `"nightly"`) {
		t.Errorf("app of an unknown queue: %s %q; want FAILED naming the queue", a.State, a.Diagnostics)
	}
	if len(eff.Stop) == 0 {
		t.Error("its running containers were not stopped")
	}
}
