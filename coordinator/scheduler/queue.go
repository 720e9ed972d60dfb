package scheduler

import (
	"spindle/coordinator/scheduler/queues"
	"spindle/internal/proto"
)

// queue is the live state of one configured queue. Counters of a parent
// cover its whole subtree.
type queue struct {
	conf     *queues.Queue
	parent   *queue
	children []*queue
	used     proto.Resources
	amUsed   proto.Resources
	pending  int // containers asked for and not granted
	pendRes  proto.Resources
	blocked  uint64          // round in which nothing more can be served here
	starved  uint64          // round in which an ask found no node with room
	failRes  proto.Resources // the ask that found no node in round failed
	failed   uint64
	marked   proto.Resources
	// leaf only
	apps  []*app // by submission
	ready appHeap
	users map[string]proto.Resources
}

// buildQueues makes the live tree of conf and indexes its leaves by name.
func buildQueues(conf *queues.Config) (*queue, map[string]*queue, []*queue) {
	leaves := map[string]*queue{}
	var all []*queue
	var build func(c *queues.Queue, parent *queue) *queue
	build = func(c *queues.Queue, parent *queue) *queue {
		q := &queue{conf: c, parent: parent, users: map[string]proto.Resources{}}
		q.ready.fair = c.Ordering == queues.Fair
		all = append(all, q)
		for _, ch := range c.Children {
			q.children = append(q.children, build(ch, q))
		}
		if c.Leaf() && parent != nil {
			leaves[c.Name] = q
		}
		return q
	}
	return build(conf.Root, nil), leaves, all
}

func (q *queue) leaf() bool { return len(q.children) == 0 }

// addUsed adds r (sign 1) or removes it (sign -1) from q and its
// ancestors; am says r is a job master's.
func (q *queue) addUsed(r proto.Resources, sign int, am bool) {
	for ; q != nil; q = q.parent {
		q.used = addScaled(q.used, r, sign)
		if am {
			q.amUsed = addScaled(q.amUsed, r, sign)
		}
	}
}

// addPending adds n containers of r to the pending counters of q and its
// ancestors (n may be negative).
func (q *queue) addPending(r proto.Resources, n int) {
	for ; q != nil; q = q.parent {
		q.pending += n
		q.pendRes = addScaled(q.pendRes, r, n)
	}
}

func addScaled(a, b proto.Resources, n int) proto.Resources {
	return proto.Resources{VCores: a.VCores + n*b.VCores, MemoryBytes: a.MemoryBytes + int64(n)*b.MemoryBytes}
}

// share is r's dominant share of total: the larger of its vcore and
// memory fractions.
func share(r, total proto.Resources) float64 {
	var v, m float64
	if total.VCores > 0 {
		v = float64(r.VCores) / float64(total.VCores)
	}
	if total.MemoryBytes > 0 {
		m = float64(r.MemoryBytes) / float64(total.MemoryBytes)
	}
	return max(v, m)
}

// ratio orders sibling queues: used share over guaranteed share, lowest
// first; a queue with no guarantee comes after every one with some.
func (q *queue) ratio(total proto.Resources) float64 {
	s := share(q.used, total)
	if q.conf.AbsCapacity <= 0 {
		return 1e9 + s
	}
	return s / q.conf.AbsCapacity
}

// pickLeaf walks down from q to the leaf to serve next, or returns nil
// (marking q blocked for this round) when nothing under q can be served.
func (s *Scheduler) pickLeaf(q *queue) *queue {
	if q.pending == 0 || q.blocked == s.round {
		return nil
	}
	if q.leaf() {
		if q.ready.Len() == 0 {
			q.blocked = s.round
			return nil
		}
		return q
	}
	total := s.idx.Total()
	for {
		var best *queue
		for _, ch := range q.children {
			if ch.pending > 0 && ch.blocked != s.round && (best == nil || ch.ratio(total) < best.ratio(total)) {
				best = ch
			}
		}
		if best == nil {
			q.blocked = s.round
			return nil
		}
		if l := s.pickLeaf(best); l != nil {
			return l
		}
	}
}

// limitsAllow checks the queue-side limits of giving n containers of r
// to a in its leaf q: every queue below the root stays within its
// maximum, the user within the user limit, job masters within their
// share. A user's or the queue's first container is always allowed, so
// that a small cluster can run a job.
func (s *Scheduler) limitsAllow(a *app, role Role, r proto.Resources, n int) bool {
	total := s.idx.Total()
	need := addScaled(proto.Resources{}, r, n)
	for q := a.q; q.parent != nil; q = q.parent { // the root's limit is the nodes'
		if share(q.used.Add(need), total) > q.conf.AbsMax+eps {
			return false
		}
	}
	q := a.q
	if u := q.users[a.spec.User]; u != (proto.Resources{}) && !a.firstExecutor(role) &&
		share(u.Add(need), total) > q.conf.AbsMax*q.conf.UserLimit/100+eps {
		return false
	}
	if role == Master && q.amUsed != (proto.Resources{}) &&
		share(q.amUsed.Add(need), total) > q.conf.AbsMax*q.conf.MaxAMShare/100+eps {
		return false
	}
	return true
}

const eps = 1e-9

// firstExecutor reports whether a role-Executor container would be the
// application's first one besides its job master. The user limit never
// refuses it: like YARN's floor of one container, it keeps a user whose
// job master alone reaches the limit from waiting forever.
func (a *app) firstExecutor(role Role) bool {
	if role != Executor {
		return false
	}
	for _, r := range a.running {
		if r.role == Executor {
			return false
		}
	}
	return true
}
