package cluster

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"spindle/coordinator/scheduler"
	"spindle/coordinator/scheduler/placement"
	"spindle/internal/proto"
)

// Submit creates an application and queues its job master container.
// The caller has checked that the binary is in the object store.
func (s *State) Submit(now time.Time, req proto.SubmitRequest) (proto.SubmitReply, Effects) {
	var eff Effects
	s.now = now
	if err := s.validSubmit(&req); err != nil {
		return proto.SubmitReply{Error: err.Error()}, eff
	}
	s.appSeq++
	a := &app{rec: proto.App{
		ID:          fmt.Sprintf("application_%d_%04d", s.startMs, s.appSeq),
		Name:        req.Name,
		Queue:       req.Queue,
		User:        req.User,
		State:       proto.StateSubmitted,
		SubmittedAt: now,
		BinaryHash:  req.BinaryHash,
		Args:        append([]string(nil), req.Args...),
		WorkDir:     req.WorkDir,
		Master:      req.Master,
		Executor:    req.Executor,
		Placement:   req.Placement,
		TaskTimeout: req.TaskTimeout,
		Savepoint:   req.Savepoint,
		Containers:  []proto.Container{},
	}}
	spec := scheduler.AppSpec{ID: a.rec.ID, Queue: req.Queue, User: req.User, Placement: req.Placement}
	if err := s.sched.AddApp(spec); err != nil {
		s.appSeq--
		return proto.SubmitReply{Error: err.Error()}, eff
	}
	s.apps[a.rec.ID] = a
	s.order = append(s.order, a)
	s.sched.Request(now, scheduler.Request{App: a.rec.ID, Role: scheduler.Master, Res: req.Master, Count: 1})
	eff.persist(a)
	s.schedule(&eff)
	return proto.SubmitReply{AppID: a.rec.ID}, eff
}

// validSubmit checks a submission and fills in defaults: the queue must
// exist, the placement be known, and both container sizes fit some node
// (when nodes are known).
func (s *State) validSubmit(req *proto.SubmitRequest) error {
	if req.Name == "" {
		req.Name = "job"
	}
	if req.Queue == "" {
		req.Queue = DefaultQueue
	}
	switch {
	case !s.sched.HasQueue(req.Queue):
		return fmt.Errorf("unknown queue %q (this cluster has: %s)", req.Queue, s.sched.QueueNames())
	case !placement.Valid(req.Placement):
		return fmt.Errorf("unknown placement %q (want %s)", req.Placement, strings.Join(placement.Names, ", "))
	case req.BinaryHash == "":
		return errors.New("binary hash is empty")
	case !positive(req.Master):
		return fmt.Errorf("job master resources must be positive, got %d vcores and %d bytes",
			req.Master.VCores, req.Master.MemoryBytes)
	case !positive(req.Executor):
		return fmt.Errorf("executor resources must be positive, got %d vcores and %d bytes",
			req.Executor.VCores, req.Executor.MemoryBytes)
	case req.TaskTimeout < 0:
		return fmt.Errorf("task timeout must not be negative, got %v", req.TaskTimeout)
	case req.Savepoint != "" && !proto.ValidSavepointPath(req.Savepoint):
		return fmt.Errorf("bad savepoint %q (want APP/ID, as spindle savepoint prints)", req.Savepoint)
	}
	if err := s.sched.CheckFits(req.Master); err != nil {
		return fmt.Errorf("job master: %w", err)
	}
	if err := s.sched.CheckFits(req.Executor); err != nil {
		return fmt.Errorf("executor: %w", err)
	}
	return nil
}

func positive(r proto.Resources) bool { return r.VCores > 0 && r.MemoryBytes > 0 }

// Kill ends an application as KILLED and returns its state after it. A
// final application is left as it is.
func (s *State) Kill(now time.Time, id string) (proto.KillReply, Effects) {
	var eff Effects
	s.now = now
	a, ok := s.apps[id]
	if !ok {
		return proto.KillReply{Error: unknownApp(id).Error()}, eff
	}
	if !proto.Final(a.rec.State) {
		s.finish(now, a, proto.StateKilled, "killed by user", &eff)
		s.schedule(&eff)
	}
	return proto.KillReply{State: a.rec.State}, eff
}

// Report takes a job master's progress report. Reports for final
// applications are ignored.
func (s *State) Report(now time.Time, rep proto.AppReport) (proto.Ack, Effects) {
	var eff Effects
	s.now = now
	a, ok := s.apps[rep.AppID]
	if !ok {
		return proto.Ack{Error: unknownApp(rep.AppID).Error()}, eff
	}
	if rep.Final != "" && rep.Final != proto.StateFinished && rep.Final != proto.StateFailed {
		return proto.Ack{Error: fmt.Sprintf("final state must be %s or %s, got %q",
			proto.StateFinished, proto.StateFailed, rep.Final)}, eff
	}
	if proto.Final(a.rec.State) {
		return proto.Ack{}, eff
	}
	a.rec.Stages = append(a.rec.Stages[:0:0], rep.Stages...)
	a.rec.Tasks = append(a.rec.Tasks[:0:0], rep.Tasks...)
	a.rec.TasksOmitted = rep.TasksOmitted
	a.rec.Stream = rep.Stream
	a.rec.Waiting = rep.Waiting
	a.heard = now
	if a.rec.State == proto.StateAccepted {
		a.rec.State = proto.StateRunning
	}
	if rep.Final != "" {
		s.finish(now, a, rep.Final, rep.Diagnostics, &eff)
		s.schedule(&eff)
	}
	eff.persist(a)
	return proto.Ack{}, eff
}

