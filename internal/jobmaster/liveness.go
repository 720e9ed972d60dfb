package jobmaster

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"spindle/internal/proto"
)

// Progress records a running attempt's progress report at now. Reports
// double as the attempt's liveness signal: see Stalled.
func (s *State) Progress(now time.Time, p proto.TaskProgress) {
	t, ok := s.find(p.AttemptID)
	if !ok {
		return
	}
	if a, running := t.running[p.AttemptID]; running {
		s.progress[p.AttemptID] = min(max(p.Fraction, 0), 1)
		a.seen = now
	}
}

// Stall is a running attempt that stopped reporting.
type Stall struct {
	AttemptID   string
	ContainerID string
	Silent      time.Duration // since its last report (or its start)
}

// Stalled returns the running attempts that sent no progress report for
// longer than timeout, oldest first. Executors report every half second
// while an attempt runs, whatever it does, so silence means the container
// froze, lost its connection, or its reports are lost: the caller
// declares the container lost (ContainerLost) and gives it back, and the
// task runs again elsewhere. A timeout of 0 disables the check.
func (s *State) Stalled(now time.Time, timeout time.Duration) []Stall {
	if timeout <= 0 {
		return nil
	}
	var out []Stall
	for _, ts := range s.tasks {
		for _, t := range ts {
			for _, a := range t.running {
				if silent := now.Sub(a.seen); silent > timeout {
					out = append(out, Stall{AttemptID: a.id, ContainerID: a.container, Silent: silent})
				}
			}
		}
	}
	slices.SortFunc(out, func(x, y Stall) int { return strings.Compare(x.AttemptID, y.AttemptID) })
	return out
}

// Reason is the error recorded for the stalled attempt.
func (st Stall) Reason() string {
	return fmt.Sprintf("no progress report from attempt %s for %v: container %s taken as lost",
		st.AttemptID, st.Silent.Round(time.Second), st.ContainerID)
}
