package jobmaster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"spindle/dataflow"
	"spindle/internal/buckets"
	"spindle/internal/checkpoint"
	"spindle/internal/proto"
	"spindle/internal/rpc"
	"spindle/shuffle"
)

// Config is what a job master needs.
type Config struct {
	AppID  string
	NC     *nats.Conn
	Graph  *dataflow.Graph
	Logger *slog.Logger
}

// Timing of the shell.
const (
	holdRequest = 2 * time.Second        // longest an executor's request waits for a task
	reportEvery = 500 * time.Millisecond // progress reports to the coordinator
	// DefaultTaskTimeout is how long a running attempt may send no
	// progress report before its container is taken as lost. Executors
	// report every 500 ms; a minute rides out long pauses of a loaded
	// machine (Spark's executor heartbeat timeout is 120 s, Hadoop's task
	// timeout 10 min, but both also cover hung user code).
	DefaultTaskTimeout = time.Minute
)

// ErrJobFailed wraps the reason a job failed.
var ErrJobFailed = errors.New("job failed")

// Run runs the job to its end and reports the outcome to the coordinator.
// It returns nil when the job finished and its output is committed. When
// ctx ends first (the application was killed, or the worker is shutting
// down) it reports nothing: the coordinator decides, and a next job master
// attempt may resume from the progress kept so far.
func Run(ctx context.Context, cfg Config) error {
	m, err := start(ctx, cfg)
	if err == nil {
		err = m.loop(ctx)
	}
	if err == nil {
		err = m.commitJob()
	}
	if m != nil {
		m.dismiss()
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	final := proto.AppReport{AppID: cfg.AppID}
	if m != nil {
		final = m.state.Report()
	}
	final.Final = proto.StateFinished
	if err != nil {
		final.Final, final.Diagnostics = proto.StateFailed, err.Error()
	}
	if m != nil {
		m.cleanup()
	}
	Fit(&final, reportLimit(cfg.NC))
	// The coordinator stops this container once it has the verdict, which
	// may cancel ctx before the reply arrives: the report must not depend
	// on ctx.
	rctx := context.WithoutCancel(ctx)
	if rerr := reportFinal(rctx, cfg.NC, final, cfg.Logger); rerr != nil {
		cfg.Logger.Error("final report not delivered", "err", rerr)
	} else if m != nil {
		m.rec.forget(rctx)
	}
	return err
}

// held is an executor's request waiting for a task.
type held struct {
	msg   *nats.Msg
	req   proto.NextRequest
	since time.Time
}

// master is the shell around State. Only the loop goroutine touches its
// fields; work it hands to background goroutines comes back through
// results as a function the loop runs.
type master struct {
	cfg         Config
	state       *State
	plan        *dataflow.Plan
	waiting     []held // executors' requests held until there is work
	next        chan *nats.Msg
	prog        chan *nats.Msg
	events      chan *nats.Msg
	eventSub    *nats.Subscription // its Dropped count says when to re-sync
	subs        []*nats.Subscription
	outputs     []string
	ckpts       jetstream.ObjectStore // the tasks' checkpoints, deleted at the end
	rec         *recovery             // progress for the next job master attempt
	taskTimeout time.Duration
	alloc       allocation
	sync        resync
	coord       epochs // of the coordinator's container events
	bg          background
}

func start(ctx context.Context, cfg Config) (*master, error) {
	plan, err := dataflow.Build(cfg.Graph)
	if err != nil {
		return nil, err
	}
	js, err := jetstream.New(cfg.NC)
	if err != nil {
		return nil, err
	}
	var alloc proto.AllocateReply
	if err := request(ctx, cfg.NC, proto.SubjAllocate, proto.AllocateRequest{AppID: cfg.AppID}, &alloc); err != nil {
		return nil, fmt.Errorf("ask coordinator for cluster size: %w", err)
	}
	// JetStream steps are retried through a NATS node's loss (buckets.Retry).
	var rec *recovery
	err = buckets.Retry(ctx, func(ctx context.Context) (err error) {
		rec, err = openRecovery(ctx, js, cfg.AppID, alloc.ClusterVCores)
		return err
	})
	if err != nil {
		return nil, err
	}
	par := rec.rec.Parallelism
	splits, parts, outputs, err := layout(ctx, cfg.Graph, plan, par, rec.resumed())
	if err != nil {
		return nil, err
	}
	if err := buckets.Retry(ctx, func(ctx context.Context) error { return shuffle.EnsureStream(ctx, js, cfg.AppID) }); err != nil {
		return nil, err
	}
	var ckpts jetstream.ObjectStore
	err = buckets.Retry(ctx, func(ctx context.Context) (err error) {
		ckpts, err = checkpoint.Bucket(ctx, js)
		return err
	})
	if err != nil {
		return nil, err
	}
	state := New(cfg.AppID, plan, splits, parts, DefaultPolicy())
	state.SetEpoch(rec.rec.Epoch)
	if err := state.Restore(rec.rec.Tasks); err != nil {
		return nil, err
	}
	if rec.resumed() {
		cfg.Logger.Info("resuming job", "attempt", rec.rec.Epoch, "committed_tasks", len(rec.rec.Tasks))
	}
	m := &master{cfg: cfg, plan: plan, ckpts: ckpts, state: state, outputs: outputs, rec: rec,
		next: make(chan *nats.Msg, 256), prog: make(chan *nats.Msg, 1024), events: make(chan *nats.Msg, 256),
		taskTimeout: taskTimeout(ctx, cfg), bg: newBackground()}
	if err := m.subscribe(); err != nil {
		m.dismiss()
		return nil, err
	}
	// Never plan zero executors: a job with any task left needs one.
	m.alloc.want = executors(m.state.MaxParallelism(), par)
	cfg.Logger.Info("job planned", "stages", len(plan.Stages), "executors", m.alloc.want, "parallelism", par,
		"task_timeout", m.taskTimeout)
	if err := request(ctx, cfg.NC, proto.SubjAllocate, proto.AllocateRequest{AppID: cfg.AppID, Count: m.wanted()}, &alloc); err != nil {
		m.dismiss()
		return nil, fmt.Errorf("request executors: %w", err)
	}
	m.alloc.asked, m.alloc.at = m.wanted(), time.Now()
	return m, nil
}

// subscribe listens for executors' requests and progress and for the
// coordinator's container events. Each subscription feeds a bounded
// channel; when one is full, the client drops the message and counts it
// (a slow consumer): an executor whose request is dropped asks again, a
// dropped progress report only delays one, and a dropped container event
// is made up for by re-syncing with the coordinator (see resync).
func (m *master) subscribe() error {
	for subj, ch := range map[string]chan *nats.Msg{
		proto.JobMasterNext(m.cfg.AppID):     m.next,
		proto.JobMasterProgress(m.cfg.AppID): m.prog,
		proto.AppEvents(m.cfg.AppID):         m.events,
	} {
		sub, err := m.cfg.NC.ChanSubscribe(subj, ch)
		if err != nil {
			return err
		}
		if ch == m.events {
			m.eventSub = sub
		}
		m.subs = append(m.subs, sub)
	}
	return nil
}

// taskTimeout is the application's task timeout, or the default.
func taskTimeout(ctx context.Context, cfg Config) time.Duration {
	var rep proto.StatusReply
	if err := request(ctx, cfg.NC, proto.SubjStatus, proto.StatusRequest{AppID: cfg.AppID}, &rep); err != nil {
		cfg.Logger.Warn("cannot read the application's settings; using defaults", "err", err)
		return DefaultTaskTimeout
	}
	if rep.App.TaskTimeout > 0 {
		return rep.App.TaskTimeout
	}
	return DefaultTaskTimeout
}

// layout validates the job's sinks, cuts its sources into splits and sizes
// its stages.
func layout(ctx context.Context, g *dataflow.Graph, plan *dataflow.Plan, par int, resumed bool) (map[int][]proto.Split, map[int]int, []string, error) {
	splits := make(map[int][]proto.Split)
	parts := make(map[int]int)
	var outputs []string
	for _, n := range g.Nodes {
		var err error
		if out, ok := n.Impl.(dataflow.Output); ok && n.Kind == dataflow.KindSource && out.OutputDir() != "" { // a source's rejects
			outputs = append(outputs, out.OutputDir())
		}
		switch impl := n.Impl.(type) {
		case dataflow.SplitSource: // Splits finds what Validate would: a missing input
			splits[plan.StageOf[n.ID]], err = impl.Splits(ctx, par)
		case dataflow.Partitioner:
			parts[n.ID] = par
			if p := impl.Partitions(); p > 0 {
				parts[n.ID] = p
			}
		case dataflow.Output:
			outputs = append(outputs, impl.OutputDir())
			if !resumed { // a resumed job's output holds its committed files
				err = validate(impl)
			}
		default:
			err = validate(impl)
		}
		if err != nil {
			return nil, nil, nil, fmt.Errorf("step %q: %w", n.Name, err)
		}
	}
	return splits, parts, outputs, nil
}

// validate runs x's Validate, if it has one.
func validate(x any) error {
	if v, ok := x.(dataflow.Validator); ok {
		return v.Validate()
	}
	return nil
}

// loop serves executors until every task is committed or the job fails.
func (m *master) loop(ctx context.Context) error {
	tick := time.NewTicker(reportEvery)
	defer tick.Stop()
	for !m.state.Done() && m.state.Failure() == "" {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case msg := <-m.next:
			m.onNext(msg)
		case msg := <-m.prog:
			m.onProgress(msg)
		case msg := <-m.events:
			m.onEvent(msg)
		case apply := <-m.bg.results:
			apply()
		case now := <-tick.C:
			m.expire(now)
			m.checkLiveness(now)
			m.allocate(now)
			m.resync(now)
			m.report(now)
		}
		m.dispatch()
	}
	if f := m.state.Failure(); f != "" {
		return fmt.Errorf("%w: %s", ErrJobFailed, f)
	}
	return nil
}

