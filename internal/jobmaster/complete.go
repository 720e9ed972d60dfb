package jobmaster

import (
	"fmt"
	"time"

	"spindle/internal/proto"
)

// Outcome is what the shell must do after an attempt ended.
type Outcome struct {
	Committed bool // the attempt committed its task
	// Invalidated says that committed tasks became pending again (their
	// output was lost): the progress record must be saved.
	Invalidated bool
	Commit      []proto.StagedFile // rename to their final names
	Discard     []proto.StagedFile // remove
	Cancel      []Cancel           // other attempts of the task to stop
}

// Cancel names a running attempt to stop and where it runs.
type Cancel struct {
	AttemptID   string
	ContainerID string
}

// Complete records an attempt's result at now. The first successful
// attempt of a task commits; a later or unknown one (a zombie on a worker
// thought lost, a speculative loser) never does, and its files are
// discarded.
func (s *State) Complete(now time.Time, res proto.TaskResult) Outcome {
	return s.complete(now, res, false)
}

// complete is Complete; lost says the attempt died with its container,
// which is no fault of the task: it is retried at once, without backoff.
func (s *State) complete(now time.Time, res proto.TaskResult, lost bool) Outcome {
	t, ok := s.find(res.AttemptID)
	if !ok {
		return Outcome{Discard: res.Staged}
	}
	a, running := t.running[res.AttemptID]
	if !running {
		return Outcome{Discard: res.Staged}
	}
	s.end(t, a.id)
	rec := &s.attempts[s.byID[a.id]]
	rec.Counters, rec.Ended = res.Counters, now
	if res.Error != "" {
		rec.State, rec.Error = proto.AttemptFailed, res.Error
		if res.Fatal {
			s.Fail(fmt.Sprintf("task %s: %s", t.name(), res.Error))
		}
		if s.inputsLost(now, res.LostInputs, res.Error) {
			t.lastErr = res.Error // no fault of the task or its worker: it runs again once its inputs are back
			return Outcome{Invalidated: true}
		}
		s.failed(now, t, a, res.Error, !lost, !s.draining[a.container])
		return Outcome{}
	}
	rec.State = proto.AttemptSucceeded
	if t.committed != "" {
		return Outcome{Discard: res.Staged}
	}
	t.committed, t.took, t.prefixes = a.id, now.Sub(a.start), res.Prefixes
	return Outcome{Committed: true, Commit: res.Staged, Cancel: s.cancelOthers(now, t)}
}

func (s *State) end(t *task, id string) {
	delete(t.running, id)
	delete(s.progress, id)
}

// cancelOthers stops the attempts of t still running after it committed.
func (s *State) cancelOthers(now time.Time, t *task) []Cancel {
	var out []Cancel
	for id, a := range t.running {
		s.end(t, id)
		rec := &s.attempts[s.byID[id]]
		rec.State, rec.Error, rec.Ended = proto.AttemptKilled, "another attempt committed first", now
		out = append(out, Cancel{AttemptID: id, ContainerID: a.container})
	}
	return out
}

// failed schedules the next attempt of t, after a backoff if asked, or
// fails the job when t has used all its attempts.
func (s *State) failed(now time.Time, t *task, a *attempt, reason string, backoff, counts bool) {
	t.lastErr = reason
	t.failedOn[a.worker] = true
	if counts {
		t.failures++
	}
	if backoff {
		t.notBefore = now.Add(s.policy.backoff(t.failures, a.id))
	}
	if t.failures >= s.policy.MaxAttempts && len(t.running) == 0 && t.committed == "" {
		s.Fail(fmt.Sprintf("task %s failed %d times; last error: %s", t.name(), t.failures, reason))
	}
}

// ContainerLost fails the attempts running on a container that died and
// forgets the container.
func (s *State) ContainerLost(now time.Time, containerID, reason string) {
	delete(s.containers, containerID)
	s.lost[containerID] = true
	for _, ts := range s.tasks {
		for _, t := range ts {
			for id, a := range t.running {
				if a.container == containerID {
					s.complete(now, proto.TaskResult{AttemptID: id, Error: reason}, true)
				}
			}
		}
	}
}
