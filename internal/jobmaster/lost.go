package jobmaster

import (
	"fmt"
	"time"
)

// inputsLost takes a consumer attempt's report that the shuffle output of
// the producer attempts ids is missing or corrupt. Each producer task
// whose committed output includes one of them (its own batches, or an
// earlier attempt's taken over from a checkpoint) is committed no more: it
// runs again, from the start of its split (fresh, since its checkpoint
// would take the lost batches over again), and the consumer's stage waits
// for it. Losing its output counts as one of the producer's failed
// attempts, so that data lost again and again fails the job in the end.
// It reports whether any committed task was found.
func (s *State) inputsLost(now time.Time, ids []string, reason string) bool {
	found := false
	for _, id := range ids {
		t := s.producerOf(id)
		if t == nil {
			continue
		}
		found = true
		if i, ok := s.byID[t.committed]; ok {
			s.attempts[i].Error = "output lost: " + reason
		}
		t.committed, t.prefixes, t.took, t.fresh = "", nil, 0, true
		t.lastErr = "output lost: " + reason
		t.notBefore = now
		if t.failures++; t.failures >= s.policy.MaxAttempts {
			s.Fail(fmt.Sprintf("task %s lost its output %d times; last: %s", t.name(), t.failures, reason))
		}
	}
	return found
}

// producerOf returns the committed task whose output includes the
// batches of attempt id, or nil.
func (s *State) producerOf(id string) *task {
	for _, ts := range s.tasks {
		for _, t := range ts {
			if t.committed == "" {
				continue
			}
			if t.committed == id {
				return t
			}
			for _, p := range t.prefixes {
				if p.Attempt == id {
					return t
				}
			}
		}
	}
	return nil
}