func (m *master) onNext(msg *nats.Msg) {
	var req proto.NextRequest
	if err := json.Unmarshal(msg.Data, &req); err != nil {
		m.cfg.Logger.Warn("bad request from executor", "err", err)
		return
	}
	if req.Result != nil {
		out := m.state.Complete(time.Now(), *req.Result)
		if req.Result.Error != "" {
			m.cfg.Logger.Warn("attempt failed", "attempt", req.Result.AttemptID, "container", req.ContainerID, "err", req.Result.Error)
		}
		m.commitTask(out.Commit)
		removeAll(out.Discard)
		m.cancel(out.Cancel)
		if len(req.Result.LostInputs) > 0 {
			m.cfg.Logger.Warn("shuffle data lost; its producers run again", "attempt", req.Result.AttemptID,
				"producers", req.Result.LostInputs, "rerun", out.Invalidated)
		}
		if out.Committed || out.Invalidated {
			m.persist()
		}
	}
	m.waiting = append(m.waiting, held{msg, req, time.Now()})
}

func (m *master) onEvent(msg *nats.Msg) {
	var ev proto.ContainerEvent
	if err := json.Unmarshal(msg.Data, &ev); err != nil {
		return
	}
	stale, changed := m.coord.see(ev.Epoch)
	if stale {
		m.cfg.Logger.Warn("container event from a deposed coordinator ignored", "epoch", ev.Epoch, "leader_epoch", m.coord.seen)
		return
	}
	if changed { // events may have been lost in the handover
		m.cfg.Logger.Info("new coordinator leader; re-syncing", "epoch", ev.Epoch)
		m.sync.at = time.Time{}
	}
	c := ev.Container
	if c.State == proto.ContainerPreempting {
		m.cfg.Logger.Info("container to be preempted", "container", c.ID, "deadline", ev.Deadline)
		m.state.Preempting(c.ID)
		return
	}
	if c.State == proto.ContainerLost || c.State == proto.ContainerExited || c.State == proto.ContainerKilled {
		m.state.ContainerLost(time.Now(), c.ID, containerGone(c))
	}
}

