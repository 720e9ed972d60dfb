package cluster

import "spindle/internal/proto"

// Effects is what the caller must do after a State method returns, in
// this order: launch, stop, publish events, persist, delete streams.
// Launches whose request fails must be reported back through
// ContainerExited.
type Effects struct {
	Launch        []Launch
	Stop          []Stop
	Events        []Event
	Persist       []proto.App  // latest record of each changed application
	PersistNodes  []proto.Node // nodes that registered or were lost
	DeleteStreams []string     // JetStream streams to delete; not found is fine
}

// Launch asks a worker to start a container.
type Launch struct {
	WorkerID string
	Spec     proto.ContainerSpec
}

// Stop asks a worker to stop containers.
type Stop struct {
	WorkerID string
	Req      proto.StopRequest
}

// Event is a ContainerEvent for an application's job master.
type Event struct {
	AppID string
	Event proto.ContainerEvent
}

// Empty reports whether there is nothing to do.
func (e *Effects) Empty() bool {
	return len(e.Launch)+len(e.Stop)+len(e.Events)+len(e.Persist)+
		len(e.PersistNodes)+len(e.DeleteStreams) == 0
}

// persist records a copy of a, replacing an earlier copy of the same app.
func (e *Effects) persist(a *app) {
	rec := a.record()
	rec.WantExecutors = a.wantCount
	for i := range e.Persist {
		if e.Persist[i].ID == rec.ID {
			e.Persist[i] = rec
			return
		}
	}
	e.Persist = append(e.Persist, rec)
}

// stop adds a stop request unless an identical one is already there.
func (e *Effects) stop(workerID string, req proto.StopRequest) {
	for _, s := range e.Stop {
		if s.WorkerID == workerID && (s.Req == req || (s.Req.AppID == req.AppID && s.Req.ContainerID == "")) {
			return
		}
	}
	e.Stop = append(e.Stop, Stop{WorkerID: workerID, Req: req})
}

func (e *Effects) event(appID string, c proto.Container) {
	e.Events = append(e.Events, Event{AppID: appID, Event: proto.ContainerEvent{Container: c}})
}
