package cluster

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"spindle/coordinator/scheduler"
	"spindle/coordinator/scheduler/queues"
	"spindle/internal/proto"
)

// DefaultQueue is the queue of a submission that names none.
const DefaultQueue = queues.DefaultName

// State is the coordinator's view of the cluster. It is not safe for
// concurrent use.
type State struct {
	startMs       int64 // coordinator start, in Unix ms, part of every ID
	nodeTimeout   time.Duration
	masterTimeout time.Duration // a job master silent this long is replaced; 0: never
	appSeq        int
	apps          map[string]*app
	order         []*app // submission order; restored apps first
	nodes         map[string]*node
	sched         *scheduler.Scheduler // places containers; owns pending asks
	allocOf       map[string]scheduler.AllocID
	ctrOf         map[scheduler.AllocID]string
	now           time.Time // of the latest event, for asks made without one
	// unsure are recovered containers whose launch was in flight when the
	// previous leader stopped (no PID recorded): their worker's heartbeats
	// tell whether they run.
	unsure map[string]bool
}

// app is an application and the bookkeeping behind its record.
type app struct {
	rec       proto.App
	nextCtr   int       // last container number handed out
	masterID  string    // the job master's container ID, once granted
	restored  bool      // loaded from the store; read-only
	wantCount int       // executors wanted (AllocateRequest.Count)
	preferred []string  // workers the job master would rather use
	heard     time.Time // the job master's latest report, or its grant
}

// node is a worker.
type node struct {
	rec      proto.Node
	lastSeen time.Time
	// absent counts, for each container the State thinks runs on the
	// node, the heartbeats in a row that did not list it.
	absent map[string]int
}

// New returns an empty State with the default scheduler (one "default"
// queue, least-loaded placement). start is the coordinator's start time
// (it makes IDs unique across restarts); a worker silent for nodeTimeout
// is lost.
func New(start time.Time, nodeTimeout time.Duration) *State {
	s, err := NewWith(start, nodeTimeout, scheduler.Config{})
	if err != nil {
		panic(err) // the default configuration is valid
	}
	return s
}

// NewWith is New with a scheduler configuration (queues, placement,
// preemption). It fails only for an unknown placement policy.
func NewWith(start time.Time, nodeTimeout time.Duration, cfg scheduler.Config) (*State, error) {
	sched, err := scheduler.New(cfg)
	if err != nil {
		return nil, err
	}
	return &State{
		startMs:     start.UnixMilli(),
		nodeTimeout: nodeTimeout,
		apps:        map[string]*app{},
		nodes:       map[string]*node{},
		sched:       sched,
		allocOf:     map[string]scheduler.AllocID{},
		ctrOf:       map[scheduler.AllocID]string{},
		unsure:      map[string]bool{},
		now:         start,
	}, nil
}

// SetMasterTimeout makes a job master that sends no report for d count
// as failed (its container is stopped and, attempts permitting, a new one
// resumes the job), like YARN's ApplicationMaster liveness monitor. Zero
// disables it.
func (s *State) SetMasterTimeout(d time.Duration) { s.masterTimeout = d }

// Restore adds a final application record loaded from the store, so that
// it is listed. Non-final records are refused (recovery is not done yet).
func (s *State) Restore(rec proto.App) error {
	if !proto.Final(rec.State) {
		return fmt.Errorf("cluster: cannot restore %s in state %s", rec.ID, rec.State)
	}
	if _, ok := s.apps[rec.ID]; ok {
		return fmt.Errorf("cluster: application %s already known", rec.ID)
	}
	a := &app{rec: cloneApp(rec), restored: true}
	s.apps[rec.ID] = a
	s.order = append(s.order, a)
	return nil
}

// Apps returns copies of all application records, newest first.
func (s *State) Apps() []proto.App {
	out := make([]proto.App, 0, len(s.order))
	for _, a := range s.order {
		rec := a.record()
		rec.Waiting = s.waiting(a)
		out = append(out, rec)
	}
	slices.SortStableFunc(out, func(x, y proto.App) int {
		return y.SubmittedAt.Compare(x.SubmittedAt)
	})
	return out
}

// App returns a copy of one application record, with what it waits for
// as the coordinator sees it.
func (s *State) App(id string) (proto.App, error) {
	a, ok := s.apps[id]
	if !ok {
		return proto.App{}, unknownApp(id)
	}
	rec := a.record()
	rec.Waiting = s.waiting(a)
	return rec, nil
}

// Nodes returns copies of all node records, sorted by ID.
func (s *State) Nodes() []proto.Node {
	out := make([]proto.Node, 0, len(s.nodes))
	for _, n := range s.nodes {
		out = append(out, n.rec)
	}
	slices.SortFunc(out, func(x, y proto.Node) int { return cmp.Compare(x.ID, y.ID) })
	return out
}

// Summary is a few numbers for metrics.
type Summary struct {
	Nodes, LiveNodes, RunningApps, Pending int
}

// Summary counts nodes, live nodes, non-final apps and pending requests.
func (s *State) Summary() Summary {
	sum := Summary{Nodes: len(s.nodes), Pending: s.sched.PendingTotal()}
	for _, n := range s.nodes {
		if n.rec.State == proto.NodeRunning {
			sum.LiveNodes++
		}
	}
	for _, a := range s.apps {
		if !proto.Final(a.rec.State) {
			sum.RunningApps++
		}
	}
	return sum
}

// ClusterVCores is the total vcores of running nodes.
func (s *State) ClusterVCores() int {
	total := 0
	for _, n := range s.nodes {
		if n.rec.State == proto.NodeRunning {
			total += n.rec.Capacity.VCores
		}
	}
	return total
}

func unknownApp(id string) error { return fmt.Errorf("unknown application %q", id) }

// record returns a deep copy of the app's record.
func (a *app) record() proto.App { return cloneApp(a.rec) }

// idBase is the part of the app's ID its container IDs repeat
// ("<coordinator start ms>_<seq>").
func (a *app) idBase() string { return strings.TrimPrefix(a.rec.ID, "application_") }

// container returns the app's container with the given ID, or nil.
func (a *app) container(id string) *proto.Container {
	for i := range a.rec.Containers {
		if a.rec.Containers[i].ID == id {
			return &a.rec.Containers[i]
		}
	}
	return nil
}

// runningExecutors counts the app's executors in state RUNNING.
func (a *app) runningExecutors() int {
	n := 0
	for _, c := range a.rec.Containers {
		if c.Role == proto.RoleExecutor && c.State == proto.ContainerRunning {
			n++
		}
	}
	return n
}

func cloneApp(a proto.App) proto.App {
	a.Args = slices.Clone(a.Args)
	a.Containers = slices.Clone(a.Containers)
	a.Stages = slices.Clone(a.Stages)
	a.Tasks = slices.Clone(a.Tasks)
	return a
}
