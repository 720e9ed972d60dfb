package cluster

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"spindle/coordinator/scheduler"
	"spindle/internal/proto"
)

// Recover rebuilds the State of a coordinator that takes over (a standby
// that won the lease, or a restarted one) from the stored node and
// application records: work-preserving, as YARN's ResourceManager
// restart is. Final applications are listed; live ones continue. Their
// containers on workers the records show running are kept (the
// scheduler's books are rebuilt around them) and the workers get a node
// timeout to be heard from; containers on workers already lost end as
// LOST, and a lost job master starts its next attempt. Containers whose
// launch was in flight are confirmed or ended by their worker's next
// heartbeats. Call it on a new State, before any other method.
//
// It returns what to do (events for job masters, records to persist,
// launches of what must be scheduled again) and the records it could not
// take, which are left out.
func (s *State) Recover(now time.Time, nodes []proto.Node, apps []proto.App) (Effects, []error) {
	var eff Effects
	var errs []error
	s.now = now
	for _, rec := range nodes {
		if rec.ID == "" {
			errs = append(errs, fmt.Errorf("cluster: node record without an ID"))
			continue
		}
		n := &node{rec: rec, lastSeen: now}
		n.rec.Used, n.rec.Containers = proto.Resources{}, 0
		s.nodes[rec.ID] = n
		if rec.State == proto.NodeRunning {
			n.rec.LastHeartbeat = now
			s.sched.AddNode(rec.ID, rec.Capacity)
		}
	}
	slices.SortStableFunc(apps, func(x, y proto.App) int { return x.SubmittedAt.Compare(y.SubmittedAt) })
	for _, rec := range apps {
		if _, ok := s.apps[rec.ID]; ok {
			errs = append(errs, fmt.Errorf("cluster: application %s stored twice", rec.ID))
			continue
		}
		if proto.Final(rec.State) {
			s.Restore(rec)
			continue
		}
		if err := s.recoverApp(now, rec, &eff); err != nil {
			errs = append(errs, err)
		}
	}
	s.schedule(&eff)
	return eff, errs
}

// recoverApp takes over one live application.
func (s *State) recoverApp(now time.Time, rec proto.App, eff *Effects) error {
	if !strings.HasPrefix(rec.ID, "application_") {
		return fmt.Errorf("cluster: application record with a bad ID %q", rec.ID)
	}
	a := &app{rec: cloneApp(rec), wantCount: rec.WantExecutors, heard: now}
	s.apps[rec.ID] = a
	s.order = append(s.order, a)
	for _, c := range a.rec.Containers {
		a.nextCtr = max(a.nextCtr, containerNumber(c.ID))
	}
	spec := scheduler.AppSpec{ID: rec.ID, Queue: rec.Queue, User: rec.User, Placement: rec.Placement}
	if err := s.sched.AddApp(spec); err != nil {
		for i := range a.rec.Containers {
			if c := &a.rec.Containers[i]; c.State == proto.ContainerRunning {
				eff.stop(c.WorkerID, proto.StopRequest{AppID: rec.ID})
			}
		}
		s.finish(now, a, proto.StateFailed, "not taken over by the new coordinator: "+err.Error(), eff)
		return nil
	}
	lostMaster := false
	for i := range a.rec.Containers {
		c := &a.rec.Containers[i]
		if c.State != proto.ContainerRunning {
			continue
		}
		n, ok := s.nodes[c.WorkerID]
		role := scheduler.Executor
		if c.Role == proto.RoleJobMaster {
			role = scheduler.Master
		}
		if ok && n.rec.State == proto.NodeRunning {
			if id, err := s.sched.Place(rec.ID, c.WorkerID, role, c.Resources); err == nil {
				s.allocOf[c.ID], s.ctrOf[id] = id, c.ID
				n.rec.Used = n.rec.Used.Add(c.Resources)
				n.rec.Containers++
				if c.Role == proto.RoleJobMaster {
					a.masterID = c.ID
				}
				if c.PID == 0 {
					s.unsure[c.ID] = true
				}
				continue
			}
		}
		c.State, c.Error = proto.ContainerLost, "worker "+c.WorkerID+" was lost before this coordinator took over"
		eff.event(rec.ID, *c)
		lostMaster = lostMaster || c.Role == proto.RoleJobMaster
	}
	switch {
	case lostMaster && a.masterID == "":
		s.masterFailed(now, a, "job master's worker lost during the coordinator's takeover", eff)
	case a.masterID == "":
		// Submitted, or between attempts: its job master is still to come.
		a.rec.State = proto.StateSubmitted
		s.stopExecutors(a, "its job master attempt ended", eff)
		s.sched.Request(now, scheduler.Request{App: rec.ID, Role: scheduler.Master, Res: rec.Master, Count: 1})
	default:
		s.topUp(a)
	}
	eff.persist(a)
	return nil
}

// containerNumber is the last field of a container ID
// (container_<start>_<seq>_<n>), 0 if it has none.
func containerNumber(id string) int {
	i := strings.LastIndexByte(id, '_')
	n, err := strconv.Atoi(id[i+1:])
	if i < 0 || err != nil {
		return 0
	}
	return n
}
