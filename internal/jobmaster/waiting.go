package jobmaster

import (
	"fmt"
	"time"
)

// Waiting says what the job waits for at now when no attempt runs, or ""
// when some attempt runs or the job has its verdict. It is how a job
// that makes no progress says why in status.
func (s *State) Waiting(now time.Time) string {
	if s.failure != "" || s.Done() {
		return ""
	}
	for _, ts := range s.tasks {
		for _, t := range ts {
			if len(t.running) > 0 {
				return ""
			}
		}
	}
	if len(s.containers) == 0 {
		return "waiting for executors: none has asked for work yet"
	}
	if t := s.backingOff(now); t != nil {
		return fmt.Sprintf("task %s waits %v before attempt %d (last error: %s)",
			t.name(), t.notBefore.Sub(now).Round(100*time.Millisecond), t.attempts+1, t.lastErr)
	}
	return fmt.Sprintf("%d executors connected, no task runnable on them", len(s.containers))
}

// backingOff returns a pending task of a runnable stage that waits for its
// backoff to pass, or nil.
func (s *State) backingOff(now time.Time) *task {
	for st, ts := range s.tasks {
		if !s.runnable(st) {
			continue
		}
		for _, t := range ts {
			if t.pending() && now.Before(t.notBefore) {
				return t
			}
		}
	}
	return nil
}

// Remaining counts the tasks without a committed attempt: the most
// executors the job can still use.
func (s *State) Remaining() int {
	n := 0
	for _, ts := range s.tasks {
		for _, t := range ts {
			if t.committed == "" {
				n++
			}
		}
	}
	return n
}
