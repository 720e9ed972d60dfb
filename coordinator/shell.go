package coordinator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"spindle/coordinator/cluster"
	"spindle/internal/lease"
	"spindle/internal/proto"
	"spindle/internal/retry"
	"spindle/internal/rpc"
)

// Timeouts of the shell's I/O.
const (
	launchTimeout = 2 * time.Minute // covers the worker fetching the binary
	stopTimeout   = 10 * time.Second
	storeTimeout  = 5 * time.Second
	callTimeout   = 10 * time.Second
	opsQueue      = 256
)

// errBusy is returned when the loop does not take a request in time.
var errBusy = errors.New("coordinator: busy or shutting down")

// step is a closure run by the loop with the State it owns.
type step func(st *cluster.State, now time.Time) cluster.Effects

// shell owns a cluster.State through its loop goroutine and applies the
// Effects of every step.
type shell struct {
	ctx     context.Context // the term's: done means shut down or deposed
	st      *cluster.State  // owned by the loop goroutine
	nc      *nats.Conn
	store   *store
	log     *slog.Logger
	metrics *metrics
	ops     chan op
	stopped chan struct{} // closed by close, when the loop has returned
	once    sync.Once
	wg      sync.WaitGroup // requests to workers, stream deletions
	// conns lists the workers connected to the embedded server; nil, or
	// ok false, when they cannot be seen.
	conns func() (map[string]bool, bool)
	// announced are the applications whose final state was announced
	// (loop goroutine only): an ended application is saved again for each
	// late container exit or report, and each announcement woke every
	// waiting client (about 80 in 200 ms were seen).
	announced map[string]bool
	// seen are the workers seen connected to the embedded server in this
	// term (loop goroutine only): only they can be seen to disconnect.
	seen map[string]bool
	// leading says whether the term's lease still holds; depose ends the
	// term at once, for a write the store refused or a lease run out.
	leading func() bool
	depose  func(error)
	epoch   uint64 // the term's, sent with requests and events
	// replicas is passed to containers (proto.EnvReplicas).
	replicas int
}

type op struct {
	fn   step
	done chan struct{}
	err  error // set before done is closed: the effects were not applied
}

func newShell(ctx context.Context, st *cluster.State, nc *nats.Conn, s *store, cfg Config, m *metrics) *shell {
	return &shell{
		ctx: ctx, st: st, nc: nc, store: s, log: cfg.Logger, replicas: cfg.Replicas,
		metrics: m, ops: make(chan op, opsQueue), stopped: make(chan struct{}),
		seen: map[string]bool{}, leading: func() bool { return true }, depose: func(error) {},
	}
}

// call runs fn in the loop and waits for it, its effects applied. It fails
// with errBusy if the loop does not take it within callTimeout or has
// stopped; fn has then not run and never will, or has completely run. It
// fails with the loop's error when the effects could not be persisted
// (this coordinator was deposed): what fn decided is lost with it.
func (sh *shell) call(fn step) error {
	o := op{fn: fn, done: make(chan struct{})}
	timer := time.NewTimer(callTimeout)
	defer timer.Stop()
	select {
	case sh.ops <- o:
	case <-sh.stopped:
		return errBusy
	case <-timer.C:
		return errBusy
	}
	select {
	case <-o.done:
		return o.err
	case <-sh.stopped:
		return errBusy
	}
}

// loop runs steps and ticks until ctx is done.
func (sh *shell) loop(ctx context.Context) {
	defer sh.close()
	ticker := time.NewTicker(tickEvery)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case o := <-sh.ops:
			if ctx.Err() != nil { // deposed: decide nothing more
				o.err = errBusy
				close(o.done)
				return
			}
			if !sh.leading() { // nor answer from a state a new leader may have moved on from
				o.err = errors.New("coordinator: the lease ran out; not the leader")
				close(o.done)
				sh.depose(o.err)
				return
			}
			start := time.Now()
			o.err = sh.apply(o.fn(sh.st, start))
			close(o.done)
			sh.excuse(start)
		case <-ticker.C:
			start := time.Now()
			sh.disconnects(start)
			sh.apply(sh.st.Tick(start))
			sh.excuse(start)
			sh.metrics.set(sh.st.Summary())
		}
	}
}

// stallExcused is how long a step may hold the loop before the workers
// and job masters it could not hear meanwhile are excused.
const stallExcused = time.Second

