package cluster

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"spindle/internal/proto"
)

// absentLimit is how many heartbeats in a row may leave out a container
// before the State takes it as exited. One is not enough: a heartbeat
// built just before a launch, or just after an exit whose report is on
// its way, leaves a live or reported container out.
const absentLimit = 2

// reconcile compares the containers a heartbeat lists with those the
// State thinks run on the node. One left out absentLimit times in a row
// exited without its exit report reaching the coordinator (it was
// dropped): it is ended as such, so that its job master hears of it. A
// container not yet launched (no PID) is not expected in heartbeats.
func (s *State) reconcile(now time.Time, n *node, listed []string, eff *Effects) {
	if n.absent == nil {
		n.absent = map[string]int{}
	}
	for _, a := range s.order {
		if proto.Final(a.rec.State) || a.restored {
			continue
		}
		for i := range a.rec.Containers {
			c := &a.rec.Containers[i]
			if c.WorkerID != n.rec.ID || c.State != proto.ContainerRunning || (c.PID == 0 && !s.unsure[c.ID]) {
				continue
			}
			if slices.Contains(listed, c.ID) {
				delete(n.absent, c.ID)
				delete(s.unsure, c.ID)
				continue
			}
			if n.absent[c.ID]++; n.absent[c.ID] >= absentLimit {
				delete(n.absent, c.ID)
				delete(s.unsure, c.ID)
				s.exited(now, a, c, proto.ContainerExit{WorkerID: n.rec.ID, AppID: a.rec.ID, ContainerID: c.ID, ExitCode: -1,
					Error: fmt.Sprintf("no longer runs on %s, and its exit report never arrived", n.rec.ID)}, eff)
			}
		}
	}
}

// checkMasters fails the job master attempts that sent no report for
// masterTimeout since their launch or their last report: a frozen or hung
// job master must not leave its application RUNNING for ever. Its
// container is stopped.
func (s *State) checkMasters(now time.Time, eff *Effects) {
	if s.masterTimeout <= 0 {
		return
	}
	for _, a := range s.order {
		if proto.Final(a.rec.State) || a.restored || a.masterID == "" || now.Sub(a.heard) <= s.masterTimeout {
			continue
		}
		c := a.container(a.masterID)
		if c == nil || c.State != proto.ContainerRunning || c.PID == 0 {
			continue // not launched yet: the launch has its own timeout
		}
		diag := fmt.Sprintf("job master sent no report for %v", now.Sub(a.heard).Round(time.Second))
		s.endContainer(c, proto.ContainerKilled, diag)
		eff.stop(c.WorkerID, proto.StopRequest{AppID: a.rec.ID, ContainerID: c.ID})
		s.masterFailed(now, a, diag, eff)
		s.topUp(a)
		eff.persist(a)
	}
}

// waiting says what a live application waits for: what its job master
// last said, and, as the coordinator sees it, the containers it asked for
// that are not granted yet and a job master gone quiet.
func (s *State) waiting(a *app) string {
	if proto.Final(a.rec.State) || a.restored {
		return ""
	}
	var parts []string
	if a.rec.Waiting != "" {
		parts = append(parts, a.rec.Waiting)
	}
	if a.masterID == "" {
		parts = append(parts, "job master container not granted yet in queue "+a.rec.Queue)
	}
	if n := s.sched.Pending(a.rec.ID); n > 0 {
		parts = append(parts, fmt.Sprintf("%d executor containers not granted yet in queue %s", n, a.rec.Queue))
	}
	if quiet := s.now.Sub(a.heard); a.masterID != "" && quiet > 10*time.Second {
		parts = append(parts, fmt.Sprintf("no report from the job master for %v", quiet.Round(time.Second)))
	}
	return strings.Join(parts, "; ")
}
