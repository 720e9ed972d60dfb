package scheduler

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"
)

// world drives a Scheduler with random events from a seed and records
// what it decided.
type world struct {
	t     *testing.T
	s     *Scheduler
	rng   *rand.Rand
	now   time.Time
	apps  []string
	live  map[AllocID]bool
	trace []string
}

const propQueues = `
queues:
  - name: a
    capacity: 50
    max-capacity: 100
    ordering: fair
  - name: b
    capacity: 30
    max-capacity: 60
    queues:
      - name: b1
        capacity: 50
      - name: b2
        capacity: 50
        user-limit: 50
  - name: c
    capacity: 20
`

func newWorld(t *testing.T, seed uint64) *world {
	s, err := New(Config{Queues: mustQueues(t, propQueues), PreemptGrace: 2 * time.Second, GangPatience: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return &world{t: t, s: s, rng: rand.New(rand.NewPCG(seed, 7)), now: t0, live: map[AllocID]bool{}}
}

// step applies one random event and checks the invariants.
func (w *world) step(i int) {
	switch k := w.rng.IntN(10); {
	case k == 0: // a node's capacity is fixed by its name
		n := w.rng.IntN(12)
		w.s.AddNode(fmt.Sprintf("n%d", n), res(1+n%8, int64(1+(n*5)%16)))
	case k == 1 && w.rng.IntN(4) == 0:
		for _, id := range w.s.RemoveNode(fmt.Sprintf("n%d", w.rng.IntN(12))) {
			delete(w.live, id)
		}
	case k <= 3:
		w.addApp(i)
	case k <= 5 && len(w.apps) > 0:
		w.ask()
	case k == 6 && len(w.live) > 0:
		w.releaseOne()
	case k == 7 && len(w.apps) > 0 && w.rng.IntN(3) == 0:
		w.s.RemoveApp(w.apps[w.rng.IntN(len(w.apps))])
	default:
		w.now = w.now.Add(time.Duration(w.rng.IntN(1500)) * time.Millisecond)
		w.record(w.s.Tick(w.now))
		return
	}
	w.record(w.s.Schedule(w.now))
}

func (w *world) addApp(i int) {
	id := fmt.Sprintf("app%d", i)
	q := []string{"a", "b1", "b2", "c"}[w.rng.IntN(4)]
	if err := w.s.AddApp(AppSpec{ID: id, Queue: q, User: fmt.Sprintf("u%d", w.rng.IntN(3))}); err != nil {
		w.t.Fatal(err)
	}
	w.apps = append(w.apps, id)
}

func (w *world) ask() {
	id := w.apps[w.rng.IntN(len(w.apps))]
	n := 1 + w.rng.IntN(6)
	w.s.Request(w.now, Request{App: id, Role: Role(w.rng.IntN(2)), Res: res(1+w.rng.IntN(2), int64(1+w.rng.IntN(3))),
		Count: n, Gang: w.rng.IntN(3) == 0})
}

// releaseOne releases a random live container (chosen from the sorted
// IDs, so that a seed replays exactly).
func (w *world) releaseOne() {
	ids := slices.Sorted(maps.Keys(w.live))
	id := ids[w.rng.IntN(len(ids))]
	w.s.Release(id)
	delete(w.live, id)
}

// record checks a Result: gangs whole, no double grants, then notes it.
func (w *world) record(r Result) {
	for _, g := range r.Grants {
		if w.live[g.Alloc] {
			w.t.Fatalf("alloc %d granted twice", g.Alloc)
		}
		w.live[g.Alloc] = true
		w.trace = append(w.trace, fmt.Sprintf("grant %d %s %s", g.Alloc, g.App, g.Node))
	}
	for _, k := range r.Kills {
		delete(w.live, k.Alloc)
		w.trace = append(w.trace, fmt.Sprintf("kill %d", k.Alloc))
	}
	for _, n := range r.Notices {
		w.trace = append(w.trace, fmt.Sprintf("notice %d", n.Alloc))
	}
	if msg := w.s.Check(); msg != "" {
		w.t.Fatal(msg)
	}
	w.checkGangs()
}

// checkGangs: every pending gang ask is whole (a gang is never partly
// granted: its count only drops to zero at once).
func (w *world) checkGangs() {
	for _, a := range w.s.apps {
		for _, k := range a.asks {
			if k.gang && k.count == 0 {
				w.t.Fatalf("empty gang ask kept for %s", a.spec.ID)
			}
		}
	}
}

func TestPropertyRandomEvents(t *testing.T) {
	for seed := range uint64(30) {
		w := newWorld(t, seed)
		for i := range 600 {
			w.step(i)
		}
	}
}

func TestPropertyDeterministic(t *testing.T) {
	for seed := range uint64(5) {
		run := func() []string {
			w := newWorld(t, seed)
			for i := range 400 {
				w.step(i)
			}
			return w.trace
		}
		if a, b := run(), run(); !reflect.DeepEqual(a, b) {
			t.Fatalf("seed %d: two runs decided differently", seed)
		}
	}
}

// TestPropertyGangNeverPartial: gang grants come whole in one Result.
func TestPropertyGangNeverPartial(t *testing.T) {
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 3))
		s := newSched(t, Config{}, 1+rng.IntN(6), 1+rng.IntN(6))
		want := map[string]int{}
		for i := range 30 {
			id := fmt.Sprintf("g%d", i)
			mustApp(t, s, id, "default", "u")
			n := 2 + rng.IntN(5)
			want[id] = n
			s.Request(t0, Request{App: id, Res: res(1, 1), Count: n, Gang: true})
		}
		now := t0
		for range 100 {
			now = now.Add(time.Second)
			for app, n := range perApp(s.Tick(now).Grants) {
				if n != want[app] {
					t.Fatalf("seed %d: %s got %d of its gang of %d", seed, app, n, want[app])
				}
				s.RemoveApp(app)
			}
		}
	}
}

// TestPropertyGuaranteeReached: whatever the others run, a queue with
// demand reaches its guarantee within grace + a few ticks.
func TestPropertyGuaranteeReached(t *testing.T) {
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 5))
		s := newSched(t, Config{Queues: mustQueues(t, propQueues), PreemptGrace: 2 * time.Second, PreemptFraction: 0.2}, 4+rng.IntN(8), 4)
		others := []string{"a", "b1", "b2", "c"}
		victim := others[rng.IntN(4)]
		for i, q := range others {
			if q == victim {
				continue
			}
			id := fmt.Sprintf("hog%d", i)
			mustApp(t, s, id, q, "u"+id)
			s.Request(t0, Request{App: id, Res: res(1, 1), Count: 1000})
		}
		now := t0
		s.Tick(now)
		mustApp(t, s, "late", victim, "late")
		s.Request(now, Request{App: "late", Res: res(1, 1), Count: 1000})
		for range 30 { // 2 s grace + up to 5 rounds of 20%: well within 30 s
			now = now.Add(time.Second)
			s.Tick(now)
		}
		for _, q := range s.LeafShares() {
			if q.Name == victim {
				// Guarantees fall between whole containers: within one.
				if q.Used+1.0/float64(s.idx.Total().VCores) < q.Guaranteed-1e-9 {
					t.Errorf("seed %d: queue %s at %.3f after 30s, guarantee %.3f", seed, q.Name, q.Used, q.Guaranteed)
				}
			}
		}
		checkInvariants(t, s)
	}
}
