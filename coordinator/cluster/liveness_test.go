package cluster

import (
	"strings"
	"testing"
	"time"

	"spindle/internal/proto"
)

// A container whose exit report was dropped is ended once its worker's
// heartbeats leave it out twice in a row, and its job master hears of it.
// (Issue 7, defect 4: a lost exit report left a task waiting for ever.)
func TestHeartbeatsMakeUpForLostExitReports(t *testing.T) {
	s := newState(t, "w1")
	id, _ := mustSubmit(t, s)
	s.Allocate(t0, proto.AllocateRequest{AppID: id, Count: 1})
	jm, ex := cid(1, 1), cid(1, 2)
	s.Launched(t0, jm, 100)
	s.Heartbeat(t0.Add(time.Second), proto.Heartbeat{WorkerID: "w1", Containers: []string{jm}})
	s.Heartbeat(t0.Add(2*time.Second), proto.Heartbeat{WorkerID: "w1", Containers: []string{jm}})
	if c := appState(t, s, id).Containers[1]; c.State != proto.ContainerRunning {
		t.Fatalf("an executor not launched yet (no PID) was ended: %+v", c)
	}
	s.Launched(t0, ex, 101)
	s.Heartbeat(t0.Add(3*time.Second), proto.Heartbeat{WorkerID: "w1", Containers: []string{jm}}) // built before the launch
	s.Heartbeat(t0.Add(4*time.Second), proto.Heartbeat{WorkerID: "w1", Containers: []string{jm, ex}})
	s.Heartbeat(t0.Add(5*time.Second), proto.Heartbeat{WorkerID: "w1", Containers: []string{jm}})
	if c := appState(t, s, id).Containers[1]; c.State != proto.ContainerRunning {
		t.Fatalf("ended after heartbeats that were not in a row: %+v", c)
	}
	eff := s.Heartbeat(t0.Add(6*time.Second), proto.Heartbeat{WorkerID: "w1", Containers: []string{jm}})
	c := appState(t, s, id).Containers[1]
	if c.State != proto.ContainerExited || !strings.Contains(c.Error, "exit report never arrived") {
		t.Fatalf("after two heartbeats without it: %+v, want EXITED with the reason", c)
	}
	if len(eff.Events) == 0 || eff.Events[0].Event.Container.ID != ex {
		t.Errorf("events = %+v, want the job master told of %s", eff.Events, ex)
	}
	if got := appState(t, s, id).Containers[0].State; got != proto.ContainerRunning {
		t.Errorf("the listed job master is %s", got)
	}
}

// A job master that stops reporting is replaced after the master timeout,
// and until then status says it has gone quiet.
func TestSilentJobMasterIsReplaced(t *testing.T) {
	s := newState(t, "w1")
	s.SetMasterTimeout(30 * time.Second)
	id, _ := mustSubmit(t, s)
	s.Launched(t0, cid(1, 1), 100)
	s.Report(t0.Add(time.Second), proto.AppReport{AppID: id, Waiting: "waiting for executors"})
	beat := func(at time.Duration) {
		s.Heartbeat(t0.Add(at), proto.Heartbeat{WorkerID: "w1", Containers: []string{cid(1, 1)}})
	}
	for at := time.Second; at <= 20*time.Second; at += time.Second {
		beat(at)
	}
	s.Tick(t0.Add(20 * time.Second))
	a, _ := s.App(id)
	if a.State != proto.StateRunning || !strings.Contains(a.Waiting, "waiting for executors") || !strings.Contains(a.Waiting, "no report from the job master for 19s") {
		t.Fatalf("quiet job master: %s, waiting %q", a.State, a.Waiting)
	}
	for at := 21 * time.Second; at <= 32*time.Second; at += time.Second {
		beat(at)
	}
	eff := s.Tick(t0.Add(32 * time.Second))
	a, _ = s.App(id)
	if a.State != proto.StateAccepted || a.MasterAttempts != 2 || !strings.Contains(a.Diagnostics, "job master sent no report for 31s") {
		t.Fatalf("after the timeout: %s, %d attempts, %q; want a second attempt and the reason", a.State, a.MasterAttempts, a.Diagnostics)
	}
	if a.Containers[0].State != proto.ContainerKilled || len(eff.Stop) == 0 || eff.Stop[0].Req.ContainerID != cid(1, 1) {
		t.Errorf("the silent job master's container was not stopped: %+v, stops %+v", a.Containers[0], eff.Stop)
	}
	s.SetMasterTimeout(0)
	beat(time.Hour)
	if eff := s.Tick(t0.Add(time.Hour)); len(eff.Stop) != 0 {
		t.Errorf("a zero master timeout still stops job masters")
	}
}

func TestWaitingForContainers(t *testing.T) {
	s := newState(t) // no workers: nothing can be granted
	id, _ := mustSubmit(t, s)
	a, _ := s.App(id)
	if !strings.Contains(a.Waiting, "job master container not granted yet in queue default") {
		t.Errorf("Waiting = %q", a.Waiting)
	}
}

// A job master's silence counts from its launch, not its grant: a worker
// that took long to fetch a large binary has not made it silent.
func TestJobMasterSilenceCountsFromLaunch(t *testing.T) {
	s := newState(t, "w1")
	s.SetMasterTimeout(30 * time.Second)
	id, _ := mustSubmit(t, s)
	for at := time.Second; at <= 100*time.Second; at += time.Second {
		if at == 90*time.Second {
			s.Launched(t0.Add(at), cid(1, 1), 100) // the fetch took 90 s
		}
		s.Heartbeat(t0.Add(at), proto.Heartbeat{WorkerID: "w1", Containers: []string{cid(1, 1)}})
		s.Tick(t0.Add(at))
	}
	if a, _ := s.App(id); a.MasterAttempts != 1 || a.State != proto.StateAccepted {
		t.Errorf("10 s after its launch: %s with %d job master attempts, want the first still ACCEPTED", a.State, a.MasterAttempts)
	}
	for at := 101 * time.Second; at <= 121*time.Second; at += time.Second {
		s.Heartbeat(t0.Add(at), proto.Heartbeat{WorkerID: "w1", Containers: []string{cid(1, 1)}})
		s.Tick(t0.Add(at))
	}
	if a, _ := s.App(id); a.MasterAttempts != 2 {
		t.Errorf("31 s after its launch without a report: %d job master attempts, want 2", a.MasterAttempts)
	}
}