// containerGone is the error of attempts that died with container c.
func containerGone(c proto.Container) string {
	msg := fmt.Sprintf("container %s on %s %s (exit code %d)", c.ID, c.WorkerID, c.State, c.ExitCode)
	if c.Error != "" {
		msg += ": " + c.Error
	}
	return msg
}

func (m *master) onProgress(msg *nats.Msg) {
	var p proto.TaskProgress
	if json.Unmarshal(msg.Data, &p) == nil {
		m.state.Progress(time.Now(), p)
	}
}

// dispatch answers held requests that now have a task.
func (m *master) dispatch() {
	kept := m.waiting[:0]
	now := time.Now()
	for _, h := range m.waiting {
		if m.state.Lost(h.req.ContainerID) {
			respond(h.msg, proto.NextReply{Exit: true})
			continue
		}
		if t := m.state.Assign(now, h.req.ContainerID, h.req.WorkerID); t != nil {
			respond(h.msg, proto.NextReply{Task: t})
			continue
		}
		kept = append(kept, h)
	}
	m.waiting = kept
}

// expire answers requests held longer than holdRequest with an empty
// reply, so that the executor asks again instead of timing out.
func (m *master) expire(now time.Time) {
	kept := m.waiting[:0]
	for _, h := range m.waiting {
		if now.Sub(h.since) >= holdRequest {
			respond(h.msg, proto.NextReply{})
			continue
		}
		kept = append(kept, h)
	}
	m.waiting = kept
}

