package scheduler

import (
	"fmt"
	"time"

	"spindle/coordinator/scheduler/placement"
	"spindle/coordinator/scheduler/queues"
	"spindle/internal/proto"
)

// Scheduler is the scheduling state machine. It is not safe for
// concurrent use.
type Scheduler struct {
	cfg       Config
	idx       *placement.Index
	policies  map[string]placement.Policy // one instance per name, shared
	root      *queue
	leaves    map[string]*queue
	all       []*queue // every queue, parents first
	apps      map[string]*app
	appSeq    int
	allocs    map[AllocID]*alloc
	nextAlloc AllocID
	nodeAlloc [][]*alloc // per slot; alloc.nodePos indexes it
	round     uint64
	deferred  []*app
	marked    []*alloc // containers under a preemption notice
	reserved  *app     // a gang that waited too long; nothing else is granted
	out       Result
}

// alloc is a granted container.
type alloc struct {
	id        AllocID
	app       *app
	slot      int
	role      Role
	res       proto.Resources
	appPos    int
	nodePos   int
	preemptAt time.Time // non-zero while under a notice
}

// New returns a Scheduler with no nodes and no applications.
func New(cfg Config) (*Scheduler, error) {
	cfg = cfg.withDefaults()
	s := &Scheduler{cfg: cfg, idx: placement.NewIndex(), policies: map[string]placement.Policy{},
		apps: map[string]*app{}, allocs: map[AllocID]*alloc{}, round: 1}
	if _, err := s.policy(cfg.Placement); err != nil {
		return nil, err
	}
	s.root, s.leaves, s.all = buildQueues(cfg.Queues)
	return s, nil
}

// Placement is the cluster's policy name.
func (s *Scheduler) Placement() string {
	if s.cfg.Placement == "" {
		return placement.Default
	}
	return s.cfg.Placement
}

// HasQueue reports whether name is a leaf queue.
func (s *Scheduler) HasQueue(name string) bool { _, ok := s.leaves[name]; return ok }

// QueueNames lists the leaf queues.
func (s *Scheduler) QueueNames() string { return s.cfg.Queues.LeafNames() }

// AddNode makes a node live with capacity, or updates a live one.
func (s *Scheduler) AddNode(id string, capacity proto.Resources) {
	slot := s.idx.Upsert(id, capacity)
	for len(s.nodeAlloc) <= slot {
		s.nodeAlloc = append(s.nodeAlloc, nil)
	}
}

// RemoveNode takes a node out; its containers are released and returned.
func (s *Scheduler) RemoveNode(id string) []AllocID {
	slot, ok := s.idx.Slot(id)
	if !ok || !s.idx.Node(slot).Live {
		return nil
	}
	var lost []AllocID
	for len(s.nodeAlloc[slot]) > 0 {
		al := s.nodeAlloc[slot][len(s.nodeAlloc[slot])-1]
		lost = append(lost, al.id)
		s.release(al)
	}
	s.idx.SetDown(slot)
	return lost
}

// Release gives a container back. Unknown IDs are ignored, so releasing
// twice is harmless.
func (s *Scheduler) Release(id AllocID) {
	if al, ok := s.allocs[id]; ok {
		s.release(al)
	}
}

// release undoes a grant.
func (s *Scheduler) release(al *alloc) {
	a := al.app
	s.idx.Remove(al.slot, al.res)
	a.used = a.used.Sub(al.res)
	a.q.addUsed(al.res, -1, al.role == Master)
	s.addUser(a, al.res, -1)
	if !al.preemptAt.IsZero() {
		a.q.marked = a.q.marked.Sub(al.res)
	}
	removeAt(&a.running, al.appPos, func(x *alloc, i int) { x.appPos = i })
	removeAt(&s.nodeAlloc[al.slot], al.nodePos, func(x *alloc, i int) { x.nodePos = i })
	delete(s.allocs, al.id)
	if a.heapPos >= 0 && a.q.ready.fair {
		a.q.ready.fix(a.heapPos)
	}
}

// removeAt swap-removes element i of *list, telling the moved element its
// new position.
func removeAt(list *[]*alloc, i int, moved func(*alloc, int)) {
	l := *list
	last := len(l) - 1
	if i != last {
		l[i] = l[last]
		moved(l[i], i)
	}
	l[last] = nil
	*list = l[:last]
}

