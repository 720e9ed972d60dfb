package sim

import (
	"container/heap"
	"fmt"
	"math/rand/v2"
	"time"

	"spindle/coordinator/scheduler"
)

// epoch is virtual time zero.
var epoch = time.Unix(0, 0).UTC()

// simApp is one simulated application.
type simApp struct {
	spec     scheduler.AppSpec
	trace    TraceApp
	master   scheduler.AllocID
	asked    []time.Duration // request times of pending executors, oldest first
	tasks    map[scheduler.AllocID]bool
	left     int // tasks not yet finished
	finished bool
}

// runner is one simulation in progress.
type runner struct {
	cfg      Config
	s        *scheduler.Scheduler
	rng      *rand.Rand
	now      time.Duration
	events   eventHeap
	seq      int
	apps     map[string]*simApp
	owner    map[scheduler.AllocID]*simApp
	delays   []float64
	perNode  map[string]int
	rep      Report
	samples  sampler
	live     int // applications arrived and not finished
	arrivals int // still to arrive
}

// Run simulates cfg and reports.
func Run(cfg Config) (Report, error) {
	cfg = cfg.WithDefaults()
	s, err := scheduler.New(scheduler.Config{Queues: cfg.Queues, Placement: cfg.Policy})
	if err != nil {
		return Report{}, err
	}
	r := &runner{cfg: cfg, s: s, rng: rand.New(rand.NewPCG(uint64(cfg.Seed), 0x5eed)),
		apps: map[string]*simApp{}, owner: map[scheduler.AllocID]*simApp{}, perNode: map[string]int{}}
	for i := range cfg.Nodes {
		s.AddNode(nodeName(i), cfg.NodeRes)
	}
	if err := r.plan(); err != nil {
		return Report{}, err
	}
	start := time.Now()
	r.loop()
	r.rep.Wall = time.Since(start)
	return r.finish(), nil
}

// plan queues every application's arrival.
func (r *runner) plan() error {
	trace := r.cfg.Trace
	if trace == nil {
		trace = r.generate()
	}
	leaves := r.cfg.Queues.Leaves()
	for i, t := range trace {
		if t.Queue == "" {
			t.Queue = leaves[i%len(leaves)].Name
		}
		if t.User == "" {
			t.User = fmt.Sprintf("user%d", i%4)
		}
		spec := scheduler.AppSpec{ID: fmt.Sprintf("app-%05d", i), Queue: t.Queue, User: t.User}
		if err := r.s.AddApp(spec); err != nil {
			return err
		}
		r.apps[spec.ID] = &simApp{spec: spec, trace: t, tasks: map[scheduler.AllocID]bool{}, left: t.Tasks}
		r.push(seconds(t.At), evArrive, spec.ID, 0)
		r.arrivals++
	}
	r.push(0, evTick, "", 0)
	return nil
}

// generate makes the applications of the flags.
func (r *runner) generate() []TraceApp {
	out := make([]TraceApp, r.cfg.Apps)
	for i := range out {
		out[i] = TraceApp{At: r.rng.Float64() * r.cfg.Arrival.Seconds(), Tasks: r.cfg.TasksPerApp,
			Duration: r.cfg.TaskDuration.Seconds()}
	}
	return out
}

func seconds(f float64) time.Duration { return time.Duration(f * float64(time.Second)) }

// loop handles events in time order, scheduling after each instant.
func (r *runner) loop() {
	for r.events.Len() > 0 && r.now <= r.cfg.Limit {
		ev := heap.Pop(&r.events).(event)
		r.now = ev.at
		tick := r.handle(ev)
		for r.events.Len() > 0 && r.events[0].at == r.now {
			tick = r.handle(heap.Pop(&r.events).(event)) || tick
		}
		r.decide(tick)
		if r.live == 0 && r.arrivals == 0 {
			break
		}
	}
	r.rep.VirtualTime = r.now
}

// decide runs the scheduler (a Tick on tick instants) and applies what it
// decided.
func (r *runner) decide(tick bool) {
	t := epoch.Add(r.now)
	start := time.Now()
	var res scheduler.Result
	if tick {
		res = r.s.Tick(t)
	} else {
		res = r.s.Schedule(t)
	}
	r.rep.SchedulerWall += time.Since(start)
	for _, g := range res.Grants {
		r.granted(g)
	}
	for _, k := range res.Kills {
		r.killed(k)
	}
	if tick {
		r.samples.take(r)
	}
}

func nodeName(i int) string { return fmt.Sprintf("node-%05d", i) }
