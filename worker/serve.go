package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/nats-io/nats.go"

	"spindle/internal/proto"
	"spindle/internal/rpc"
)

// subscribe serves the worker's launch, stop and logs subjects, listens
// for coordinators' start announcements, and returns a function that
// stops all of it.
func (w *worker) subscribe() (func(), error) {
	id := w.cfg.WorkerID
	handlers := map[string]nats.MsgHandler{
		proto.WorkerLaunch(id): w.onLaunch,
		proto.WorkerStop(id):   w.onStop,
		proto.WorkerLogs(id):   w.onLogs,
		proto.SubjCoordStarted: w.onCoordStarted,
	}
	var subs []*nats.Subscription
	unsubscribe := func() {
		for _, s := range subs {
			s.Unsubscribe()
		}
	}
	for subj, h := range handlers {
		s, err := w.nc.Subscribe(subj, h)
		if err != nil {
			unsubscribe()
			return nil, fmt.Errorf("worker: subscribe %s: %w", subj, err)
		}
		subs = append(subs, s)
	}
	if err := w.nc.Flush(); err != nil {
		unsubscribe()
		return nil, fmt.Errorf("worker: subscribe: %w", err)
	}
	return unsubscribe, nil
}

// onLaunch fetches the binary and starts the container, replying once it
// runs. Launches are handled one at a time.
func (w *worker) onLaunch(m *nats.Msg) {
	var req proto.LaunchRequest
	var pid int
	err := json.Unmarshal(m.Data, &req)
	if err == nil {
		err = w.current(req.Epoch)
	}
	if err == nil {
		pid, err = w.launch(req.Spec)
	}
	reply := proto.LaunchReply{PID: pid}
	if err != nil {
		w.log.Warn("launch", "container", req.Spec.ContainerID, "err", err)
		reply.Error = err.Error()
	}
	respond(m, reply)
}

// launch starts a container and returns its process ID.
func (w *worker) launch(spec proto.ContainerSpec) (int, error) {
	if spec.WorkerID != w.cfg.WorkerID {
		return 0, fmt.Errorf("worker: container %s is for worker %q, this is %q", spec.ContainerID, spec.WorkerID, w.cfg.WorkerID)
	}
	ctx, cancel := context.WithTimeout(w.ctx, fetchTimeout)
	defer cancel()
	binary, err := w.cache.path(ctx, spec.BinaryHash)
	if err != nil {
		return 0, err
	}
	pid, err := w.procs.start(spec, binary)
	if err != nil {
		return 0, err
	}
	w.log.Info("container started", "container", spec.ContainerID, "role", spec.Role, "pid", pid)
	return pid, nil
}

func (w *worker) onStop(m *nats.Msg) {
	var req proto.StopRequest
	if err := json.Unmarshal(m.Data, &req); err != nil {
		respond(m, proto.Ack{Error: "bad request: " + err.Error()})
		return
	}
	if req.AppID == "" && req.ContainerID == "" {
		respond(m, proto.Ack{Error: "worker: stop needs an app or a container ID"})
		return
	}
	if err := w.current(req.Epoch); err != nil {
		w.log.Warn("stop refused", "app", req.AppID, "container", req.ContainerID, "err", err)
		respond(m, proto.Ack{Error: err.Error()})
		return
	}
	n := w.procs.stop(req.AppID, req.ContainerID)
	w.log.Info("stop", "app", req.AppID, "container", req.ContainerID, "stopping", n)
	respond(m, proto.Ack{})
}

func (w *worker) onLogs(m *nats.Msg) {
	var req proto.LogsRequest
	if err := json.Unmarshal(m.Data, &req); err != nil {
		respond(m, proto.LogsReply{Error: "bad request: " + err.Error()})
		return
	}
	data := logsReply(filepath.Join(w.cfg.DataDir, "containers"), w.cfg.WorkerID, req.AppID, w.nc.MaxPayload()-1024)
	if err := m.Respond(data); err != nil && !errors.Is(err, nats.ErrMsgNoReply) {
		w.log.Warn("logs reply", "err", err)
	}
}

func respond(m *nats.Msg, v any) { rpc.Respond(m, v) }
