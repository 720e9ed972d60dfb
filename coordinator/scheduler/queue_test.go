package scheduler

import (
	"errors"
	"maps"
	"testing"
)

func TestQueueShares(t *testing.T) {
	one := res(1, 4)
	tests := []struct {
		name string
		apps map[string]string // app → queue; each asks for 20 containers
		want map[string]int
	}{
		{"both busy: guarantees", map[string]string{"p": "prod", "d": "dev"}, map[string]int{"p": 7, "d": 3}},
		{"prod alone borrows all", map[string]string{"p": "prod"}, map[string]int{"p": 10}},
		{"dev alone stops at its maximum", map[string]string{"d": "dev"}, map[string]int{"d": 5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSched(t, Config{Queues: mustQueues(t, twoQueues)}, 10, 1)
			for _, id := range []string{"p", "d"} {
				if q, ok := tt.apps[id]; ok {
					mustApp(t, s, id, q, "u-"+id)
					mustAsk(t, s, Request{App: id, Res: one, Count: 20})
				}
			}
			got := perApp(s.Schedule(t0).Grants)
			if !maps.Equal(got, tt.want) {
				t.Errorf("grants = %v, want %v", got, tt.want)
			}
			checkInvariants(t, s)
		})
	}
}

func TestLeafLimits(t *testing.T) {
	const y = `
queues:
  - name: q
    capacity: 100
    user-limit: 50
    max-am-share: 20
`
	s := newSched(t, Config{Queues: mustQueues(t, y)}, 10, 1)
	mustApp(t, s, "a1", "q", "alice")
	mustApp(t, s, "a2", "q", "alice")
	mustApp(t, s, "b1", "q", "bob")
	mustAsk(t, s, Request{App: "a1", Res: res(1, 4), Count: 10})
	mustAsk(t, s, Request{App: "a2", Role: Master, Res: res(1, 4), Count: 1})
	mustAsk(t, s, Request{App: "b1", Res: res(1, 4), Count: 10})
	got := perApp(s.Schedule(t0).Grants)
	if want := map[string]int{"a1": 5, "b1": 5}; !maps.Equal(got, want) {
		t.Errorf("user limit 50%%: grants = %v, want %v", got, want)
	}
	// The first job master of a queue always starts; the second must fit
	// max-am-share (20% of 10 = 2 vcores).
	s = newSched(t, Config{Queues: mustQueues(t, y)}, 5, 2)
	for _, id := range []string{"m1", "m2", "m3"} {
		mustApp(t, s, id, "q", "u-"+id)
		mustAsk(t, s, Request{App: id, Role: Master, Res: res(2, 8), Count: 1})
	}
	if got, want := perApp(s.Schedule(t0).Grants), map[string]int{"m1": 1}; !maps.Equal(got, want) {
		t.Errorf("am share: grants = %v, want %v", got, want)
	}
}