// excuse excuses the silence of workers and job masters after a step
// that started at start held the loop for long (a store write retried
// through a NATS leader election): heartbeats waited, or were turned
// away, meanwhile.
func (sh *shell) excuse(start time.Time) {
	if d := time.Since(start); d > stallExcused {
		sh.log.Warn("the loop was held up; excusing silent workers and job masters", "for", d.Round(time.Millisecond))
		sh.st.Excuse(time.Now())
	}
}

// disconnects declares lost, at once, the running workers whose NATS
// connection is gone: a dead worker process need not wait for the
// heartbeat timeout. (A frozen one keeps its connection: the timeout
// catches it.)
func (sh *shell) disconnects(now time.Time) {
	if sh.conns == nil {
		return
	}
	ids, ok := sh.conns()
	if !ok {
		return
	}
	for id := range ids {
		sh.seen[id] = true
	}
	for _, n := range sh.st.Nodes() {
		if n.State == proto.NodeRunning && sh.seen[n.ID] && !ids[n.ID] {
			sh.log.Warn("worker disconnected", "worker", n.ID)
			sh.apply(sh.st.Disconnected(now, n.ID))
		}
	}
}

// close marks the loop stopped, so that call no longer waits for it. Run
// calls it too in case it returns before starting the loop.
func (sh *shell) close() { sh.once.Do(func() { close(sh.stopped) }) }

// wait waits for the shell's background requests.
func (sh *shell) wait() { sh.wg.Wait() }

// recover loads the stored nodes and applications and takes over the
// live ones (cluster.State.Recover). A store that cannot be read fails
// the term: starting from less than the stored state would lose work.
func (sh *shell) recover(ctx context.Context) error {
	var nodes []proto.Node
	var apps []proto.App
	// Reads that fail (a stream electing a leader) or stall (see
	// loadAll) are retried while the term lasts.
	err := retry.Do(ctx, -1, retry.Backoff{Initial: 100 * time.Millisecond, Max: time.Second}, func(ctx context.Context) error {
		var err error
		if nodes, err = sh.store.loadNodes(ctx); err != nil {
			return fmt.Errorf("coordinator: loading nodes: %w", err)
		}
		if apps, err = sh.store.loadApps(ctx); err != nil {
			return fmt.Errorf("coordinator: loading applications: %w", err)
		}
		return nil
	}, func(a retry.Attempt) {
		sh.log.Warn("loading the state; retrying", "attempt", a.N, "err", a.Err)
	})
	if err != nil {
		return err
	}
	eff, errs := sh.st.Recover(time.Now(), nodes, apps)
	for _, err := range errs {
		sh.log.Warn("not recovered", "err", err)
	}
	live := 0
	for _, a := range apps {
		if !proto.Final(a.State) {
			live++
		}
	}
	sh.log.Info("state recovered", "nodes", len(nodes), "apps", len(apps), "live_apps", live, "epoch", sh.epoch)
	return sh.apply(eff)
}

// apply carries out eff: persist first, then act (raft's Ready
// contract): a record the store refused was decided by a deposed leader,
// and nothing of it may reach workers or job masters. Persisting is
// synchronous; requests to workers and stream deletions run in
// background goroutines.
func (sh *shell) apply(eff cluster.Effects) error {
	if err := sh.persist(eff); err != nil {
		sh.depose(err)
		return err
	}
	if !sh.leading() {
		err := errors.New("coordinator: the lease ran out; not acting on a decision")
		sh.depose(err)
		return err
	}
	for _, l := range eff.Launch {
		sh.background(func() { sh.launch(l) })
	}
	for _, s := range eff.Stop {
		sh.background(func() { sh.stop(s) })
	}
	for _, e := range eff.Events {
		e.Event.Epoch = sh.epoch
		sh.publish(proto.AppEvents(e.AppID), e.Event)
	}
	for _, a := range eff.Persist {
		if proto.Final(a.State) && !sh.announced[a.ID] {
			if sh.announced == nil {
				sh.announced = map[string]bool{}
			}
			sh.announced[a.ID] = true
			sh.nc.Publish(proto.AppState(a.ID), nil)
		}
	}
	for _, name := range eff.DeleteStreams {
		sh.background(func() {
			if err := sh.store.deleteStream(sh.ctx, name); err != nil {
				sh.log.Warn("deleting shuffle stream", "err", err)
			}
		})
	}
	return nil
}

