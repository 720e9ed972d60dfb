package scheduler

import (
	"maps"
	"testing"
	"time"
)

func TestGangAllOrNothing(t *testing.T) {
	s := newSched(t, Config{}, 2, 2) // 4 vcores
	mustApp(t, s, "small", "default", "u")
	mustApp(t, s, "gang", "default", "u")
	mustAsk(t, s, Request{App: "small", Res: res(1, 1), Count: 1})
	mustAsk(t, s, Request{App: "gang", Res: res(1, 1), Count: 4, Gang: true})
	if got, want := perApp(s.Schedule(t0).Grants), map[string]int{"small": 1}; !maps.Equal(got, want) {
		t.Fatalf("grants = %v, want only small's (the gang of 4 does not fit 3)", got)
	}
	if got := s.Pending("gang"); got != 4 {
		t.Errorf("gang pending = %d, want 4 (nothing held)", got)
	}
	s.Release(1)
	if got, want := perApp(s.Schedule(t0).Grants), map[string]int{"gang": 4}; !maps.Equal(got, want) {
		t.Errorf("after release: grants = %v, want the whole gang", got)
	}
	checkInvariants(t, s)
}

// TestGangReservation: small asks keep arriving and would always take the
// room a gang needs; after GangPatience the gang reserves the cluster and
// runs once enough is released.
func TestGangReservation(t *testing.T) {
	s := newSched(t, Config{GangPatience: 10 * time.Second}, 1, 4)
	mustApp(t, s, "small", "default", "u")
	mustApp(t, s, "gang", "default", "u")
	mustAsk(t, s, Request{App: "small", Res: res(1, 1), Count: 2})
	s.Schedule(t0)
	mustAsk(t, s, Request{App: "gang", Res: res(1, 1), Count: 3, Gang: true})
	now := t0
	gangGranted := false
	for step := 0; step < 40 && !gangGranted; step++ {
		now = now.Add(time.Second)
		// One small container ends and a new small ask comes every second.
		s.Release(s.oldestOf("small"))
		mustAsk(t, s, Request{App: "small", Res: res(1, 1), Count: 1})
		got := perApp(s.Tick(now).Grants)
		gangGranted = got["gang"] == 3
		if got["gang"] != 0 && got["gang"] != 3 {
			t.Fatalf("gang partly granted: %v", got)
		}
	}
	if !gangGranted {
		t.Fatalf("gang never granted behind a stream of small asks")
	}
	if now.Sub(t0) > 15*time.Second {
		t.Errorf("gang granted after %v, want soon after its 10s patience", now.Sub(t0))
	}
}

// oldestOf returns the oldest running container of an app (test helper).
func (s *Scheduler) oldestOf(id string) AllocID {
	var best AllocID
	for _, al := range s.apps[id].running {
		if best == 0 || al.id < best {
			best = al.id
		}
	}
	return best
}

func TestPreemption(t *testing.T) {
	cfg := Config{Queues: mustQueues(t, "queues:\n  - name: batch\n    capacity: 50\n  - name: prod\n    capacity: 50\n"),
		PreemptGrace: 5 * time.Second, PreemptFraction: 0.25}
	s := newSched(t, cfg, 4, 2) // 8 vcores
	mustApp(t, s, "b", "batch", "u")
	mustAsk(t, s, Request{App: "b", Role: Master, Res: res(1, 1), Count: 1})
	mustAsk(t, s, Request{App: "b", Res: res(1, 1), Count: 7})
	s.Schedule(t0)
	mustApp(t, s, "p", "prod", "u")
	mustAsk(t, s, Request{App: "p", Role: Master, Res: res(1, 1), Count: 1})
	mustAsk(t, s, Request{App: "p", Res: res(1, 1), Count: 10})

	r := s.Tick(t0)
	if len(r.Notices) != 2 {
		t.Fatalf("notices = %+v, want 2 (25%% of 8 vcores per tick)", r.Notices)
	}
	if r.Notices[0].Alloc != 8 || r.Notices[1].Alloc != 7 || !r.Notices[0].Deadline.Equal(t0.Add(5*time.Second)) {
		t.Errorf("notices = %+v, want the youngest executors 8 and 7, deadline +5s", r.Notices)
	}
	r = s.Tick(t0.Add(time.Second))
	if len(r.Notices) != 2 || len(r.Kills) != 0 {
		t.Errorf("second tick: %d notices %d kills, want 2 more notices, no kill yet", len(r.Notices), len(r.Kills))
	}
	r = s.Tick(t0.Add(5 * time.Second))
	if len(r.Kills) != 2 || perApp(r.Grants)["p"] != 2 {
		t.Errorf("at the deadline: kills %+v grants %v, want 2 kills and 2 grants to prod", r.Kills, perApp(r.Grants))
	}
	for i := 6; i < 20; i++ {
		s.Tick(t0.Add(time.Duration(i) * time.Second))
	}
	for _, q := range s.LeafShares() {
		if q.Used != 0.5 {
			t.Errorf("queue %s used %v, want its 50%% guarantee", q.Name, q.Used)
		}
	}
	if al := s.allocs[1]; al == nil || al.role != Master {
		t.Errorf("batch's job master was preempted")
	}
	checkInvariants(t, s)
}

func TestNoPreemptionWithinGuarantee(t *testing.T) {
	cfg := Config{Queues: mustQueues(t, twoQueues)}
	s := newSched(t, cfg, 10, 1)
	mustApp(t, s, "p", "prod", "u")
	mustAsk(t, s, Request{App: "p", Res: res(1, 4), Count: 7})
	mustApp(t, s, "d", "dev", "u")
	mustAsk(t, s, Request{App: "d", Res: res(1, 4), Count: 10})
	s.Schedule(t0)
	// prod at its 70% guarantee, dev at 30% with more demand: nobody is
	// above guarantee, so nothing is preempted.
	if r := s.Tick(t0.Add(time.Second)); len(r.Notices) != 0 {
		t.Errorf("notices = %+v, want none", r.Notices)
	}
}
