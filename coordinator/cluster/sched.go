package cluster

import (
	"fmt"
	"time"

	"spindle/coordinator/scheduler"
	"spindle/internal/proto"
)

// Allocate sets how many executors an application wants (running ones
// included): more are asked of the scheduler, fewer cancel pending asks;
// running executors are never stopped for a lower Count, only when
// Release names them. Count stays in force: an executor that exits or is
// lost while the application runs is replaced (see topUp). Gang asks for
// the new executors all at once; Preferred names workers to wait for.
func (s *State) Allocate(now time.Time, req proto.AllocateRequest) (proto.AllocateReply, Effects) {
	var eff Effects
	s.now = now
	a, ok := s.apps[req.AppID]
	if !ok {
		return proto.AllocateReply{Error: unknownApp(req.AppID).Error()}, eff
	}
	if proto.Final(a.rec.State) {
		return proto.AllocateReply{Error: fmt.Sprintf("application %s is %s", a.rec.ID, a.rec.State)}, eff
	}
	s.release(a, req.Release, &eff)
	a.wantCount = max(req.Count, 0)
	a.preferred = append([]string(nil), req.Preferred...)
	if have := a.runningExecutors() + s.sched.Pending(a.rec.ID); have > a.wantCount {
		s.sched.Cancel(a.rec.ID, have-a.wantCount)
	}
	s.ask(a, req.Gang)
	s.schedule(&eff)
	eff.persist(a)
	return proto.AllocateReply{ClusterVCores: s.ClusterVCores()}, eff
}

// topUp asks for executors until a live application's running and
// pending executors reach its wanted count.
func (s *State) topUp(a *app) { s.ask(a, false) }

func (s *State) ask(a *app, gang bool) {
	if proto.Final(a.rec.State) {
		return
	}
	n := a.wantCount - a.runningExecutors() - s.sched.Pending(a.rec.ID)
	if n <= 0 {
		return
	}
	s.sched.Request(s.now, scheduler.Request{App: a.rec.ID, Role: scheduler.Executor,
		Res: a.rec.Executor, Count: n, Gang: gang, Preferred: a.preferred})
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

// schedule runs a scheduling round and carries out its decisions.
func (s *State) schedule(eff *Effects) {
	s.carryOut(s.sched.Schedule(s.now), eff)
}

// carryOut turns the scheduler's decisions into containers, events and
// stops: grants first, then preemption notices, then kills.
func (s *State) carryOut(res scheduler.Result, eff *Effects) {
	for _, g := range res.Grants {
		s.grant(g, eff)
	}
	for _, n := range res.Notices {
		s.notice(n, eff)
	}
	for _, k := range res.Kills {
		s.preempted(k, eff)
	}
}

// grant makes the container the scheduler granted.
func (s *State) grant(g scheduler.Grant, eff *Effects) {
	a, n := s.apps[g.App], s.nodes[g.Node]
	role := proto.RoleExecutor
	if g.Role == scheduler.Master {
		role = proto.RoleJobMaster
	}
	a.nextCtr++
	c := proto.Container{
		ID:        fmt.Sprintf("container_%s_%06d", a.idBase(), a.nextCtr),
		WorkerID:  n.rec.ID,
		Role:      role,
		Resources: g.Res,
		State:     proto.ContainerRunning,
	}
	n.rec.Used = n.rec.Used.Add(g.Res)
	n.rec.Containers++
	a.rec.Containers = append(a.rec.Containers, c)
	s.allocOf[c.ID] = g.Alloc
	s.ctrOf[g.Alloc] = c.ID
	if role == proto.RoleJobMaster {
		a.masterID = c.ID
		a.rec.MasterAttempts++
		a.rec.State = proto.StateAccepted
		a.rec.Waiting = ""
		a.heard = s.now
	} else {
		eff.event(a.rec.ID, c)
	}
	eff.Launch = append(eff.Launch, Launch{WorkerID: n.rec.ID, Spec: launchSpec(a, c)})
	eff.persist(a)
}

func launchSpec(a *app, c proto.Container) proto.ContainerSpec {
	var env map[string]string
	if c.Role == proto.RoleJobMaster && a.rec.Savepoint != "" {
		env = map[string]string{proto.EnvSavepoint: a.rec.Savepoint}
	}
	return proto.ContainerSpec{
		Env:         env,
		ContainerID: c.ID,
		AppID:       a.rec.ID,
		WorkerID:    c.WorkerID,
		Role:        c.Role,
		BinaryHash:  a.rec.BinaryHash,
		Args:        append([]string(nil), a.rec.Args...),
		WorkDir:     a.rec.WorkDir,
		Resources:   c.Resources,
	}
}

// notice tells a job master that a container will be preempted.
func (s *State) notice(n scheduler.Notice, eff *Effects) {
	a, c := s.containerOf(n.Alloc)
	if c == nil {
		return
	}
	ev := *c
	ev.State = proto.ContainerPreempting
	ev.Error = fmt.Sprintf("preempted at %s for a queue below its guarantee", n.Deadline.UTC().Format(time.RFC3339Nano))
	eff.Events = append(eff.Events, Event{AppID: a.rec.ID, Event: proto.ContainerEvent{Container: ev, Deadline: n.Deadline}})
}

// preempted kills a container whose grace period ended. An executor is
// replaced (its job master re-runs the work); a job master's loss fails
// its application.
func (s *State) preempted(k scheduler.Kill, eff *Effects) {
	a, c := s.containerOf(k.Alloc)
	if c == nil {
		return
	}
	s.endContainer(c, proto.ContainerKilled, "preempted: its queue was above its guarantee while another starved")
	eff.stop(c.WorkerID, proto.StopRequest{AppID: a.rec.ID, ContainerID: c.ID})
	eff.event(a.rec.ID, *c)
	if c.ID == a.masterID {
		s.masterFailed(s.now, a, "job master preempted", eff)
		return
	}
	s.topUp(a)
	eff.persist(a)
}

// containerOf finds the container of a scheduler allocation.
func (s *State) containerOf(id scheduler.AllocID) (*app, *proto.Container) {
	cid, ok := s.ctrOf[id]
	if !ok {
		return nil, nil
	}
	return s.findContainer(cid)
}
