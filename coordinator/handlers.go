package coordinator

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"

	"spindle/coordinator/cluster"
	"spindle/internal/proto"
	"spindle/internal/rpc"
)

// heartbeatInterval is what RegisterReply tells workers.
const heartbeatInterval = time.Second

// subscribe serves the coordinator subjects and returns a function that
// stops serving them.
func (sh *shell) subscribe() (func(), error) {
	handlers := map[string]nats.MsgHandler{
		proto.SubjRegister:  handle(sh, sh.register),
		proto.SubjHeartbeat: handle(sh, sh.heartbeat),
		proto.SubjExit:      handle(sh, sh.exit),
		proto.SubjSubmit:    handle(sh, sh.submit),
		proto.SubjApps:      handle(sh, sh.apps),
		proto.SubjStatus:    handle(sh, sh.status),
		proto.SubjKill:      handle(sh, sh.kill),
		proto.SubjNodes:     handle(sh, sh.nodes),
		proto.SubjAllocate:  handle(sh, sh.allocate),
		proto.SubjReport:    handle(sh, sh.report),
		proto.SubjQueues:    handle(sh, sh.queues),
	}
	var subs []*nats.Subscription
	unsubscribe := func() {
		for _, s := range subs {
			s.Unsubscribe()
		}
	}
	for subj, h := range handlers {
		s, err := sh.nc.Subscribe(subj, h)
		if err != nil {
			unsubscribe()
			return nil, fmt.Errorf("coordinator: subscribe %s: %w", subj, err)
		}
		subs = append(subs, s)
	}
	if err := sh.nc.Flush(); err != nil {
		unsubscribe()
		return nil, fmt.Errorf("coordinator: subscribe: %w", err)
	}
	return unsubscribe, nil
}

// announce tells workers that this coordinator serves its subjects, so
// that they register at once instead of at their next periodic
// registration (a restarted coordinator knows no workers). Workers whose
// NATS connection dropped with the embedded server register on reconnect
// as well.
func (sh *shell) announce() {
	if err := sh.nc.Publish(proto.SubjCoordStarted, nil); err != nil {
		sh.log.Warn("announcing the start", "err", err)
		return
	}
	if err := sh.nc.Flush(); err != nil {
		sh.log.Warn("announcing the start", "err", err)
	}
}

// handle decodes a JSON request of type Req, runs fn and, if the message
// has a reply subject, sends fn's reply as JSON. A bad request gets
// {"error": ...}, which every reply type decodes. A coordinator whose
// term is over, or whose lease ran out while it was paused, stays silent:
// the leader, subscribed to the same subjects, answers.
func handle[Req any](sh *shell, fn func(Req) any) nats.MsgHandler {
	return func(m *nats.Msg) {
		if !sh.serving() {
			return
		}
		var req Req
		var reply any
		if len(m.Data) > 0 {
			if err := json.Unmarshal(m.Data, &req); err != nil {
				reply = proto.Ack{Error: "bad request: " + err.Error()}
			}
		}
		if reply == nil {
			reply = fn(req)
		}
		if !sh.serving() {
			return
		}
		if err := rpc.Respond(m, reply); err != nil {
			sh.log.Warn("reply", "subject", m.Subject, "err", err)
		}
	}
}

// serving says whether this term still serves: not shut down or deposed,
// and the lease still believed held.
func (sh *shell) serving() bool { return sh.ctx.Err() == nil && sh.leading() }

func (sh *shell) register(req proto.RegisterRequest) any {
	var regErr error
	err := sh.call(func(st *cluster.State, now time.Time) cluster.Effects {
		eff, err := st.Register(now, req)
		regErr = err
		return eff
	})
	if err == nil {
		err = regErr
	}
	if err != nil {
		return proto.RegisterReply{Error: err.Error()}
	}
	return proto.RegisterReply{HeartbeatInterval: heartbeatInterval, Epoch: sh.epoch}
}

func (sh *shell) heartbeat(hb proto.Heartbeat) any {
	sh.call(func(st *cluster.State, now time.Time) cluster.Effects { return st.Heartbeat(now, hb) })
	return proto.Ack{}
}

func (sh *shell) exit(ex proto.ContainerExit) any {
	sh.call(func(st *cluster.State, now time.Time) cluster.Effects { return st.ContainerExited(now, ex) })
	return proto.Ack{}
}

func (sh *shell) submit(req proto.SubmitRequest) any {
	ctx, cancel := context.WithTimeout(sh.ctx, storeTimeout)
	defer cancel()
	if err := sh.store.checkBinary(ctx, req.BinaryHash); err != nil {
		return proto.SubmitReply{Error: err.Error()}
	}
	var rep proto.SubmitReply
	err := sh.call(func(st *cluster.State, now time.Time) (eff cluster.Effects) {
		rep, eff = st.Submit(now, req)
		return eff
	})
	if err != nil {
		return proto.SubmitReply{Error: err.Error()}
	}
	if rep.Error == "" {
		sh.log.Info("application submitted", "app", rep.AppID, "name", req.Name, "user", req.User)
	}
	return rep
}

func (sh *shell) apps(proto.AppsRequest) any {
	var rep proto.AppsReply
	if err := sh.call(func(st *cluster.State, _ time.Time) cluster.Effects {
		rep.Apps = st.Apps()
		return cluster.Effects{}
	}); err != nil {
		rep.Error = err.Error()
	}
	return rep
}

func (sh *shell) status(req proto.StatusRequest) any {
	var rep proto.StatusReply
	var appErr error
	err := sh.call(func(st *cluster.State, _ time.Time) cluster.Effects {
		rep.App, appErr = st.App(req.AppID)
		return cluster.Effects{}
	})
	if err == nil {
		err = appErr
	}
	if err != nil {
		rep.Error = err.Error()
	}
	return rep
}

func (sh *shell) nodes(proto.NodesRequest) any {
	var rep proto.NodesReply
	if err := sh.call(func(st *cluster.State, _ time.Time) cluster.Effects {
		rep.Nodes = st.Nodes()
		return cluster.Effects{}
	}); err != nil {
		rep.Error = err.Error()
	}
	return rep
}

func (sh *shell) kill(req proto.KillRequest) any {
	var rep proto.KillReply
	err := sh.call(func(st *cluster.State, now time.Time) (eff cluster.Effects) {
		rep, eff = st.Kill(now, req.AppID)
		return eff
	})
	if err != nil {
		return proto.KillReply{Error: err.Error()}
	}
	return rep
}

func (sh *shell) allocate(req proto.AllocateRequest) any {
	var rep proto.AllocateReply
	err := sh.call(func(st *cluster.State, now time.Time) (eff cluster.Effects) {
		rep, eff = st.Allocate(now, req)
		return eff
	})
	if err != nil {
		return proto.AllocateReply{Error: err.Error()}
	}
	return rep
}

func (sh *shell) report(rep proto.AppReport) any {
	var ack proto.Ack
	err := sh.call(func(st *cluster.State, now time.Time) (eff cluster.Effects) {
		ack, eff = st.Report(now, rep)
		return eff
	})
	if err != nil {
		return proto.Ack{Error: err.Error()}
	}
	return ack
}

func (sh *shell) queues(proto.QueuesRequest) any {
	var rep proto.QueuesReply
	if err := sh.call(func(st *cluster.State, _ time.Time) cluster.Effects {
		rep.Queues, rep.Placement = st.Queues(), st.Placement()
		return cluster.Effects{}
	}); err != nil {
		rep.Error = err.Error()
	}
	return rep
}