func (m *master) report(now time.Time) {
	r := m.state.Report()
	if r.Waiting = m.state.Waiting(now); r.Waiting != "" {
		r.Waiting += fmt.Sprintf("; %d executors asked of the coordinator", m.alloc.asked)
	}
	data := Fit(&r, reportLimit(m.cfg.NC))
	if err := m.cfg.NC.Publish(proto.SubjReport, data); err != nil {
		m.cfg.Logger.Warn("progress report", "err", err)
	}
}

// reportLimit is the most a report may take: the server's max payload,
// less room for headers.
func reportLimit(nc *nats.Conn) int { return int(nc.MaxPayload()) - 4<<10 }

// persist saves the committed tasks for a next job master attempt; if it
// cannot, the job goes on (only a recovery would redo more work).
func (m *master) persist() {
	if err := m.rec.save(context.Background(), m.state.Snapshot()); err != nil {
		m.cfg.Logger.Warn("progress not saved", "err", err)
	}
}

// cancel tells executors to stop attempts that lost a race.
func (m *master) cancel(cs []Cancel) {
	for _, c := range cs {
		data, _ := json.Marshal(proto.TaskCancel{AttemptID: c.AttemptID, Reason: "another attempt committed first"})
		m.cfg.NC.Publish(proto.ExecutorCancel(m.cfg.AppID, c.ContainerID), data)
		m.cfg.Logger.Info("cancelled attempt", "attempt", c.AttemptID, "container", c.ContainerID)
	}
}

// commitTask moves a committed attempt's files to their final names.
func (m *master) commitTask(files []proto.StagedFile) {
	for _, f := range files {
		if err := os.MkdirAll(filepath.Dir(f.Final), 0o755); err != nil { // a partition directory (col=value/)
			m.state.Fail(fmt.Sprintf("commit %s: %v", f.Final, err))
			continue
		}
		if err := os.Rename(f.Temp, f.Final); err != nil {
			m.state.Fail(fmt.Sprintf("commit %s: %v", f.Final, err))
		}
	}
}

// commitJob finishes every output directory: staging removed, _SUCCESS
// written last.
func (m *master) commitJob() error { return commitOutputs(m.outputs) }

// dismiss tells the executors waiting for work to exit, before the final
// report ends the application and their containers are stopped, and stops
// listening.
func (m *master) dismiss() {
	for _, h := range m.waiting {
		respond(h.msg, proto.NextReply{Exit: true})
	}
	m.waiting = nil
	for _, s := range m.subs {
		s.Unsubscribe()
	}
	m.subs = nil
	m.bg.wait()
}

// cleanup gives the executor containers back and deletes the tasks'
// checkpoints: the job has its verdict.
func (m *master) cleanup() {
	var ack proto.AllocateReply
	request(context.Background(), m.cfg.NC, proto.SubjAllocate, proto.AllocateRequest{AppID: m.cfg.AppID, Count: 0}, &ack)
	if err := checkpoint.Delete(context.Background(), m.ckpts, m.cfg.AppID); err != nil {
		m.cfg.Logger.Warn("delete checkpoints", "err", err)
	}
}

func removeAll(files []proto.StagedFile) {
	for _, f := range files {
		os.Remove(f.Temp)
	}
}

func respond(msg *nats.Msg, v any) { rpc.Respond(msg, v) }

// request calls the coordinator.
func request(ctx context.Context, nc *nats.Conn, subj string, v, out any) error {
	return rpc.Call(ctx, nc, subj, v, out, 10*time.Second)
}