// ContainerExited takes a worker's report that a container's process
// ended, or the shell's report that launching it failed. An exit of the
// job master of an application that is not final fails it. An executor
// that exits cleanly lowers the application's wanted count (its job master
// let it go); one that fails is replaced.
func (s *State) ContainerExited(now time.Time, ex proto.ContainerExit) Effects {
	var eff Effects
	s.now = now
	a, c := s.findContainer(ex.ContainerID)
	if c == nil || a.restored {
		return eff
	}
	c.PeakRSS = ex.PeakRSS
	if c.State != proto.ContainerRunning {
		lateExit(c, ex)
		eff.persist(a)
		return eff
	}
	s.exited(now, a, c, ex, &eff)
	return eff
}

// exited ends a running container that exited.
func (s *State) exited(now time.Time, a *app, c *proto.Container, ex proto.ContainerExit, eff *Effects) {
	c.ExitCode = ex.ExitCode
	s.endContainer(c, proto.ContainerExited, ex.Error)
	if c.Role == proto.RoleExecutor && ex.ExitCode == 0 && ex.Error == "" {
		a.wantCount = max(a.wantCount-1, 0) // the job master let it go
	}
	eff.event(a.rec.ID, *c)
	if c.ID == a.masterID && !proto.Final(a.rec.State) {
		s.masterFailed(now, a, masterExitDiag(ex), eff)
	}
	s.topUp(a)
	eff.persist(a)
	s.schedule(eff)
}

// Launched records the OS process ID of a container its worker started
// at now. A job master's silence counts from then: fetching a large
// binary to its worker is not the job master's delay.
func (s *State) Launched(now time.Time, containerID string, pid int) Effects {
	var eff Effects
	s.now = now
	if a, c := s.findContainer(containerID); c != nil && !a.restored {
		c.PID = pid
		if c.ID == a.masterID {
			a.heard = now
		}
		eff.persist(a)
	}
	return eff
}

// lateExit records the exit of a container that was already killed or
// lost; a clean exit counts as EXITED.
func lateExit(c *proto.Container, ex proto.ContainerExit) {
	c.ExitCode = ex.ExitCode
	if ex.ExitCode == 0 && ex.Error == "" && c.State == proto.ContainerKilled {
		c.State = proto.ContainerExited
	}
}

func masterExitDiag(ex proto.ContainerExit) string {
	msg := fmt.Sprintf("job master exited with code %d", ex.ExitCode)
	if ex.Error != "" {
		msg += ": " + ex.Error
	}
	return msg
}

// MaxMasterAttempts is how many job master attempts an application gets
// (YARN's yarn.resourcemanager.am.max-attempts defaults to 2 as well).
const MaxMasterAttempts = 2

// masterFailed handles the end of a's job master before the application
// ended: a new attempt is queued, which resumes the job from the progress
// its predecessor kept, until MaxMasterAttempts is reached and the
// application fails.
func (s *State) masterFailed(now time.Time, a *app, diag string, eff *Effects) {
	if a.rec.MasterAttempts >= MaxMasterAttempts {
		s.finish(now, a, proto.StateFailed, fmt.Sprintf("%s (attempt %d of %d)", diag, a.rec.MasterAttempts, MaxMasterAttempts), eff)
		return
	}
	a.rec.Diagnostics = fmt.Sprintf("job master attempt %d: %s; starting attempt %d", a.rec.MasterAttempts, diag, a.rec.MasterAttempts+1)
	a.masterID = ""
	a.rec.State = proto.StateSubmitted
	s.stopExecutors(a, "its job master attempt ended", eff)
	s.sched.Request(now, scheduler.Request{App: a.rec.ID, Role: scheduler.Master, Res: a.rec.Master, Count: 1})
	eff.persist(a)
}

// stopExecutors ends an application attempt's executors, as YARN does when
// an ApplicationMaster attempt fails: the new job master asks for its own,
// and their capacity is free for it to start. What they ran is redone
// unless it was committed (the job master keeps committed tasks).
func (s *State) stopExecutors(a *app, why string, eff *Effects) {
	a.wantCount = 0
	s.sched.Cancel(a.rec.ID, s.sched.Pending(a.rec.ID))
	for i := range a.rec.Containers {
		c := &a.rec.Containers[i]
		if c.Role == proto.RoleExecutor && c.State == proto.ContainerRunning {
			s.endContainer(c, proto.ContainerKilled, why)
			eff.stop(c.WorkerID, proto.StopRequest{AppID: a.rec.ID, ContainerID: c.ID})
		}
	}
}

// finish moves a to a final state: its running containers are stopped and
// killed, its pending requests dropped and its shuffle stream deleted.
func (s *State) finish(now time.Time, a *app, state, diag string, eff *Effects) {
	a.rec.State, a.rec.FinishedAt = state, now
	if diag != "" {
		a.rec.Diagnostics = diag
	}
	for i := range a.rec.Containers {
		c := &a.rec.Containers[i]
		if c.State == proto.ContainerRunning {
			s.endContainer(c, proto.ContainerKilled, "")
			eff.stop(c.WorkerID, proto.StopRequest{AppID: a.rec.ID})
		}
	}
	s.sched.RemoveApp(a.rec.ID)
	eff.DeleteStreams = append(eff.DeleteStreams, proto.ShuffleStream(a.rec.ID))
	eff.persist(a)
}