func TestOrderingInsideLeaf(t *testing.T) {
	for _, tt := range []struct {
		ordering string
		want     map[string]int
	}{
		{"fifo", map[string]int{"first": 4}},
		{"fair", map[string]int{"first": 2, "second": 2}},
	} {
		t.Run(tt.ordering, func(t *testing.T) {
			y := "queues:\n  - name: q\n    capacity: 100\n    ordering: " + tt.ordering + "\n"
			s := newSched(t, Config{Queues: mustQueues(t, y)}, 4, 1)
			mustApp(t, s, "first", "q", "u1")
			mustApp(t, s, "second", "q", "u2")
			mustAsk(t, s, Request{App: "first", Res: res(1, 4), Count: 4})
			mustAsk(t, s, Request{App: "second", Res: res(1, 4), Count: 4})
			if got := perApp(s.Schedule(t0).Grants); !maps.Equal(got, tt.want) {
				t.Errorf("grants = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestUnknownQueueAndTooLarge(t *testing.T) {
	s := newSched(t, Config{Queues: mustQueues(t, twoQueues)}, 2, 4)
	err := s.AddApp(AppSpec{ID: "x", Queue: "nope"})
	if !errors.Is(err, ErrUnknownQueue) || err.Error() != `scheduler: unknown queue "nope" (this cluster has: prod, dev)` {
		t.Errorf("AddApp(nope) = %v", err)
	}
	if err := s.CheckFits(res(5, 1)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("CheckFits(5 vcores) = %v, want ErrTooLarge", err)
	}
	if err := s.CheckFits(res(4, 16)); err != nil {
		t.Errorf("CheckFits(a whole node) = %v", err)
	}
}

func TestSetQueues(t *testing.T) {
	s := newSched(t, Config{Queues: mustQueues(t, twoQueues)}, 10, 1)
	mustApp(t, s, "p", "prod", "u")
	mustAsk(t, s, Request{App: "p", Res: res(1, 4), Count: 3})
	s.Schedule(t0)
	if err := s.SetQueues(mustQueues(t, "queues:\n  - name: other\n    capacity: 100\n")); !errors.Is(err, ErrQueueInUse) {
		t.Fatalf("dropping a busy queue: err = %v", err)
	}
	const y = "queues:\n  - name: prod\n    capacity: 50\n    max-capacity: 50\n  - name: dev\n    capacity: 50\n"
	if err := s.SetQueues(mustQueues(t, y)); err != nil {
		t.Fatal(err)
	}
	mustAsk(t, s, Request{App: "p", Res: res(1, 4), Count: 5})
	if got := len(s.Schedule(t0).Grants); got != 2 {
		t.Errorf("after reload to max 50%%: %d grants, want 2 (5 of 10 with 3 running)", got)
	}
	checkInvariants(t, s)
}

// An application set aside in a round (its ask did not fit), whose asks
// are then cancelled, must be served when it asks again: a regression of
// a stale "set aside in this round" mark that left it out of the queue.
func TestAskAfterDeferredAndCancelled(t *testing.T) {
	s := newSched(t, Config{}, 1, 1)
	mustApp(t, s, "a", "default", "u")
	mustAsk(t, s, Request{App: "a", Res: res(1, 4), Count: 1})
	first := s.Schedule(t0).Grants
	mustAsk(t, s, Request{App: "a", Res: res(1, 4), Count: 1}) // no room: set aside
	if got := s.Schedule(t0).Grants; len(first) != 1 || len(got) != 0 {
		t.Fatalf("grants %v then %v, want one then none", first, got)
	}
	s.Cancel("a", s.Pending("a"))
	s.Release(first[0].Alloc)
	mustAsk(t, s, Request{App: "a", Role: Master, Res: res(1, 4), Count: 1})
	if got := s.Schedule(t0).Grants; len(got) != 1 {
		t.Errorf("after cancel and a new ask: %d grants, want 1", len(got))
	}
}

// A user whose job master alone reaches the user limit still gets one
// executor: without it the job could never make progress.
func TestUserLimitLetsFirstExecutorThrough(t *testing.T) {
	const conf = `
queues:
  - name: prod
    capacity: 70
  - name: dev
    capacity: 30
    max-capacity: 50
    user-limit: 50
`
	s := newSched(t, Config{Queues: mustQueues(t, conf)}, 2, 2) // 4 vcores: dev's user limit is one vcore
	mustApp(t, s, "a", "dev", "u")
	mustAsk(t, s, Request{App: "a", Role: Master, Res: res(1, 4), Count: 1})
	mustAsk(t, s, Request{App: "a", Res: res(1, 4), Count: 4})
	got := s.Schedule(t0).Grants
	var masters, executors int
	for _, g := range got {
		if g.Role == Master {
			masters++
		} else {
			executors++
		}
	}
	if masters != 1 || executors != 1 {
		t.Errorf("granted %d job masters and %d executors, want 1 and exactly 1 (the floor, not more)", masters, executors)
	}
	checkInvariants(t, s)
}
