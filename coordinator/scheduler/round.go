package scheduler

import (
	"slices"
	"time"

	"spindle/coordinator/scheduler/placement"
)

// Schedule grants what fits now. The returned Result is valid until the
// next call of Schedule or Tick.
func (s *Scheduler) Schedule(now time.Time) Result {
	s.out = Result{}
	s.allocate(now)
	return s.out
}

// allocate runs one scheduling round.
func (s *Scheduler) allocate(now time.Time) {
	s.round++
	if s.reserved != nil && !s.serveReserved(now) {
		return
	}
	for {
		leaf := s.pickLeaf(s.root)
		if leaf == nil {
			break
		}
		s.serve(leaf, now)
	}
	for _, a := range s.deferred {
		// The round is over: an ask added from now on must queue a again
		// (addAsk skips apps set aside in the current round only).
		a.deferred = 0
		if len(a.asks) > 0 && a.heapPos < 0 && s.apps[a.spec.ID] == a {
			a.q.ready.push(a)
		}
	}
	clear(s.deferred)
	s.deferred = s.deferred[:0]
}

// serveReserved tries the reserved gang first; false means it still does
// not fit and nothing else may be granted this round.
func (s *Scheduler) serveReserved(now time.Time) bool {
	a := s.reserved
	if len(a.asks) == 0 || !a.head().gang {
		s.reserved = nil
		return true
	}
	if s.tryGang(a, a.head()) {
		s.reserved = nil
		return true
	}
	a.q.starved = s.round
	return false
}

// serve grants the head ask of the leaf's first ready application, or
// sets the application aside for this round.
func (s *Scheduler) serve(q *queue, now time.Time) {
	a := q.ready.top()
	k := a.head()
	if !k.gang && q.failed == s.round && q.failRes.Fits(k.res) {
		// An ask no larger found no node this round: neither will this
		// one, nor (usually) the ones behind it. Stop here rather than
		// walk every application of a full queue.
		q.blocked = s.round
		return
	}
	ok := false
	if k.gang {
		ok = s.tryGang(a, k)
		if !ok && s.gangWaitedTooLong(a, k, now) {
			s.reserved = a
		}
	} else {
		ok = s.tryOne(a, k)
	}
	if !ok {
		q.ready.remove(a)
		a.deferred = s.round
		s.deferred = append(s.deferred, a)
		return
	}
	if len(a.asks) == 0 {
		q.ready.remove(a)
	} else if q.ready.fair {
		q.ready.fix(a.heapPos)
	}
}

// tryOne grants one container of k, if the limits and a node allow.
func (s *Scheduler) tryOne(a *app, k *ask) bool {
	if !s.limitsAllow(a, k.role, k.res, 1) {
		return false
	}
	slot, wait := a.stack.Pick(s.idx, placement.Ask{Res: k.res, Preferred: k.preferred, Missed: k.missed})
	if wait {
		k.missed++
		return false
	}
	if slot < 0 {
		a.q.starved, a.q.failed, a.q.failRes = s.round, s.round, k.res
		return false
	}
	s.grant(a, slot)
	return true
}

// tryGang grants all of gang k or nothing: it places the containers one
// by one and undoes them if one does not fit.
func (s *Scheduler) tryGang(a *app, k *ask) bool {
	if !s.limitsAllow(a, k.role, k.res, k.count) {
		return false
	}
	slots := make([]int, 0, k.count)
	for range k.count {
		slot, _ := a.stack.Pick(s.idx, placement.Ask{Res: k.res})
		if slot < 0 {
			for _, sl := range slots {
				s.idx.Remove(sl, k.res)
			}
			a.q.starved = s.round
			return false
		}
		s.idx.Add(slot, k.res) // hold it while placing the rest
		slots = append(slots, slot)
	}
	for _, sl := range slots {
		s.idx.Remove(sl, k.res)
		s.grant(a, sl)
	}
	return true
}

// gangWaitedTooLong reports whether a gang that did not fit has waited
// past GangPatience and could fit the cluster at all.
func (s *Scheduler) gangWaitedTooLong(a *app, k *ask, now time.Time) bool {
	if s.reserved != nil || now.Sub(k.since) < s.cfg.GangPatience {
		return false
	}
	need := addScaled(k.res, k.res, k.count-1)
	return need.Fits(s.idx.Total()) && share(need, s.idx.Total()) <= a.q.conf.AbsMax+eps
}

// grant gives one container of a's head ask on slot.
func (s *Scheduler) grant(a *app, slot int) {
	k := a.head()
	s.nextAlloc++
	al := &alloc{id: s.nextAlloc, app: a, slot: slot, role: k.role, res: k.res,
		appPos: len(a.running), nodePos: len(s.nodeAlloc[slot])}
	s.allocs[al.id] = al
	a.running = append(a.running, al)
	s.nodeAlloc[slot] = append(s.nodeAlloc[slot], al)
	s.idx.Add(slot, k.res)
	a.used = a.used.Add(k.res)
	a.q.addUsed(k.res, 1, k.role == Master)
	s.addUser(a, k.res, 1)
	s.out.Grants = append(s.out.Grants, Grant{Alloc: al.id, App: a.spec.ID,
		Node: s.idx.Node(slot).ID, Role: k.role, Res: k.res})
	s.shrinkAsk(a, 0, 1)
}

func slicesSortBySeq(apps []*app) {
	slices.SortFunc(apps, func(x, y *app) int { return x.seq - y.seq })
}
