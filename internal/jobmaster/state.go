package jobmaster

import (
	"fmt"
	"time"

	"spindle/dataflow"
	"spindle/internal/proto"
)

// attempt is a running attempt of a task.
type attempt struct {
	id, container, worker string
	start                 time.Time
	seen                  time.Time // start, or its latest progress report
}

type task struct {
	stage, index int
	split        *proto.Split
	attempts     int                 // attempts started
	failures     int                 // failed attempts that count toward the limit
	running      map[string]*attempt // by attempt ID
	committed    string              // attempt ID, "" until the task succeeded
	took         time.Duration       // the committed attempt's run time
	prefixes     []proto.Prefix      // earlier attempts' batches the committed one took over
	lastErr      string
	notBefore    time.Time       // backoff: no new attempt before
	failedOn     map[string]bool // workers where an attempt failed
	fresh        bool            // its output was lost: the next attempt must not resume a checkpoint
}

func (t *task) name() string { return fmt.Sprintf("s%d-t%d", t.stage, t.index) }

// pending reports whether t waits for an attempt.
func (t *task) pending() bool { return t.committed == "" && len(t.running) == 0 }

// State is the job master's bookkeeping: pure, it does no I/O and reads no
// clock (time comes in as now). It is not safe for concurrent use: the
// shell owns it from one goroutine.
type State struct {
	appID      string
	plan       *dataflow.Plan
	policy     Policy
	parts      map[int]int // shuffle node → partitions
	tasks      [][]*task   // by stage, then index
	attempts   []proto.Attempt
	byID       map[string]int   // attempt ID → index in attempts
	owner      map[string]*task // attempt ID → its task
	progress   map[string]float64
	containers map[string]string // live executor container → its worker
	lost       map[string]bool   // containers declared lost: never trusted again
	draining   map[string]bool   // containers about to be preempted: no new work
	epoch      string            // suffix of attempt IDs: which job master attempt issued them
	failure    string
}

// SetEpoch makes attempt IDs unique to job master attempt n: from the
// second on, IDs carry "-j<n>", so that a zombie of an earlier job
// master's attempt can never be mistaken for a new one.
func (s *State) SetEpoch(n int) {
	if n > 1 {
		s.epoch = fmt.Sprintf("-j%d", n)
	}
}

// New returns the state of a job about to start. splits gives the splits
// of each source stage (by stage ID); parts gives each shuffle's partition
// count, which is also its reading stage's task count.
func New(appID string, plan *dataflow.Plan, splits map[int][]proto.Split, parts map[int]int, policy Policy) *State {
	s := &State{appID: appID, plan: plan, policy: policy, parts: parts,
		byID: map[string]int{}, owner: map[string]*task{}, progress: map[string]float64{}, containers: map[string]string{}, lost: map[string]bool{}, draining: map[string]bool{}}
	for _, st := range plan.Stages {
		sp, isSource := splits[st.ID]
		n := parts[st.Root]
		if isSource {
			n = len(sp)
		}
		ts := make([]*task, n)
		for i := range ts {
			ts[i] = &task{stage: st.ID, index: i, running: map[string]*attempt{}, failedOn: map[string]bool{}}
			if isSource {
				ts[i].split = &sp[i]
			}
		}
		s.tasks = append(s.tasks, ts)
	}
	return s
}

// Done reports whether every task has a committed attempt.
func (s *State) Done() bool {
	for st := range s.tasks {
		if !s.stageDone(st) {
			return false
		}
	}
	return true
}

func (s *State) stageDone(st int) bool {
	for _, t := range s.tasks[st] {
		if t.committed == "" {
			return false
		}
	}
	return true
}

// Failure is why the job failed, or "" while it has not.
func (s *State) Failure() string { return s.failure }

// Fail fails the job (for instance when a commit cannot be written).
func (s *State) Fail(reason string) {
	if s.failure == "" {
		s.failure = reason
	}
}

// MaxParallelism is the task count of the widest stage: more executors
// than that would idle.
func (s *State) MaxParallelism() int {
	m := 0
	for _, ts := range s.tasks {
		m = max(m, len(ts))
	}
	return m
}

// runnable reports whether every stage that stage st reads is done.
func (s *State) runnable(st int) bool {
	for _, d := range s.plan.Stages[st].Deps {
		if !s.stageDone(d) {
			return false
		}
	}
	return true
}

// find returns the task of an attempt ID this State issued.
func (s *State) find(attemptID string) (*task, bool) {
	t, ok := s.owner[attemptID]
	return t, ok
}

// Lost reports whether a container was declared lost (or exited) or is
// about to be preempted: if it asks for work, it must exit instead.
func (s *State) Lost(containerID string) bool { return s.lost[containerID] || s.draining[containerID] }

// Known reports whether a live executor container asked this State for
// work.
func (s *State) Known(containerID string) bool {
	_, ok := s.containers[containerID]
	return ok
}

// Preempting takes the coordinator's notice that a container will be
// preempted: it gets no new work, and if its attempt dies with it, that
// does not count as a failure of the task.
func (s *State) Preempting(containerID string) {
	s.draining[containerID] = true
	delete(s.containers, containerID)
}
