package cluster

import (
	"fmt"

	"spindle/internal/proto"
)

// Allocate sets how many executors an application wants (running ones
// included): more are queued, fewer drop queued requests; running
// executors are never stopped for a lower Count, only when Release names
// them. Count stays in force: an executor that exits or is lost while the
// application runs is replaced (see topUp).
func (s *State) Allocate(req proto.AllocateRequest) (proto.AllocateReply, Effects) {
	var eff Effects
	a, ok := s.apps[req.AppID]
	if !ok {
		return proto.AllocateReply{Error: unknownApp(req.AppID).Error()}, eff
	}
	if proto.Final(a.rec.State) {
		return proto.AllocateReply{Error: fmt.Sprintf("application %s is %s", a.rec.ID, a.rec.State)}, eff
	}
	s.release(a, req.Release, &eff)
	a.wantCount = max(req.Count, 0)
	if have := a.runningExecutors() + s.pendingFor(a.rec.ID); have > a.wantCount {
		s.dropPending(a.rec.ID, have-a.wantCount)
	}
	s.topUp(a)
	s.schedule(&eff)
	eff.persist(a)
	return proto.AllocateReply{ClusterVCores: s.ClusterVCores()}, eff
}

// topUp queues executor requests until a live application's running and
// pending executors reach its wanted count.
func (s *State) topUp(a *app) {
	if proto.Final(a.rec.State) {
		return
	}
	for have := a.runningExecutors() + s.pendingFor(a.rec.ID); have < a.wantCount; have++ {
		s.pending = append(s.pending, request{appID: a.rec.ID, role: proto.RoleExecutor, res: a.rec.Executor})
	}
}

// release stops the named running executors of a.
func (s *State) release(a *app, ids []string, eff *Effects) {
	for _, id := range ids {
		c := a.container(id)
		if c == nil || c.State != proto.ContainerRunning || c.ID == a.masterID {
			continue
		}
		s.endContainer(c, proto.ContainerKilled, "released by job master")
		eff.stop(c.WorkerID, proto.StopRequest{AppID: a.rec.ID, ContainerID: c.ID})
	}
}

// pendingFor counts an application's queued requests.
func (s *State) pendingFor(appID string) int {
	n := 0
	for _, r := range s.pending {
		if r.appID == appID {
			n++
		}
	}
	return n
}

// dropPending removes up to n of an application's queued requests, newest
// first; n < 0 removes all of them.
func (s *State) dropPending(appID string, n int) {
	for i := len(s.pending) - 1; i >= 0 && n != 0; i-- {
		if s.pending[i].appID == appID {
			s.pending = append(s.pending[:i], s.pending[i+1:]...)
			n--
		}
	}
}

// schedule grants queued requests in order. A request that fits no
// running node's free resources blocks those behind it (FIFO), unless it
// fits no running node's capacity at all, in which case it is skipped so
// that it cannot block the cluster forever.
func (s *State) schedule(eff *Effects) {
	kept := s.pending[:0]
	blocked := false
	for _, r := range s.pending {
		if blocked {
			kept = append(kept, r)
			continue
		}
		n := s.place(r.res)
		if n == nil {
			blocked = s.couldEverFit(r.res)
			kept = append(kept, r)
			continue
		}
		s.grant(r, n, eff)
	}
	clear(s.pending[len(kept):])
	s.pending = kept
}

// place picks the running node with the most free vcores that fits res
// (ties by ID), or nil.
func (s *State) place(res proto.Resources) *node {
	var best *node
	for _, n := range s.nodes {
		free := n.rec.Capacity.Sub(n.rec.Used)
		if n.rec.State != proto.NodeRunning || !res.Fits(free) {
			continue
		}
		if best == nil || better(free, n.rec.ID, best) {
			best = n
		}
	}
	return best
}

func better(free proto.Resources, id string, than *node) bool {
	bestFree := than.rec.Capacity.Sub(than.rec.Used).VCores
	return free.VCores > bestFree || (free.VCores == bestFree && id < than.rec.ID)
}

// couldEverFit reports whether some running node's capacity fits res.
func (s *State) couldEverFit(res proto.Resources) bool {
	for _, n := range s.nodes {
		if n.rec.State == proto.NodeRunning && res.Fits(n.rec.Capacity) {
			return true
		}
	}
	return false
}

// grant gives request r a container on node n.
func (s *State) grant(r request, n *node, eff *Effects) {
	a := s.apps[r.appID]
	a.nextCtr++
	c := proto.Container{
		ID:        fmt.Sprintf("container_%d_%04d_%06d", s.startMs, a.seq, a.nextCtr),
		WorkerID:  n.rec.ID,
		Role:      r.role,
		Resources: r.res,
		State:     proto.ContainerRunning,
	}
	n.rec.Used = n.rec.Used.Add(r.res)
	n.rec.Containers++
	a.rec.Containers = append(a.rec.Containers, c)
	if r.role == proto.RoleJobMaster {
		a.masterID = c.ID
		a.rec.State = proto.StateAccepted
	} else {
		eff.event(a.rec.ID, c)
	}
	eff.Launch = append(eff.Launch, Launch{WorkerID: n.rec.ID, Spec: proto.ContainerSpec{
		ContainerID: c.ID,
		AppID:       a.rec.ID,
		WorkerID:    n.rec.ID,
		Role:        r.role,
		BinaryHash:  a.rec.BinaryHash,
		Args:        append([]string(nil), a.rec.Args...),
		WorkDir:     a.rec.WorkDir,
		Resources:   r.res,
	}})
	eff.persist(a)
}
