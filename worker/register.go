package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"

	"spindle/internal/proto"
	"spindle/internal/retry"
	"spindle/internal/rpc"
)

// dial connects to NATS, retrying with backoff for up to
// cfg.ConnectTimeout and logging each retry. Once connected, the
// connection reconnects without limit, and every reconnect kicks a
// registration: a coordinator that restarted with its embedded server
// does not know this worker any more.
func dial(ctx context.Context, cfg Config, kick chan struct{}) (*nats.Conn, error) {
	var nc *nats.Conn
	err := retry.Do(ctx, cfg.ConnectTimeout, retry.Default, func(context.Context) error {
		var err error
		nc, err = nats.Connect(cfg.NATSURL, nats.Name(workerPrefix+cfg.WorkerID), rpc.LogAsyncErrors(cfg.Logger), rpc.Failover(),
			nats.Timeout(connectTimeout), nats.MaxReconnects(-1), nats.ReconnectWait(reconnectWait),
			nats.ReconnectHandler(func(*nats.Conn) {
				cfg.Logger.Info("reconnected to NATS, registering again")
				kickRegister(kick)
			}))
		return err
	}, func(a retry.Attempt) {
		cfg.Logger.Warn("cannot reach NATS, retrying", "url", cfg.NATSURL, "attempt", a.N, "next", a.Wait, "err", a.Err)
	})
	if err != nil {
		return nil, fmt.Errorf("worker: cannot reach coordinator at %s: %w", cfg.NATSURL, err)
	}
	return nc, nil
}

// workerPrefix starts the NATS connection name of a worker; the
// coordinator finds its workers' connections by it.
const workerPrefix = "spindle-worker-"

// kickRegister asks keepRegistered to register at once. It never blocks:
// a registration already due covers this one too.
func kickRegister(kick chan struct{}) {
	select {
	case kick <- struct{}{}:
	default:
	}
}

// registerWithin registers, retrying with backoff for up to timeout (0:
// once, negative: no limit) and logging each retry, and returns the
// heartbeat interval the coordinator asks for. A kick (a coordinator's
// start, a reconnect) ends a wait between attempts early.
func (w *worker) registerWithin(ctx context.Context, timeout time.Duration) (time.Duration, error) {
	var interval time.Duration
	err := retry.DoWake(ctx, timeout, retry.Default, w.kick, func(ctx context.Context) error {
		var err error
		interval, err = w.register(ctx)
		return err
	}, func(a retry.Attempt) {
		w.log.Warn("no coordinator accepted the registration, retrying", "attempt", a.N, "next", a.Wait, "err", a.Err)
	})
	if err != nil {
		return 0, fmt.Errorf("worker: no coordinator accepted the registration of %s on %s: %w", w.cfg.WorkerID, w.cfg.NATSURL, err)
	}
	return interval, nil
}

// keepRegistered registers again whenever kicked (a NATS reconnect, a
// coordinator's start) and every period as a backstop, retrying until
// accepted, until ctx is done. Registering is idempotent.
func (w *worker) keepRegistered(ctx context.Context, period time.Duration) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-w.kick:
		case <-t.C:
		}
		w.registerWithin(ctx, -1) // fails only when ctx is done
	}
}

// onCoordStarted answers a coordinator's start announcement by
// registering at once.
func (w *worker) onCoordStarted(*nats.Msg) { kickRegister(w.kick) }

func (w *worker) register(ctx context.Context) (time.Duration, error) {
	req, _ := json.Marshal(proto.RegisterRequest{WorkerID: w.cfg.WorkerID, Host: w.host, Capacity: w.cfg.Capacity})
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	msg, err := w.nc.RequestWithContext(ctx, proto.SubjRegister, req)
	if err != nil {
		return 0, err
	}
	var rep proto.RegisterReply
	if err := json.Unmarshal(msg.Data, &rep); err != nil {
		return 0, err
	}
	if rep.Error != "" {
		return 0, errors.New(rep.Error)
	}
	if err := w.current(rep.Epoch); err != nil {
		w.log.Warn("registered with a deposed coordinator", "err", err)
	}
	if rep.HeartbeatInterval <= 0 {
		rep.HeartbeatInterval = defaultInterval
	}
	return rep.HeartbeatInterval, nil
}
