package scheduler

import (
	"cmp"
	"slices"
	"time"

	"spindle/internal/proto"
)

// Tick advances virtual time: it kills containers whose preemption grace
// has passed, runs a scheduling round, and then plans preemption for
// queues that are below their guarantee and could not place an ask.
func (s *Scheduler) Tick(now time.Time) Result {
	s.out = Result{}
	s.expireNotices(now)
	s.allocate(now)
	if !s.cfg.NoPreemption {
		s.planPreemption(now)
	}
	return s.out
}

// expireNotices kills the containers whose deadline passed, if their
// queue is still above its guarantee and some queue still starves;
// otherwise the notice lapses.
func (s *Scheduler) expireNotices(now time.Time) {
	kept := s.marked[:0]
	starving := s.starvingNeed() > eps
	for _, al := range s.marked {
		if s.allocs[al.id] != al {
			continue // released meanwhile
		}
		if now.Before(al.preemptAt) {
			kept = append(kept, al)
			continue
		}
		if starving && s.staysAtGuarantee(al.app.q, al.app.q.used.Sub(al.res), al.res) {
			node, app := s.idx.Node(al.slot).ID, al.app.spec.ID
			s.release(al)
			s.out.Kills = append(s.out.Kills, Kill{Alloc: al.id, App: app, Node: node})
			continue
		}
		al.preemptAt = time.Time{}
		al.app.q.marked = al.app.q.marked.Sub(al.res)
	}
	clear(s.marked[len(kept):])
	s.marked = kept
}

// excess is how far q's use, less what is already marked, is above its
// guarantee, as a share of the cluster (negative when below).
func (s *Scheduler) excess(q *queue) float64 {
	total := s.idx.Total()
	return share(q.used.Sub(q.marked), total) - q.conf.AbsCapacity
}

// staysAtGuarantee reports whether q, using left after giving up a
// container of r, is still at its guarantee, give or take half of r.
// Guarantees rarely fall on whole containers: rounding to the nearest
// container lets every queue get within half a container of its
// guarantee, and a starved queue only takes a container when it misses
// more than half of one (see planPreemption), so two queues never take
// the same container back and forth.
func (s *Scheduler) staysAtGuarantee(q *queue, left, r proto.Resources) bool {
	total := s.idx.Total()
	return share(left, total) >= q.conf.AbsCapacity-share(r, total)/2-eps
}

// starvingNeed is what leaves below their guarantee with pending demand
// still miss, as a share of the cluster: min(guarantee gap, demand).
func (s *Scheduler) starvingNeed() float64 {
	total := s.idx.Total()
	need := 0.0
	for _, q := range s.all {
		if !q.leaf() || q.pending == 0 {
			continue
		}
		gap := q.conf.AbsCapacity - share(q.used, total)
		need += max(0, min(gap, share(q.pendRes, total)))
	}
	return need
}

// planPreemption marks containers of over-served leaves for the leaves
// that starved in this round's allocation.
func (s *Scheduler) planPreemption(now time.Time) {
	total := s.idx.Total()
	need := -share(s.markedTotal(), total)
	protectMasters := true
	for _, q := range s.all {
		if q.leaf() && q.starved == s.round && q.pending > 0 {
			gap := q.conf.AbsCapacity - share(q.used, total)
			need += max(0, min(gap, share(q.pendRes, total)))
			protectMasters = protectMasters && q.used.VCores > 0
		}
	}
	if need <= eps {
		return
	}
	budget := s.cfg.PreemptFraction
	for _, al := range s.victims(protectMasters) {
		r := share(al.res, total)
		if need <= r/2+eps || (budget < r && len(s.out.Notices) > 0) {
			break
		}
		q := al.app.q
		if !s.staysAtGuarantee(q, q.used.Sub(q.marked).Sub(al.res), al.res) {
			continue // would push its queue below its guarantee
		}
		s.mark(al, now)
		need, budget = need-r, budget-r
	}
}

// victims lists candidate containers: those of leaves above their
// guarantee, most over first; within a leaf the newest application
// first, executors youngest first; job masters last, and only when
// protectMasters is false (a starved queue runs nothing at all).
func (s *Scheduler) victims(protectMasters bool) []*alloc {
	var over []*queue
	for _, q := range s.all {
		if q.leaf() && s.excess(q) > eps {
			over = append(over, q)
		}
	}
	slices.SortStableFunc(over, func(x, y *queue) int { return cmp.Compare(s.excess(y), s.excess(x)) })
	var execs, masters []*alloc
	for _, q := range over {
		for i := len(q.apps) - 1; i >= 0; i-- {
			for _, al := range byYoungest(q.apps[i].running) {
				if !al.preemptAt.IsZero() {
					continue
				}
				if al.role == Master {
					masters = append(masters, al)
				} else {
					execs = append(execs, al)
				}
			}
		}
	}
	if protectMasters {
		return execs
	}
	return append(execs, masters...)
}

func byYoungest(running []*alloc) []*alloc {
	out := slices.Clone(running)
	slices.SortFunc(out, func(x, y *alloc) int { return cmp.Compare(y.id, x.id) })
	return out
}

// mark puts al under a preemption notice.
func (s *Scheduler) mark(al *alloc, now time.Time) {
	al.preemptAt = now.Add(s.cfg.PreemptGrace)
	al.app.q.marked = al.app.q.marked.Add(al.res)
	s.marked = append(s.marked, al)
	s.out.Notices = append(s.out.Notices, Notice{Alloc: al.id, App: al.app.spec.ID,
		Node: s.idx.Node(al.slot).ID, Deadline: al.preemptAt})
}

func (s *Scheduler) markedTotal() (sum proto.Resources) {
	for _, al := range s.marked {
		sum = sum.Add(al.res)
	}
	return sum
}
