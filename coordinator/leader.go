package coordinator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"spindle/internal/lease"
	"spindle/internal/proto"
	"spindle/internal/retry"
	"spindle/internal/rpc"
)

// campaignEvery is how often a standby tries to take the lease.
const campaignEvery = 200 * time.Millisecond

// Run serves until ctx is done. ready is called once with the cluster's
// NATS URL (nats://127.0.0.1:PORT) when the coordinator accepts requests,
// or, with cfg.HA, when it has joined the election (it may stand by). It
// returns nil after a clean shutdown, or the error that kept it from
// starting; a coordinator without HA that another one deposed returns an
// error too.
//
// Each term of leadership starts from the stored state (see
// shell.recover) and ends when ctx is done, when the lease is lost or
// runs out, or when the store refuses a write (a newer leader fenced the
// state): a deposed HA coordinator stands by again with a fresh state.
func Run(ctx context.Context, cfg Config, ready func(natsURL string)) error {
	cfg, cleanup, err := withDefaults(cfg)
	if err != nil {
		return err
	}
	defer cleanup()
	bus, err := connect(ctx, cfg)
	if err != nil {
		return err
	}
	defer bus.close()
	js, err := jetstream.New(bus.nc)
	if err != nil {
		return fmt.Errorf("coordinator: jetstream: %w", err)
	}
	var leases jetstream.KeyValue
	// On a cluster that is starting, JetStream answers only once its
	// nodes elected a meta leader.
	err = retry.Do(ctx, time.Minute, retry.Default, func(ctx context.Context) error {
		leases, err = lease.Bucket(ctx, js, proto.LeaseBucket, cfg.Replicas)
		return err
	}, func(a retry.Attempt) {
		cfg.Logger.Info("waiting for JetStream", "attempt", a.N, "err", a.Err)
	})
	if err != nil {
		return fmt.Errorf("coordinator: %w", err)
	}
	el := &election{cfg: cfg, bus: bus, js: js, kv: leases, metrics: newMetrics(), front: &front{}}
	el.front.standby = el.info
	stopHTTP, err := startHTTP(cfg.HTTP, el.front, el.metrics, cfg.Logger)
	if err != nil {
		return err
	}
	defer stopHTTP()
	sub, err := bus.nc.Subscribe(proto.SubjCoordinators, func(m *nats.Msg) { rpc.Respond(m, el.info()) })
	if err != nil {
		return fmt.Errorf("coordinator: subscribe %s: %w", proto.SubjCoordinators, err)
	}
	defer sub.Unsubscribe()
	var readyOnce sync.Once
	signalReady := func() {
		readyOnce.Do(func() {
			cfg.Logger.Info("coordinator ready", "nats", bus.url, "http", cfg.HTTP, "name", cfg.Name, "ha", cfg.HA)
			if ready != nil {
				ready(bus.url)
			}
		})
	}
	if cfg.HA {
		signalReady()
	}
	for {
		term, err := el.campaign(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			return err
		}
		err = el.lead(ctx, term, signalReady)
		// Hand over at once instead of after a TTL (a no-op if the lease
		// is someone else's by now).
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		term.Release(rctx)
		cancel()
		if ctx.Err() != nil {
			return nil
		}
		if !cfg.HA {
			return fmt.Errorf("coordinator: deposed: %w", err)
		}
		cfg.Logger.Warn("stepped down; standing by", "epoch", term.Epoch, "err", err)
	}
}

// election is one coordinator's part in the leader election.
type election struct {
	cfg     Config
	bus     *bus
	js      jetstream.JetStream
	kv      jetstream.KeyValue // the leases bucket
	metrics *metrics
	front   *front

	mu     sync.Mutex
	role   string
	epoch  uint64
	since  time.Time
	leader string // as last read by a standby
}

func (el *election) leaseConfig() lease.Config {
	return lease.Config{JS: el.js, KV: el.kv, Key: proto.LeaseKey, Holder: el.cfg.Name, TTL: el.cfg.LeaseTTL}
}

func (el *election) set(role string, epoch uint64, leader string) {
	el.mu.Lock()
	defer el.mu.Unlock()
	if role != el.role {
		el.since = time.Now()
	}
	el.role, el.epoch, el.leader = role, epoch, leader
	el.metrics.setLeader(role == proto.CoordLeader, epoch)
}

// info is what this coordinator says of itself on SubjCoordinators.
func (el *election) info() proto.CoordinatorInfo {
	el.mu.Lock()
	defer el.mu.Unlock()
	return proto.CoordinatorInfo{Name: el.cfg.Name, PID: os.Getpid(), Role: el.role, Epoch: el.epoch, Since: el.since,
		Leader: el.leader, NATS: el.bus.url, HTTP: el.cfg.HTTP}
}

