package cluster

import (
	"strings"
	"testing"
	"time"

	"spindle/coordinator/scheduler"
	"spindle/coordinator/scheduler/queues"
	"spindle/internal/proto"
)

const halfHalf = "queues:\n  - name: batch\n    capacity: 50\n  - name: prod\n    capacity: 50\n"

// TestPreemptionThroughState: batch fills two 2-vcore workers; prod's job
// then starves: batch's youngest executor gets a PREEMPTING event, and
// after the grace a stop and a KILLED event; prod's job master is granted
// in the same tick.
func TestPreemptionThroughState(t *testing.T) {
	conf, err := queues.Parse([]byte(halfHalf))
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewWith(t0, time.Hour, scheduler.Config{Queues: conf, PreemptGrace: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	mustRegister(t, s, "w1", 2)
	mustRegister(t, s, "w2", 2)
	req := submitReq()
	req.Queue = "batch"
	rep, _ := s.Submit(t0, req)
	s.Allocate(t0, proto.AllocateRequest{AppID: rep.AppID, Count: 3})
	req.Queue = "prod"
	prod, eff := s.Submit(t0, req)
	if prod.Error != "" || len(eff.Launch) != 0 {
		t.Fatalf("prod submit: %q, %d launches; want none (cluster full)", prod.Error, len(eff.Launch))
	}
	eff = s.Tick(t0.Add(250 * time.Millisecond))
	if len(eff.Events) != 1 || eff.Events[0].Event.Container.State != proto.ContainerPreempting ||
		eff.Events[0].Event.Container.ID != cid(1, 4) {
		t.Fatalf("tick: events = %+v, want PREEMPTING for the youngest executor %s", eff.Events, cid(1, 4))
	}
	if eff = s.Tick(t0.Add(time.Second)); len(eff.Stop) != 0 {
		t.Fatalf("stopped before the grace ended: %+v", eff.Stop)
	}
	eff = s.Tick(t0.Add(1500 * time.Millisecond))
	if len(eff.Stop) != 1 || eff.Stop[0].Req.ContainerID != cid(1, 4) {
		t.Fatalf("after grace: stops = %+v", eff.Stop)
	}
	if got := launched(eff); len(got) != 1 || !strings.HasSuffix(got[0], ":jobmaster") {
		t.Errorf("after grace: launches = %v, want prod's job master", got)
	}
	a := appState(t, s, rep.AppID)
	if c := a.Containers[3]; c.State != proto.ContainerKilled || !strings.HasPrefix(c.Error, "preempted") {
		t.Errorf("preempted container = %+v", c)
	}
}
