package sim

import (
	"container/heap"
	"time"

	"spindle/coordinator/scheduler"
)

// Event kinds.
const (
	evArrive = iota
	evTaskEnd
	evTick
)

type event struct {
	at    time.Duration
	seq   int
	kind  int
	app   string
	alloc scheduler.AllocID
}

// eventHeap orders events by time, then by when they were queued.
type eventHeap []event

func (h eventHeap) Len() int { return len(h) }
func (h eventHeap) Less(i, j int) bool {
	if h[i].at != h[j].at {
		return h[i].at < h[j].at
	}
	return h[i].seq < h[j].seq
}
func (h eventHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *eventHeap) Push(x any)   { *h = append(*h, x.(event)) }
func (h *eventHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

func (r *runner) push(at time.Duration, kind int, app string, alloc scheduler.AllocID) {
	r.seq++
	heap.Push(&r.events, event{at: at, seq: r.seq, kind: kind, app: app, alloc: alloc})
}

// handle applies one event; it reports whether it was a tick.
func (r *runner) handle(ev event) bool {
	switch ev.kind {
	case evArrive:
		r.arrive(r.apps[ev.app])
	case evTaskEnd:
		r.taskEnd(r.apps[ev.app], ev.alloc)
	case evTick:
		if r.live > 0 || r.arrivals > 0 {
			r.push(r.now+r.cfg.Tick, evTick, "", 0)
		}
		return true
	}
	return false
}

// arrive asks for the application's job master.
func (r *runner) arrive(a *simApp) {
	r.arrivals--
	r.live++
	r.s.Request(epoch.Add(r.now), scheduler.Request{App: a.spec.ID, Role: scheduler.Master, Res: r.cfg.Master, Count: 1})
}

// granted starts a job master (which asks for its executors) or a task.
func (r *runner) granted(g scheduler.Grant) {
	a := r.apps[g.App]
	r.owner[g.Alloc] = a
	r.perNode[g.Node]++
	r.rep.Allocations++
	if g.Role == scheduler.Master {
		a.master = g.Alloc
		r.askExecutors(a, a.trace.Tasks, a.trace.Gang)
		return
	}
	r.delays = append(r.delays, (r.now - a.asked[0]).Seconds())
	a.asked = a.asked[1:]
	a.tasks[g.Alloc] = true
	d := a.trace.Duration * (0.5 + r.rng.Float64())
	r.push(r.now+seconds(d), evTaskEnd, a.spec.ID, g.Alloc)
}

func (r *runner) askExecutors(a *simApp, n int, gang bool) {
	for range n {
		a.asked = append(a.asked, r.now)
	}
	r.s.Request(epoch.Add(r.now), scheduler.Request{App: a.spec.ID, Role: scheduler.Executor,
		Res: r.cfg.Executor, Count: n, Gang: gang})
}

// taskEnd frees a task's executor; the last task ends the application.
func (r *runner) taskEnd(a *simApp, id scheduler.AllocID) {
	if !a.tasks[id] {
		return // preempted before it ended
	}
	delete(a.tasks, id)
	delete(r.owner, id)
	r.s.Release(id)
	if a.left--; a.left == 0 {
		r.s.RemoveApp(a.spec.ID)
		a.finished = true
		r.live--
		r.rep.AppsFinished++
	}
}

// killed re-asks for a preempted task; a preempted job master loses the
// application (counted, not retried).
func (r *runner) killed(k scheduler.Kill) {
	a := r.owner[k.Alloc]
	delete(r.owner, k.Alloc)
	r.rep.Preempted++
	if a == nil || a.finished {
		return
	}
	if k.Alloc == a.master {
		r.s.RemoveApp(a.spec.ID)
		a.finished = true
		r.live--
		return
	}
	delete(a.tasks, k.Alloc)
	r.askExecutors(a, 1, false)
}
