package sdk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"spindle/dataflow"
	"spindle/internal/checkpoint"
	"spindle/internal/executor"
	"spindle/internal/jobmaster"
	"spindle/internal/proto"
	"spindle/internal/rpc"
	"spindle/internal/stream/exchange"
	"spindle/internal/stream/state"
)

// streaming reports whether the graph is a streaming job, and checks that
// every step can run in one if so.
func streaming(g *dataflow.Graph) (bool, error) {
	stream, batch := "", ""
	for _, n := range g.Nodes {
		if n.Kind != dataflow.KindSource {
			continue
		}
		if _, ok := n.Impl.(streamSourceOp); ok {
			stream = n.Name
		} else {
			batch = n.Name
		}
	}
	if stream == "" {
		for _, n := range g.Nodes {
			if _, ok := n.Impl.(streamShuffleOp); ok {
				return false, Usagef("step %q is a streaming step, but the job reads no stream (use sdk.Generate, sdk.ReplayFile or sdk.ReadJetStream)", n.Name)
			}
		}
		return false, nil
	}
	if batch != "" {
		return false, Usagef("step %q reads a bounded input and %q a stream: a job is batch or streaming", batch, stream)
	}
	for _, n := range g.Nodes {
		ok := true
		switch n.Kind {
		case dataflow.KindNarrow:
			_, ok = n.Impl.(narrowOp)
		case dataflow.KindShuffle:
			_, ok = n.Impl.(streamShuffleOp)
		case dataflow.KindSink:
			_, ok = n.Impl.(streamSinkOp)
		case dataflow.KindBroadcast:
			ok = false
		}
		if !ok {
			return false, Usagef("step %q (%s) cannot run in a streaming job", n.Name, n.Op)
		}
	}
	return true, nil
}

// streamOptions are the job master's settings of a streaming job.
func (j *job) streamOptions() jobmaster.StreamOptions {
	c := j.p.stream
	pol := jobmaster.DefaultStreamPolicy()
	if c.CheckpointEvery > 0 {
		pol.Interval = c.CheckpointEvery
	}
	if c.RetainCheckpoints > 0 {
		pol.Retain = c.RetainCheckpoints
	}
	return jobmaster.StreamOptions{Parallelism: c.Parallelism, Policy: pol, WatermarkEvery: DefaultWatermarkEvery,
		IdleAfter: DefaultIdleAfter, Savepoint: os.Getenv(proto.EnvSavepoint), OnFinish: j.publishTails}
}

// sourceCloser is a streaming source that holds resources (a consumer, a
// reader goroutine) to release when its subtask ends, however it ends.
type sourceCloser interface{ close() }

// streamSinkOp is the Impl of sinks that can run in a streaming job.
type streamSinkOp interface {
	openStream(sc *subtask) (emit any, s streamSink, err error)
}

// runDeployment runs this executor's part of an execution: subtask Index
// of every stage, each on its own goroutine, until all have finished, one
// fails, the job master cancels the epoch, or ctx ends.
func (j *job) runDeployment(ctx context.Context, dep *proto.Deployment, env *executor.Env) error {
	if dep.Fingerprint != j.plan.Fingerprint {
		return j.p.g.CheckFingerprint(dep.Fingerprint)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	ctl := newControl(dep, len(j.plan.Stages), cancel)
	sub, err := env.NC.Subscribe(proto.StreamControl(dep.AppID), ctl.on)
	if err != nil {
		return err
	}
	defer sub.Unsubscribe()
	obj, err := checkpoint.Bucket(ctx, env.JS)
	if err != nil {
		return err
	}
	rep := &reporter{nc: env.NC, dep: dep}
	var wg sync.WaitGroup
	errs := make([]error, len(j.plan.Stages))
	for i, st := range j.plan.Stages {
		wg.Go(func() {
			errs[i] = j.runSubtask(ctx, dep, env, obj, st, ctl, rep)
			if errs[i] != nil {
				cancel(errs[i])
			}
		})
	}
	wg.Wait()
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
		return cause
	}
	return errors.Join(errs...)
}

