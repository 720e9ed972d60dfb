package jobmaster

import (
	"fmt"
	"slices"
	"time"

	"spindle/internal/proto"
)

// Assign hands a task to an executor container asking for work, or
// returns nil if none is runnable for it now. It takes the first pending
// task of the earliest runnable stage whose backoff has passed, avoiding
// tasks that failed on this worker while another live worker could take
// them; failing that, a speculative copy of a straggler.
func (s *State) Assign(now time.Time, containerID, workerID string) *proto.TaskSpec {
	if s.failure != "" || s.Lost(containerID) {
		return nil
	}
	s.containers[containerID] = workerID
	for st, ts := range s.tasks {
		if !s.runnable(st) {
			continue
		}
		for _, t := range ts {
			if t.pending() && !now.Before(t.notBefore) && !s.avoid(t, workerID) {
				return s.start(now, t, containerID, workerID)
			}
		}
	}
	if t := s.straggler(now, workerID); t != nil {
		return s.start(now, t, containerID, workerID)
	}
	return nil
}

// avoid reports whether t should wait for a worker other than w: it
// failed on w and some live executor's worker has not failed it.
func (s *State) avoid(t *task, w string) bool {
	if !t.failedOn[w] {
		return false
	}
	for _, other := range s.containers {
		if other != w && !t.failedOn[other] {
			return true
		}
	}
	return false
}

// straggler returns a running task of a runnable stage that deserves a
// speculative attempt on worker w, the one running longest, or nil.
func (s *State) straggler(now time.Time, w string) *task {
	if !s.policy.Speculation {
		return nil
	}
	var best *task
	var bestRun time.Duration
	for st, ts := range s.tasks {
		limit, ok := s.specLimit(st)
		if !ok || !s.runnable(st) {
			continue
		}
		for _, t := range ts {
			if t.committed != "" || len(t.running) != 1 || t.failures >= s.policy.MaxAttempts-1 {
				continue
			}
			for _, a := range t.running {
				if run := now.Sub(a.start); a.worker != w && run > limit && run > bestRun {
					best, bestRun = t, run
				}
			}
		}
	}
	return best
}

// specLimit is the run time past which a task of stage st is a straggler,
// once enough of the stage finished.
func (s *State) specLimit(st int) (time.Duration, bool) {
	var took []time.Duration
	for _, t := range s.tasks[st] {
		if t.committed != "" {
			took = append(took, t.took)
		}
	}
	ts := s.tasks[st]
	if len(ts) < 2 || float64(len(took)) < s.policy.SpecQuantile*float64(len(ts)) || len(took) == len(ts) {
		return 0, false
	}
	slices.Sort(took)
	limit := time.Duration(float64(took[len(took)/2]) * s.policy.SpecMultiplier)
	return max(limit, s.policy.SpecMinRuntime), true
}

func (s *State) start(now time.Time, t *task, containerID, workerID string) *proto.TaskSpec {
	t.attempts++
	id := fmt.Sprintf("%s-a%d%s", t.name(), t.attempts, s.epoch)
	t.running[id] = &attempt{id: id, container: containerID, worker: workerID, start: now, seen: now}
	s.byID[id] = len(s.attempts)
	s.owner[id] = t
	s.attempts = append(s.attempts, proto.Attempt{
		Task: t.name(), ID: id, Attempt: t.attempts, ContainerID: containerID, WorkerID: workerID, State: proto.AttemptRunning,
		Started: now,
	})
	return s.spec(t, id)
}

func (s *State) spec(t *task, attemptID string) *proto.TaskSpec {
	st := s.plan.Stages[t.stage]
	spec := &proto.TaskSpec{
		AppID: s.appID, Fingerprint: s.plan.Fingerprint, Stage: t.stage, Index: t.index,
		Attempt: t.attempts, AttemptID: attemptID, Split: t.split, Fresh: t.fresh,
	}
	for _, w := range st.Writes {
		spec.Outputs = append(spec.Outputs, proto.ShuffleOutput{Shuffle: w, Partitions: s.parts[w]})
	}
	if t.split == nil {
		spec.Inputs = s.inputs(st.Root, t.index, false)
	}
	for _, b := range st.Broadcasts {
		spec.Inputs = append(spec.Inputs, s.inputs(b, 0, true)...)
	}
	return spec
}

// inputs names the committed producers of one partition of shuffle (or
// broadcast) node id, one input per stage that writes it.
func (s *State) inputs(id, part int, broadcast bool) []proto.ShuffleInput {
	var out []proto.ShuffleInput
	for _, d := range s.plan.WritersOf(id) {
		in := proto.ShuffleInput{Shuffle: id, Broadcast: broadcast, Stage: d}
		for _, pt := range s.tasks[d] {
			in.Producers = append(in.Producers, pt.committed)
			in.Prefixes = append(in.Prefixes, partPrefixes(pt.prefixes, id, part)...)
		}
		out = append(out, in)
	}
	return out
}

// partPrefixes picks, from a producer's taken-over batches, those of one
// partition of one shuffle.
func partPrefixes(ps []proto.Prefix, shuffle, part int) []proto.PartPrefix {
	var out []proto.PartPrefix
	for _, p := range ps {
		if p.Shuffle == shuffle && part < len(p.Counts) && p.Counts[part] > 0 {
			out = append(out, proto.PartPrefix{Attempt: p.Attempt, Count: p.Counts[part]})
		}
	}
	return out
}
