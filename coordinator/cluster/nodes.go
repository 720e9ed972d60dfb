package cluster

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"time"

	"spindle/internal/proto"
)

// Register adds a worker, or revives a known one. Re-registering a running
// worker is a no-op apart from refreshing its liveness and capacity.
func (s *State) Register(now time.Time, req proto.RegisterRequest) (Effects, error) {
	var eff Effects
	s.now = now
	if err := validNode(req); err != nil {
		return eff, err
	}
	n, ok := s.nodes[req.WorkerID]
	if !ok {
		n = &node{rec: proto.Node{ID: req.WorkerID}}
		s.nodes[req.WorkerID] = n
	}
	changed := !ok || n.rec.State != proto.NodeRunning || n.rec.Capacity != req.Capacity || n.rec.Host != req.Host
	n.rec.Host, n.rec.Capacity, n.rec.State = req.Host, req.Capacity, proto.NodeRunning
	n.rec.LastHeartbeat, n.lastSeen = now, now
	if changed {
		eff.PersistNodes = append(eff.PersistNodes, n.rec)
	}
	s.sched.AddNode(n.rec.ID, n.rec.Capacity)
	s.schedule(&eff)
	return eff, nil
}

func validNode(req proto.RegisterRequest) error {
	switch {
	case req.WorkerID == "":
		return errors.New("worker ID is empty")
	case req.Capacity.VCores <= 0 || req.Capacity.MemoryBytes <= 0:
		return fmt.Errorf("worker %s offers no resources (%d vcores, %d bytes)",
			req.WorkerID, req.Capacity.VCores, req.Capacity.MemoryBytes)
	}
	return nil
}

// Heartbeat refreshes a running worker's liveness. Heartbeats of unknown
// or lost workers are ignored: they must register again. Containers the
// worker still runs but the coordinator has given up on (killed, lost) are
// stopped again; containers it no longer runs but whose exit was never
// reported are ended (see reconcile).
func (s *State) Heartbeat(now time.Time, hb proto.Heartbeat) Effects {
	var eff Effects
	n, ok := s.nodes[hb.WorkerID]
	if !ok || n.rec.State != proto.NodeRunning {
		return eff
	}
	n.rec.LastHeartbeat, n.lastSeen = now, now
	s.now = now
	for _, id := range hb.Containers {
		if a, c := s.findContainer(id); c != nil && c.State != proto.ContainerRunning {
			eff.stop(hb.WorkerID, proto.StopRequest{AppID: a.rec.ID, ContainerID: id})
		}
	}
	s.reconcile(now, n, hb.Containers, &eff)
	return eff
}

// Tick marks workers silent for longer than the node timeout as lost,
// and job masters silent for longer than the master timeout as failed,
// then lets the scheduler advance: preemption deadlines, a scheduling
// round, new preemption notices.
func (s *State) Tick(now time.Time) Effects {
	var eff Effects
	s.now = now
	for _, n := range s.sortedNodes() {
		if n.rec.State == proto.NodeRunning && now.Sub(n.lastSeen) > s.nodeTimeout {
			s.loseNode(now, n, &eff)
		}
	}
	s.checkMasters(now, &eff)
	s.carryOut(s.sched.Tick(now), &eff)
	return eff
}

// Excuse restarts the silence clocks of running workers and job masters
// at now: the coordinator could not hear them until now (its store
// stalled its loop, as a NATS stream electing a leader does for
// seconds), and their silence meanwhile says nothing about them. A
// really dead worker is found a node timeout later.
func (s *State) Excuse(now time.Time) {
	s.now = now
	for _, n := range s.nodes {
		if n.rec.State == proto.NodeRunning && n.lastSeen.Before(now) {
			n.lastSeen = now
		}
	}
	for _, a := range s.apps {
		if a.heard.Before(now) {
			a.heard = now
		}
	}
}

// Disconnected declares a running worker lost at once: its connection to
// the cluster closed, so its process is gone.
func (s *State) Disconnected(now time.Time, workerID string) Effects {
	var eff Effects
	s.now = now
	if n, ok := s.nodes[workerID]; ok && n.rec.State == proto.NodeRunning {
		s.loseNode(now, n, &eff)
		s.schedule(&eff)
	}
	return eff
}

// loseNode marks n lost, its running containers lost, and fails the
// applications whose job master ran there.
func (s *State) loseNode(now time.Time, n *node, eff *Effects) {
	n.rec.State = proto.NodeLost
	eff.PersistNodes = append(eff.PersistNodes, n.rec)
	s.sched.RemoveNode(n.rec.ID)
	for _, a := range s.order {
		if proto.Final(a.rec.State) {
			continue
		}
		lostMaster, touched := false, false
		for i := range a.rec.Containers {
			c := &a.rec.Containers[i]
			if c.WorkerID != n.rec.ID || c.State != proto.ContainerRunning {
				continue
			}
			s.endContainer(c, proto.ContainerLost, "worker "+n.rec.ID+" lost")
			eff.event(a.rec.ID, *c)
			lostMaster = lostMaster || c.ID == a.masterID
			touched = true
		}
		if lostMaster {
			s.masterFailed(now, a, "job master's worker "+n.rec.ID+" lost", eff)
			s.topUp(a)
		} else if touched {
			s.topUp(a)
			eff.persist(a)
		}
	}
}

// endContainer moves a running container to a final state and releases
// its resources on its node.
func (s *State) endContainer(c *proto.Container, state, errMsg string) {
	if id, ok := s.allocOf[c.ID]; ok {
		s.sched.Release(id)
		delete(s.allocOf, c.ID)
		delete(s.ctrOf, id)
	}
	if c.State == proto.ContainerRunning {
		if n, ok := s.nodes[c.WorkerID]; ok {
			n.rec.Used = n.rec.Used.Sub(c.Resources)
			n.rec.Containers--
		}
	}
	c.State = state
	if errMsg != "" {
		c.Error = errMsg
	}
}

// findContainer returns a container and its app by container ID.
func (s *State) findContainer(id string) (*app, *proto.Container) {
	for _, a := range s.apps {
		if c := a.container(id); c != nil {
			return a, c
		}
	}
	return nil, nil
}

// sortedNodes returns the nodes ordered by ID, for deterministic effects.
func (s *State) sortedNodes() []*node {
	out := make([]*node, 0, len(s.nodes))
	for _, n := range s.nodes {
		out = append(out, n)
	}
	slices.SortFunc(out, func(x, y *node) int { return cmp.Compare(x.rec.ID, y.rec.ID) })
	return out
}
