package jobmaster

import (
	"fmt"
	"slices"

	"spindle/dataflow"
	"spindle/internal/proto"
)

// MaxAttempts is how many times a task is tried before the job fails.
const MaxAttempts = 4

type task struct {
	stage, index int
	split        *proto.Split
	attempts     int               // attempts started
	running      map[string]string // attempt ID → container ID
	committed    string            // attempt ID, "" until the task succeeded
	lastErr      string
}

func (t *task) name() string { return fmt.Sprintf("s%d-t%d", t.stage, t.index) }

// State is the job master's bookkeeping. It is not safe for concurrent
// use: the shell owns it from one goroutine.
type State struct {
	appID    string
	plan     *dataflow.Plan
	parts    map[int]int // shuffle node → partitions
	tasks    [][]*task   // by stage, then index
	attempts []proto.Attempt
	byID     map[string]int   // attempt ID → index in attempts
	owner    map[string]*task // attempt ID → its task
	progress map[string]float64
	failure  string
}

// New returns the state of a job about to start. splits gives the splits
// of each source stage (by stage ID); parts gives each shuffle's partition
// count, which is also its reading stage's task count.
func New(appID string, plan *dataflow.Plan, splits map[int][]proto.Split, parts map[int]int) *State {
	s := &State{appID: appID, plan: plan, parts: parts, byID: make(map[string]int), owner: make(map[string]*task), progress: make(map[string]float64)}
	for _, st := range plan.Stages {
		n := parts[st.Root]
		if sp, ok := splits[st.ID]; ok {
			n = len(sp)
		}
		ts := make([]*task, n)
		for i := range ts {
			ts[i] = &task{stage: st.ID, index: i, running: make(map[string]string)}
			if sp, ok := splits[st.ID]; ok {
				ts[i].split = &sp[i]
			}
		}
		s.tasks = append(s.tasks, ts)
	}
	return s
}

// Done reports whether every task has a committed attempt.
func (s *State) Done() bool {
	for _, ts := range s.tasks {
		for _, t := range ts {
			if t.committed == "" {
				return false
			}
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
		for _, t := range s.tasks[d] {
			if t.committed == "" {
				return false
			}
		}
	}
	return true
}

// Assign hands the first pending task of the earliest runnable stage to
// container, or returns nil if none is runnable now.
func (s *State) Assign(containerID, workerID string) *proto.TaskSpec {
	if s.failure != "" {
		return nil
	}
	for st, ts := range s.tasks {
		if !s.runnable(st) {
			continue
		}
		for _, t := range ts {
			if t.committed == "" && len(t.running) == 0 {
				return s.start(t, containerID, workerID)
			}
		}
	}
	return nil
}

func (s *State) start(t *task, containerID, workerID string) *proto.TaskSpec {
	t.attempts++
	id := fmt.Sprintf("%s-a%d", t.name(), t.attempts)
	t.running[id] = containerID
	s.byID[id] = len(s.attempts)
	s.owner[id] = t
	s.attempts = append(s.attempts, proto.Attempt{
		Task: t.name(), Attempt: t.attempts, ContainerID: containerID, WorkerID: workerID, State: proto.AttemptRunning,
	})
	return s.spec(t, id)
}

func (s *State) spec(t *task, attemptID string) *proto.TaskSpec {
	st := s.plan.Stages[t.stage]
	spec := &proto.TaskSpec{
		AppID: s.appID, Fingerprint: s.plan.Fingerprint, Stage: t.stage, Index: t.index,
		Attempt: t.attempts, AttemptID: attemptID, Split: t.split,
	}
	for _, w := range st.Writes {
		spec.Outputs = append(spec.Outputs, proto.ShuffleOutput{Shuffle: w, Partitions: s.parts[w]})
	}
	if len(st.Deps) > 0 {
		in := proto.ShuffleInput{Shuffle: st.Root}
		for _, d := range st.Deps {
			for _, pt := range s.tasks[d] {
				in.Producers = append(in.Producers, pt.committed)
			}
		}
		spec.Inputs = []proto.ShuffleInput{in}
	}
	return spec
}

// find returns the task of an attempt ID this State issued.
func (s *State) find(attemptID string) (*task, bool) {
	t, ok := s.owner[attemptID]
	return t, ok
}

// Complete records an attempt's result. It returns the staged files to
// commit (those of the first successful attempt of a task) and those to
// discard (a later duplicate's). Unknown or already-ended attempts are
// ignored: a zombie can never commit.
func (s *State) Complete(res proto.TaskResult) (commit, discard []proto.StagedFile) {
	t, ok := s.find(res.AttemptID)
	if !ok {
		return nil, nil
	}
	if _, running := t.running[res.AttemptID]; !running {
		return nil, res.Staged
	}
	delete(t.running, res.AttemptID)
	delete(s.progress, res.AttemptID)
	a := &s.attempts[s.byID[res.AttemptID]]
	if res.Error != "" {
		a.State, a.Error = proto.AttemptFailed, res.Error
		s.failed(t, res.Error)
		return nil, nil
	}
	a.State = proto.AttemptSucceeded
	if t.committed != "" {
		return nil, res.Staged
	}
	t.committed = res.AttemptID
	return res.Staged, nil
}

// failed decides whether a task with a failed attempt gets another.
func (s *State) failed(t *task, reason string) {
	t.lastErr = reason
	if t.attempts >= MaxAttempts && len(t.running) == 0 && t.committed == "" {
		s.Fail(fmt.Sprintf("task %s failed %d times; last error: %s", t.name(), t.attempts, reason))
	}
}

// ContainerLost fails the attempts running on a container that died.
func (s *State) ContainerLost(containerID, reason string) {
	for _, ts := range s.tasks {
		for _, t := range ts {
			for id, c := range t.running {
				if c == containerID {
					s.Complete(proto.TaskResult{AttemptID: id, Error: reason})
				}
			}
		}
	}
}

// Progress records a running attempt's progress.
func (s *State) Progress(p proto.TaskProgress) {
	if t, ok := s.find(p.AttemptID); ok {
		if _, running := t.running[p.AttemptID]; running {
			s.progress[p.AttemptID] = min(max(p.Fraction, 0), 1)
		}
	}
}

// Report summarises the job for the coordinator.
func (s *State) Report() proto.AppReport {
	r := proto.AppReport{AppID: s.appID, Tasks: slices.Clone(s.attempts)}
	for i, st := range s.plan.Stages {
		ps := proto.Stage{ID: st.ID, Name: st.Name, Tasks: len(s.tasks[i])}
		sum := 0.0
		for _, t := range s.tasks[i] {
			if t.committed != "" {
				ps.Done++
				sum++
				continue
			}
			ps.Running += len(t.running)
			for id := range t.running {
				sum += s.progress[id]
			}
		}
		if ps.Tasks > 0 {
			ps.Progress = min(sum/float64(ps.Tasks), 1)
		} else {
			ps.Progress = 1
		}
		r.Stages = append(r.Stages, ps)
	}
	return r
}