func (s *Scheduler) addUser(a *app, r proto.Resources, sign int) {
	u := addScaled(a.q.users[a.spec.User], r, sign)
	if u == (proto.Resources{}) {
		delete(a.q.users, a.spec.User)
		return
	}
	a.q.users[a.spec.User] = u
}

// fitsSomeNode reports whether some live node's capacity holds r.
func (s *Scheduler) fitsSomeNode(r proto.Resources) bool {
	for i := range s.idx.Len() {
		if n := s.idx.Node(i); n.Live && r.Fits(n.Capacity) {
			return true
		}
	}
	return false
}

// CheckFits returns an error wrapping ErrTooLarge when nodes are known and
// none can ever hold r.
func (s *Scheduler) CheckFits(r proto.Resources) error {
	if s.idx.Total() == (proto.Resources{}) || s.fitsSomeNode(r) {
		return nil
	}
	m := s.idx.MaxCapacity()
	return fmt.Errorf("%w: asks %d vcores and %d bytes, the largest node has %d vcores and %d bytes",
		ErrTooLarge, r.VCores, r.MemoryBytes, m.VCores, m.MemoryBytes)
}

// SetQueues replaces the queue configuration. It fails, changing nothing,
// when an application's queue would no longer be a leaf.
func (s *Scheduler) SetQueues(conf *queues.Config) error {
	root, leaves, all := buildQueues(conf)
	apps := s.sortedApps()
	for _, a := range apps {
		if _, ok := leaves[a.q.conf.Name]; !ok {
			return fmt.Errorf("%w: queue %q has application %s; keep it as a leaf queue", ErrQueueInUse, a.q.conf.Name, a.spec.ID)
		}
	}
	s.cfg.Queues, s.root, s.leaves, s.all = conf, root, leaves, all
	for _, a := range apps {
		s.moveApp(a, leaves[a.q.conf.Name])
	}
	return nil
}

// moveApp re-homes a (and its usage and asks) into the new leaf q.
func (s *Scheduler) moveApp(a *app, q *queue) {
	a.q, a.heapPos, a.deferred = q, -1, 0
	q.apps = append(q.apps, a)
	for _, al := range a.running {
		q.addUsed(al.res, 1, al.role == Master)
		s.addUser(a, al.res, 1)
		if !al.preemptAt.IsZero() {
			q.marked = q.marked.Add(al.res)
		}
	}
	for _, k := range a.asks {
		q.addPending(k.res, k.count)
	}
	if len(a.asks) > 0 {
		q.ready.push(a)
	}
}

// sortedApps returns the applications in submission order.
func (s *Scheduler) sortedApps() []*app {
	var out []*app
	for _, q := range s.all {
		out = append(out, q.apps...)
	}
	slicesSortBySeq(out)
	return out
}

// Place records a container that already runs on a node, granted by an
// earlier coordinator: a new leader rebuilds its books from the stored
// state and its workers' reports instead of starting containers again.
// The app and the node must have been added; a node's capacity may end
// up overcommitted if it shrank meanwhile (nothing more is placed there
// until containers end).
func (s *Scheduler) Place(appID, nodeID string, role Role, res proto.Resources) (AllocID, error) {
	a, ok := s.apps[appID]
	if !ok {
		return 0, fmt.Errorf("%w %q", ErrUnknownApp, appID)
	}
	slot, ok := s.idx.Slot(nodeID)
	if !ok || !s.idx.Node(slot).Live {
		return 0, fmt.Errorf("scheduler: node %s is not live", nodeID)
	}
	s.nextAlloc++
	al := &alloc{id: s.nextAlloc, app: a, slot: slot, role: role, res: res,
		appPos: len(a.running), nodePos: len(s.nodeAlloc[slot])}
	s.allocs[al.id] = al
	a.running = append(a.running, al)
	s.nodeAlloc[slot] = append(s.nodeAlloc[slot], al)
	s.idx.Add(slot, res)
	a.used = a.used.Add(res)
	a.q.addUsed(res, 1, role == Master)
	s.addUser(a, res, 1)
	if a.heapPos >= 0 && a.q.ready.fair {
		a.q.ready.fix(a.heapPos)
	}
	return al.id, nil
}