// campaign returns a term of leadership. With HA it stands by until the
// lease is free; without, it takes the lease over at once.
func (el *election) campaign(ctx context.Context) (*lease.Term, error) {
	cfg := el.leaseConfig()
	if !el.cfg.HA {
		t, err := lease.Takeover(ctx, cfg)
		if err != nil {
			return nil, fmt.Errorf("coordinator: %w", err)
		}
		return t, nil
	}
	el.set(proto.CoordStandby, 0, "")
	lastLog := time.Time{}
	for {
		t, err := lease.Acquire(ctx, cfg)
		if err == nil {
			return t, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if holder, epoch, _, ok, herr := lease.Holder(ctx, el.kv, proto.LeaseKey); herr == nil && ok {
			el.set(proto.CoordStandby, epoch, holder)
		}
		if time.Since(lastLog) > time.Minute {
			el.cfg.Logger.Info("standing by", "err", err)
			lastLog = time.Now()
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(campaignEvery):
		}
	}
}

// lead serves one term: it claims the state for the term's epoch,
// recovers it, and serves until the term ends; it returns why it ended.
func (el *election) lead(ctx context.Context, term *lease.Term, ready func()) error {
	cfg := el.cfg
	log := cfg.Logger.With("epoch", term.Epoch)
	var wg sync.WaitGroup
	defer wg.Wait() // after end, deferred below
	tctx, end := context.WithCancelCause(ctx)
	defer end(nil)
	wg.Go(func() { keepRenewed(tctx, term, cfg.LeaseTTL, end) })
	log.Info("leading", "name", cfg.Name)
	st, err := el.claim(tctx, term, log)
	if err != nil {
		return err
	}
	state, err := newState(cfg)
	if err != nil {
		return err
	}
	sh := newShell(tctx, state, el.bus.nc, st, cfg, el.metrics)
	sh.epoch, sh.leading = term.Epoch, term.Valid
	var deposed atomic.Bool
	sh.depose = func(err error) {
		if deposed.CompareAndSwap(false, true) {
			log.Error("deposed", "err", err)
		}
		end(err)
	}
	if !el.bus.clustered {
		sh.conns = el.bus.connectedWorkers
	}
	defer sh.close()
	if err := sh.recover(tctx); err != nil {
		return err
	}
	unsubscribe, err := sh.subscribe()
	if err != nil {
		return err
	}
	defer unsubscribe()
	sh.announce()
	el.set(proto.CoordLeader, term.Epoch, cfg.Name)
	el.front.set(sh)
	defer el.front.set(nil)
	ready()
	if el.bus.srv != nil && el.bus.clustered {
		wg.Go(func() { keepLeadersAway(tctx, el.bus.nc, el.bus.sys, el.bus.srv, log) })
	}
	waitReload := sh.watchReload(tctx, cfg)
	sh.loop(tctx)
	waitReload()
	sh.wait()
	el.set(proto.CoordStandby, 0, "")
	if err := context.Cause(tctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return ctx.Err()
}

// claim opens the store and fences it for the term. Failures other than
// fencing are retried while the term lasts: a NATS node lost with the old
// leader stalls JetStream writes for seconds while its streams elect new
// leaders.
func (el *election) claim(ctx context.Context, term *lease.Term, log *slog.Logger) (*store, error) {
	var st *store
	var fenced error
	err := retry.Do(ctx, -1, retry.Backoff{Initial: 100 * time.Millisecond, Max: time.Second}, func(ctx context.Context) error {
		// Short attempts: a stream electing a leader answers nothing
		// until it has one, and JetStream's default wait is 5 s.
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		s, err := openStore(ctx, el.bus.nc, el.cfg.Replicas)
		if err == nil {
			err = s.claim(ctx, term.Epoch, el.cfg.Name)
		}
		if errors.Is(err, lease.ErrFenced) {
			fenced = err
			return nil
		}
		st = s
		return err
	}, func(a retry.Attempt) {
		log.Warn("claiming the state; retrying", "attempt", a.N, "err", a.Err)
	})
	if fenced != nil {
		return nil, fenced
	}
	if err != nil {
		return nil, fmt.Errorf("coordinator: claiming the state: %w", err)
	}
	return st, nil
}

// keepRenewed renews the term every TTL/4 and ends it (end) when it is
// lost or its belief runs out.
func keepRenewed(ctx context.Context, term *lease.Term, ttl time.Duration, end context.CancelCauseFunc) {
	t := time.NewTicker(ttl / 4)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		rctx, cancel := context.WithTimeout(ctx, ttl/2)
		err := term.Renew(rctx)
		cancel()
		switch {
		case errors.Is(err, lease.ErrLost):
			end(err)
			return
		case !term.Valid():
			end(fmt.Errorf("coordinator: lease of epoch %d ran out (last renewal: %v)", term.Epoch, err))
			return
		}
	}
}

// front is what the HTTP server serves from: the shell of the current
// term, or nil on a standby.
type front struct {
	sh      atomic.Pointer[shell]
	standby func() proto.CoordinatorInfo
}

func (f *front) set(sh *shell) { f.sh.Store(sh) }
func (f *front) shell() *shell { return f.sh.Load() }