// runSubtask runs one subtask and reports how it ended.
func (j *job) runSubtask(ctx context.Context, dep *proto.Deployment, env *executor.Env, obj jetstream.ObjectStore,
	st dataflow.Stage, ctl *control, rep *reporter) (err error) {
	root := j.p.g.Node(st.Root)
	sc := &subtask{ctx: ctx, j: j, env: env, dep: dep, st: st, name: fmt.Sprintf("%s#%d", root.Name, dep.Index),
		wm: minWatermark, ctl: ctl.triggers[st.ID], note: ctl.notes[st.ID], clock: time.Now, obj: obj}
	sc.emit = func(ev proto.SubtaskEvent) { rep.send(ctx, sc, ev) }
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic in %s: %v", sc.name, r)
		}
		if err != nil && ctx.Err() == nil {
			// The figures up to the failure, for a job that ends with it
			// (a subtask may fail before its first report).
			now := sc.now()
			sc.sendMetrics(now, max(now.Sub(sc.m.at), time.Millisecond))
			var bad *inputError
			rep.send(ctx, sc, proto.SubtaskEvent{Error: err.Error(), Fatal: errors.As(err, &bad)})
		}
		for _, o := range sc.outs {
			o.close()
		}
		if sc.state != nil {
			sc.state.Destroy()
		}
	}()
	if err := sc.openState(); err != nil {
		return err
	}
	emit, late, err := j.streamChain(sc)
	if err != nil {
		return err
	}
	switch op := root.Impl.(type) {
	case streamSourceOp:
		src, err := op.openStream(sc, emit)
		if err != nil {
			return err
		}
		if c, ok := src.(sourceCloser); ok {
			defer c.close() // a source with a reader goroutine stops it
		}
		return sc.runSource(src)
	case streamShuffleOp:
		r, err := op.openRoot(sc, emit, late)
		if err != nil {
			return err
		}
		var inputs []exchange.Input
		var producers []int
		for side := range root.Inputs {
			inputs = append(inputs, exchange.Input{Edge: j.edge(dep, st.Root, side)})
			producers = append(producers, dep.Parallelism)
		}
		rx, err := exchange.NewReceiver(env.NC, inputs, dep.Index, exchange.Options{})
		if err != nil {
			return err
		}
		defer rx.Close()
		return sc.runRoot(r, rx, producers)
	}
	return fmt.Errorf("sdk: step %q cannot start a streaming stage", root.Name)
}

// minWatermark is a subtask's watermark before its first.
const minWatermark = -1 << 63

func (j *job) edge(dep *proto.Deployment, node, side int) exchange.Edge {
	return exchange.Edge{Subject: proto.StreamEdge(dep.AppID, dep.Epoch, node, side), Producers: dep.Parallelism, Consumers: dep.Parallelism}
}

// streamChain builds a streaming stage's steps from the leaves up, as
// chain does for a batch task, and returns the emitter of the root's
// output and of its late output (nil if none).
func (j *job) streamChain(sc *subtask) (any, any, error) {
	st := sc.st
	emitters := make(map[int]any, len(st.Nodes))
	var late any
	for _, id := range slices.Backward(st.Nodes) {
		n := j.p.g.Node(id)
		switch {
		case slices.Contains(st.Writes, id):
			side := slices.IndexFunc(n.Inputs, func(in int) bool { return j.plan.StageOf[in] == st.ID })
			sender, err := exchange.NewSender(sc.env.NC, j.edge(sc.dep, id, side), sc.dep.Index, exchange.Options{})
			if err != nil {
				return nil, nil, err
			}
			emit, out := n.Impl.(streamShuffleOp).streamWriter(sc, sender, sc.dep.Parallelism)
			emitters[id] = emit
			sc.outs = append(sc.outs, out)
		case n.Kind == dataflow.KindSink:
			emit, s, err := n.Impl.(streamSinkOp).openStream(sc)
			if err != nil {
				return nil, nil, err
			}
			emitters[id] = emit
			sc.sinks = append(sc.sinks, s)
		default:
			emitters[id] = n.Impl.(narrowOp).wrap(j.fan(st, id, emitters, nil))
			if _, ok := n.Impl.(lateOutput); ok && n.Inputs[0] == st.Root {
				late = emitters[id]
			}
		}
	}
	return j.fan(st, st.Root, emitters, nil), late, nil
}