// persist writes eff's records. A write that fails for any reason but
// fencing (a NATS leader election stalls writes for seconds) is retried
// while the lease holds: acting on a record the store does not have would
// let the next leader start the same work again.
func (sh *shell) persist(eff cluster.Effects) error {
	for _, a := range eff.Persist {
		if err := sh.retry("application "+a.ID, func(ctx context.Context) error { return sh.store.putApp(ctx, a) }); err != nil {
			return err
		}
	}
	for _, n := range eff.PersistNodes {
		if err := sh.retry("node "+n.ID, func(ctx context.Context) error { return sh.store.putNode(ctx, n) }); err != nil {
			return err
		}
	}
	return nil
}

func (sh *shell) retry(what string, put func(context.Context) error) error {
	for attempt := 1; ; attempt++ {
		ctx, cancel := context.WithTimeout(sh.ctx, storeTimeout)
		err := put(ctx)
		cancel()
		switch {
		case err == nil:
			return nil
		case errors.Is(err, lease.ErrFenced):
			return err
		case sh.ctx.Err() != nil:
			return fmt.Errorf("coordinator: persisting %s: %w", what, sh.ctx.Err())
		case !sh.leading():
			return fmt.Errorf("coordinator: the lease ran out while persisting %s: %w", what, err)
		}
		sh.log.Warn("persisting, retrying", "record", what, "attempt", attempt, "err", err)
		select {
		case <-sh.ctx.Done():
		case <-time.After(min(time.Duration(attempt)*100*time.Millisecond, time.Second)):
		}
	}
}

func (sh *shell) background(fn func()) {
	sh.wg.Go(fn)
}

// launch asks a worker to start a container; a failure is fed back to the
// State as the container's exit.
func (sh *shell) launch(l cluster.Launch) {
	if sh.replicas > 1 {
		l.Spec.Env = maps.Clone(l.Spec.Env)
		if l.Spec.Env == nil {
			l.Spec.Env = map[string]string{}
		}
		l.Spec.Env[proto.EnvReplicas] = strconv.Itoa(sh.replicas)
	}
	var ack proto.LaunchReply
	err := sh.request(proto.WorkerLaunch(l.WorkerID), proto.LaunchRequest{Spec: l.Spec, Epoch: sh.epoch}, &ack, launchTimeout)
	if err == nil {
		if err := sh.call(func(st *cluster.State, now time.Time) cluster.Effects {
			return st.Launched(now, l.Spec.ContainerID, ack.PID)
		}); err != nil {
			sh.log.Warn("recording launch", "container", l.Spec.ContainerID, "err", err)
		}
		return
	}
	msg := err.Error()
	sh.log.Warn("launch failed", "container", l.Spec.ContainerID, "worker", l.WorkerID, "err", msg)
	ex := proto.ContainerExit{WorkerID: l.WorkerID, AppID: l.Spec.AppID, ContainerID: l.Spec.ContainerID,
		ExitCode: -1, Error: "launch failed: " + msg}
	if err := sh.call(func(st *cluster.State, now time.Time) cluster.Effects {
		return st.ContainerExited(now, ex)
	}); err != nil {
		sh.log.Warn("reporting launch failure", "container", l.Spec.ContainerID, "err", err)
	}
}

func (sh *shell) stop(s cluster.Stop) {
	req := s.Req
	req.Epoch = sh.epoch
	err := sh.request(proto.WorkerStop(s.WorkerID), req, nil, stopTimeout)
	if err != nil {
		sh.log.Warn("stop failed", "worker", s.WorkerID, "app", s.Req.AppID, "container", s.Req.ContainerID, "err", err)
	}
}

// request sends a JSON request and decodes the JSON reply into reply; a
// reply's error field is the returned error.
func (sh *shell) request(subj string, req, reply any, timeout time.Duration) error {
	return rpc.Call(sh.ctx, sh.nc, subj, req, reply, timeout)
}

func (sh *shell) publish(subj string, v any) {
	data, err := json.Marshal(v)
	if err == nil {
		err = sh.nc.Publish(subj, data)
	}
	if err != nil {
		sh.log.Warn("publish", "subject", subj, "err", err)
	}
}
