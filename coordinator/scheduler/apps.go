package scheduler

import (
	"fmt"
	"slices"
	"time"

	"spindle/coordinator/scheduler/placement"
	"spindle/internal/proto"
)

// app is an application's scheduling state.
type app struct {
	spec     AppSpec
	seq      int
	q        *queue
	stack    placement.Stack
	asks     []*ask   // FIFO; only the head is tried
	running  []*alloc // unordered; alloc.appPos indexes it
	used     proto.Resources
	heapPos  int    // in q.ready, -1 if not there
	deferred uint64 // round in which it was set aside
	pendExec int    // executor containers pending
}

// ask is a group of identical pending containers.
type ask struct {
	role      Role
	res       proto.Resources
	count     int
	gang      bool
	preferred []string
	since     time.Time
	missed    int // rounds waited for a preferred node
}

func (a *app) head() *ask { return a.asks[0] }

// AddApp registers an application. Its queue must be a leaf queue and its
// placement a known policy (or "").
func (s *Scheduler) AddApp(spec AppSpec) error {
	if _, ok := s.apps[spec.ID]; ok {
		return fmt.Errorf("scheduler: application %s already added", spec.ID)
	}
	q, ok := s.leaves[spec.Queue]
	if !ok {
		return fmt.Errorf("%w %q (this cluster has: %s)", ErrUnknownQueue, spec.Queue, s.cfg.Queues.LeafNames())
	}
	pol, err := s.policy(spec.Placement)
	if err != nil {
		return err
	}
	s.appSeq++
	a := &app{spec: spec, seq: s.appSeq, q: q, heapPos: -1,
		stack: placement.Stack{Policy: pol, LocalityDelay: s.cfg.LocalityDelay}}
	s.apps[spec.ID] = a
	q.apps = append(q.apps, a)
	return nil
}

// policy returns the cluster's instance of a named policy.
func (s *Scheduler) policy(name string) (placement.Policy, error) {
	if name == "" {
		name = s.cfg.Placement
	}
	if p, ok := s.policies[name]; ok {
		return p, nil
	}
	p, err := placement.New(name)
	if err != nil {
		return nil, err
	}
	s.policies[name] = p
	return p, nil
}

// RemoveApp drops an application: its pending asks and any containers
// still granted to it.
func (s *Scheduler) RemoveApp(id string) {
	a, ok := s.apps[id]
	if !ok {
		return
	}
	for len(a.running) > 0 {
		s.release(a.running[len(a.running)-1])
	}
	s.dropAsks(a, len(a.asks))
	a.q.ready.remove(a)
	a.q.apps = slices.DeleteFunc(a.q.apps, func(x *app) bool { return x == a })
	if s.reserved == a {
		s.reserved = nil
	}
	delete(s.apps, id)
}

// Request adds pending containers to an application.
func (s *Scheduler) Request(now time.Time, r Request) error {
	a, ok := s.apps[r.App]
	if !ok {
		return fmt.Errorf("%w %q", ErrUnknownApp, r.App)
	}
	if r.Count <= 0 {
		return nil
	}
	if !s.fitsSomeNode(r.Res) && s.idx.Total() != (proto.Resources{}) {
		return fmt.Errorf("%w: %d vcores and %d bytes", ErrTooLarge, r.Res.VCores, r.Res.MemoryBytes)
	}
	s.addAsk(a, &ask{role: r.Role, res: r.Res, count: r.Count, gang: r.Gang && r.Count > 1,
		preferred: slices.Clone(r.Preferred), since: now})
	return nil
}

// addAsk queues k, merging it into the last ask when both are plain.
func (s *Scheduler) addAsk(a *app, k *ask) {
	if n := len(a.asks); n > 0 && mergeable(a.asks[n-1], k) {
		a.asks[n-1].count += k.count
	} else {
		a.asks = append(a.asks, k)
	}
	if k.role == Executor {
		a.pendExec += k.count
	}
	a.q.addPending(k.res, k.count)
	if a.heapPos < 0 && a.deferred != s.round {
		a.q.ready.push(a)
	}
}

func mergeable(x, y *ask) bool {
	return !x.gang && !y.gang && len(x.preferred) == 0 && len(y.preferred) == 0 && x.role == y.role && x.res == y.res
}

// Cancel drops up to n of an application's pending executor containers,
// newest first, and returns how many it dropped.
func (s *Scheduler) Cancel(id string, n int) int {
	a, ok := s.apps[id]
	if !ok {
		return 0
	}
	dropped := 0
	for i := len(a.asks) - 1; i >= 0 && dropped < n; i-- {
		k := a.asks[i]
		if k.role != Executor {
			continue
		}
		d := min(k.count, n-dropped)
		s.shrinkAsk(a, i, d)
		dropped += d
	}
	if len(a.asks) == 0 {
		a.q.ready.remove(a)
	}
	return dropped
}

// shrinkAsk removes d containers from a.asks[i], and the ask if empty.
func (s *Scheduler) shrinkAsk(a *app, i, d int) {
	k := a.asks[i]
	k.count -= d
	if k.role == Executor {
		a.pendExec -= d
	}
	a.q.addPending(k.res, -d)
	if k.count == 0 {
		a.asks = slices.Delete(a.asks, i, i+1)
		if s.reserved == a && i == 0 {
			s.reserved = nil
		}
	}
	if len(a.asks) == 0 {
		a.q.ready.remove(a) // nothing left to serve
	}
}

// dropAsks removes the first n asks of a entirely.
func (s *Scheduler) dropAsks(a *app, n int) {
	for range n {
		s.shrinkAsk(a, 0, a.asks[0].count)
	}
}

// Pending is the number of an application's executor containers not yet
// granted.
func (s *Scheduler) Pending(id string) int {
	if a, ok := s.apps[id]; ok {
		return a.pendExec
	}
	return 0
}

// PendingTotal is the number of containers not yet granted, cluster-wide.
func (s *Scheduler) PendingTotal() int { return s.root.pending }