// openState opens the subtask's state backend, restored from the
// checkpoint the deployment names.
func (sc *subtask) openState() error {
	dir := filepath.Join(sc.env.LocalDir, "stream", fmt.Sprintf("e%d-s%d-%d", sc.dep.Epoch, sc.st.ID, sc.dep.Index))
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	cache := int64(32 << 20)
	if sc.env.MemoryBytes > 0 {
		cache = max(sc.env.MemoryBytes/4/int64(len(sc.j.plan.Stages)), 8<<20)
	}
	b, err := state.Open(state.Options{Dir: dir, CacheBytes: cache})
	if err != nil {
		return err
	}
	sc.state = b
	if sc.dep.Restore == nil {
		return nil
	}
	name, ok := sc.dep.Restore.Objects[sc.name]
	if !ok {
		return nil // a step new since the checkpoint starts empty
	}
	r, err := sc.obj.Get(sc.ctx, name)
	if err != nil {
		return fmt.Errorf("restore %s from checkpoint %d: %w", sc.name, sc.dep.Restore.ID, err)
	}
	defer r.Close()
	if err := b.Restore(r); err != nil {
		return fmt.Errorf("restore %s from checkpoint %d: %w", sc.name, sc.dep.Restore.ID, err)
	}
	return nil
}

// storeSnapshot copies the subtask's state into the cluster's checkpoint
// bucket and returns the object's name and size.
func (j *job) storeSnapshot(sc *subtask, id int64) (string, int64, error) {
	name := proto.StreamObject(sc.dep.AppID, id, sc.name)
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		_, err := sc.obj.Put(sc.ctx, jetstream.ObjectMeta{Name: name}, pr)
		pr.CloseWithError(err)
		done <- err
	}()
	n, err := sc.state.Snapshot(pw)
	pw.CloseWithError(err)
	if perr := <-done; err == nil {
		err = perr
	}
	return name, n, err
}

// control fans the job master's messages out to the subtasks.
type control struct {
	epoch    int
	triggers []chan proto.Trigger
	notes    []chan int64
	cancel   context.CancelCauseFunc
}

func newControl(dep *proto.Deployment, stages int, cancel context.CancelCauseFunc) *control {
	c := &control{epoch: dep.Epoch, cancel: cancel}
	for range stages {
		c.triggers = append(c.triggers, make(chan proto.Trigger, 4))
		c.notes = append(c.notes, make(chan int64, 16))
	}
	return c
}

// ErrEpochCancelled is the cause of a deployment the job master stopped.
var ErrEpochCancelled = errors.New("sdk: the job master cancelled this execution")

func (c *control) on(msg *nats.Msg) {
	var m proto.Control
	if json.Unmarshal(msg.Data, &m) != nil {
		return
	}
	if m.Notice != nil {
		c.onNotice(*m.Notice)
	}
	if m.Trigger == nil || m.Trigger.Epoch != c.epoch {
		return
	}
	for _, ch := range c.triggers {
		select {
		case ch <- *m.Trigger: // only sources read theirs
		default:
		}
	}
}

func (c *control) onNotice(n proto.Notice) {
	if n.Cancel && n.Epoch >= c.epoch {
		c.cancel(fmt.Errorf("%w: %s", ErrEpochCancelled, n.Reason))
		return
	}
	if n.Epoch != c.epoch || n.Checkpoint == 0 {
		return
	}
	for _, ch := range c.notes {
		select {
		case ch <- n.Checkpoint:
		default:
		}
	}
}

// reporter sends subtasks' events to the job master: acknowledgements and
// outcomes by request, retried until answered (a lost one would stall a
// checkpoint or the job's end), metrics by plain publish.
type reporter struct {
	nc  *nats.Conn
	dep *proto.Deployment
}

func (r *reporter) send(ctx context.Context, sc *subtask, ev proto.SubtaskEvent) {
	ev.Epoch, ev.Subtask, ev.Stage, ev.Index = r.dep.Epoch, sc.name, sc.st.ID, r.dep.Index
	subj := proto.JobMasterStream(r.dep.AppID)
	if ev.Metrics != nil {
		data, _ := json.Marshal(ev)
		r.nc.Publish(subj, data)
		return
	}
	for attempt := 0; attempt < 10; attempt++ {
		var ack proto.Ack
		if err := rpc.Call(context.WithoutCancel(ctx), r.nc, subj, ev, &ack, 3*time.Second); err == nil {
			return
		}
		if ctx.Err() != nil && ev.Error == "" {
			return
		}
	}
}

// inputError is a failure caused by the input at a position: a restore
// would reach the same position and fail again, so the job fails at once
// instead of restarting.
type inputError struct{ err error }

func (e *inputError) Error() string { return e.err.Error() }
func (e *inputError) Unwrap() error { return e.err }

func badInput(err error) error { return &inputError{err} }
