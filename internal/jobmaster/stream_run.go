package jobmaster

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"spindle/dataflow"
	"spindle/internal/buckets"
	"spindle/internal/checkpoint"
	"spindle/internal/proto"
	"spindle/internal/retry"
	"spindle/internal/rpc"
)

// StreamOptions are a streaming job's settings.
type StreamOptions struct {
	Parallelism    int // subtasks per stage; 0: half the cluster's vcores less the job master's
	Policy         StreamPolicy
	WatermarkEvery time.Duration
	IdleAfter      time.Duration
	Savepoint      string // "<app>/<checkpoint>" to start from, or ""
	// OnFinish, if set, runs once a bounded job's final commit is recorded
	// and its files renamed, before success is reported; a job master that
	// finds the job complete on start runs it again, so it must be
	// idempotent. The SDK publishes its JetStream sinks' last records here:
	// nothing tells the executors, which have exited, of the final commit.
	OnFinish func(ctx context.Context, cfg Config, epoch, parallelism int) error
}

// streamMaster is the shell around StreamState; only its loop goroutine
// touches it.
type streamMaster struct {
	cfg      Config
	coord    epochs // of the coordinator's container events
	opts     StreamOptions
	plan     *dataflow.Plan
	state    *StreamState
	kv       jetstream.KeyValue
	saves    jetstream.KeyValue
	obj      jetstream.ObjectStore
	outputs  []string
	held     []heldDeploy
	deploy   chan *nats.Msg
	events   chan *nats.Msg
	points   chan *nats.Msg
	cevents  chan *nats.Msg
	subs     []*nats.Subscription
	asked    time.Time
	reported time.Time
	waitSave map[int64]*nats.Msg // savepoint requests by checkpoint ID
	rev      uint64              // revision of the job's record last read or written; 0: none yet
}

type heldDeploy struct {
	msg   *nats.Msg
	req   proto.DeployRequest
	since time.Time
}

// RunStream runs a streaming job to its end (a bounded input done, or a
// stop with a savepoint) and reports the outcome, like Run.
func RunStream(ctx context.Context, cfg Config, opts StreamOptions) error {
	m, err := startStream(ctx, cfg, opts)
	if err == nil && !m.state.Done() {
		err = m.loop(ctx)
	}
	if err == nil {
		err = commitOutputs(m.outputs)
	}
	if err == nil && m.state.rec.Final && opts.OnFinish != nil {
		err = opts.OnFinish(ctx, cfg, m.state.Epoch(), m.state.rec.Parallelism)
	}
	if m != nil {
		m.stop()
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if errors.Is(err, ErrFenced) {
		// A later attempt runs the job: its snapshots, record and outcome
		// are not this one's to touch.
		cfg.Logger.Warn("stopping: a later job master attempt owns the job", "err", err)
		return err
	}
	final := proto.AppReport{AppID: cfg.AppID, Final: proto.StateFinished}
	if m != nil {
		final = m.report()
		final.Final = proto.StateFinished
	}
	if err != nil {
		final.Final, final.Diagnostics = proto.StateFailed, err.Error()
	}
	if m != nil {
		m.cleanup(err == nil)
	}
	if rerr := reportFinal(context.WithoutCancel(ctx), cfg.NC, final, cfg.Logger); rerr != nil {
		cfg.Logger.Error("final report not delivered", "err", rerr)
	}
	return err
}

func streamKey(app string) string { return app + ".stream" }

func startStream(ctx context.Context, cfg Config, opts StreamOptions) (*streamMaster, error) {
	plan, err := dataflow.Build(cfg.Graph)
	if err != nil {
		return nil, err
	}
	js, err := jetstream.New(cfg.NC)
	if err != nil {
		return nil, err
	}
	m := &streamMaster{cfg: cfg, opts: opts, plan: plan, waitSave: map[int64]*nats.Msg{},
		deploy: make(chan *nats.Msg, 256), events: make(chan *nats.Msg, 4096), points: make(chan *nats.Msg, 16), cevents: make(chan *nats.Msg, 256)}
	// JetStream steps are retried through a NATS node's loss (buckets.Retry).
	if err := buckets.Retry(ctx, func(ctx context.Context) (err error) {
		if m.kv, err = buckets.KV(ctx, js, proto.JobsBucket, proto.Replicas()); err != nil {
			return fmt.Errorf("jobmaster: progress bucket: %w", err)
		}
		if m.saves, err = buckets.KV(ctx, js, proto.SavepointsBucket, proto.Replicas()); err != nil {
			return fmt.Errorf("jobmaster: savepoints bucket: %w", err)
		}
		m.obj, err = checkpoint.Bucket(ctx, js)
		return err
	}); err != nil {
		return nil, err
	}
	rec, fresh, err := m.load(ctx)
	if err != nil {
		return nil, err
	}
	for _, n := range cfg.Graph.Nodes {
		if out, ok := n.Impl.(dataflow.Output); ok && out.OutputDir() != "" {
			m.outputs = append(m.outputs, out.OutputDir())
			if fresh {
				if err := validate(n.Impl); err != nil {
					return nil, fmt.Errorf("step %q: %w", n.Name, err)
				}
			}
		}
	}
	m.state = NewStreamState(cfg.Graph, plan, rec, opts.Policy)
	// Redo the last commit (a job master may have died between recording
	// it and renaming), then drop every staged file nothing will commit.
	if err := commitFiles(rec.Staged); err != nil {
		return nil, err
	}
	if rec.Final {
		cfg.Logger.Info("job already complete; finishing", "epoch", rec.Epoch)
		m.state.done = true
		return m, nil
	}
	for _, dir := range m.outputs {
		os.RemoveAll(filepath.Join(dir, "_temporary"))
	}
	if err := m.persist(ctx); err != nil {
		return nil, err
	}
	if err := m.subscribe(); err != nil {
		m.stop()
		return nil, err
	}
	cfg.Logger.Info("streaming job planned", "stages", len(plan.Stages), "parallelism", rec.Parallelism,
		"epoch", m.state.Epoch(), "restore", rec.Last != nil)
	return m, m.allocate(ctx, time.Now())
}

// load reads the job's record, or starts one: the parallelism, and the
// savepoint to start from. fresh is true for a job's first attempt.
func (m *streamMaster) load(ctx context.Context) (StreamRecord, bool, error) {
	var rec StreamRecord
	entry, err := m.kv.Get(ctx, streamKey(m.cfg.AppID))
	switch {
	case err == nil:
		if err := json.Unmarshal(entry.Value(), &rec); err != nil {
			return rec, false, fmt.Errorf("jobmaster: load progress: %w", err)
		}
		m.rev = entry.Revision()
		return rec, false, nil
	case !errors.Is(err, jetstream.ErrKeyNotFound):
		return rec, false, fmt.Errorf("jobmaster: load progress: %w", err)
	}
	var alloc proto.AllocateReply
	if err := request(ctx, m.cfg.NC, proto.SubjAllocate, proto.AllocateRequest{AppID: m.cfg.AppID}, &alloc); err != nil {
		return rec, false, fmt.Errorf("ask coordinator for cluster size: %w", err)
	}
	rec.Parallelism = m.opts.Parallelism
	if rec.Parallelism <= 0 {
		rec.Parallelism = max((alloc.ClusterVCores-1)/2, 1)
	}
	if m.opts.Savepoint == "" {
		return rec, true, nil
	}
	ref, err := loadSavepoint(ctx, m.saves, m.opts.Savepoint)
	if err != nil {
		return rec, false, err
	}
	if rec.Parallelism, err = restoreParallelism(m.opts.Parallelism, rec.Parallelism, ref); err != nil {
		return rec, false, fmt.Errorf("savepoint %s: %w", m.opts.Savepoint, err)
	}
	rec.Last, rec.NextID = ref, ref.ID
	return rec, false, nil
}

// ErrRescale is returned for a job started from a savepoint taken at
// another parallelism.
var ErrRescale = errors.New("jobmaster: a savepoint restores only at the parallelism it was taken at")

// restoreParallelism is the parallelism of a job started from ref: the
// savepoint's, since each subtask's snapshot holds the keys that hash to
// its index (restored at another parallelism, keys would be in the wrong
// subtasks). A job that asked for another one explicitly is refused;
// one that left it to the default (def) takes the savepoint's.
func restoreParallelism(asked, def int, ref *proto.CheckpointRef) (int, error) {
	p := 0
	for name := range ref.Objects {
		i := strings.LastIndexByte(name, '#')
		if n, err := strconv.Atoi(name[i+1:]); i >= 0 && err == nil {
			p = max(p, n+1)
		}
	}
	switch {
	case p == 0:
		return def, nil // no state saved: any parallelism will do
	case asked > 0 && asked != p:
		return 0, fmt.Errorf("%w: it was taken at %d, the job asks for %d (run it with parallelism %d)", ErrRescale, p, asked, p)
	}
	return p, nil
}

// ErrNoSavepoint is returned for a savepoint that does not exist.
var ErrNoSavepoint = errors.New("jobmaster: no such savepoint")

func loadSavepoint(ctx context.Context, kv jetstream.KeyValue, path string) (*proto.CheckpointRef, error) {
	app, id, ok := strings.Cut(path, "/")
	if _, err := strconv.ParseInt(id, 10, 64); !ok || err != nil {
		return nil, fmt.Errorf("%w: %q (want APP/ID, as spindle savepoint prints)", ErrNoSavepoint, path)
	}
	entry, err := kv.Get(ctx, app+"."+id)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrNoSavepoint, path, err)
	}
	var ref proto.CheckpointRef
	if err := json.Unmarshal(entry.Value(), &ref); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrNoSavepoint, path, err)
	}
	return &ref, nil
}

func (m *streamMaster) subscribe() error {
	for subj, ch := range map[string]chan *nats.Msg{
		proto.JobMasterDeploy(m.cfg.AppID):    m.deploy,
		proto.JobMasterStream(m.cfg.AppID):    m.events,
		proto.JobMasterSavepoint(m.cfg.AppID): m.points,
		proto.AppEvents(m.cfg.AppID):          m.cevents,
	} {
		sub, err := m.cfg.NC.ChanSubscribe(subj, ch)
		if err != nil {
			return err
		}
		m.subs = append(m.subs, sub)
	}
	return nil
}

// ErrFenced is returned by a streaming job master whose record was
// written by another attempt since it last read or wrote it: it is a
// zombie (its machine froze, and the coordinator started a successor
// that now owns the job), so it must not persist, commit or report.
var ErrFenced = errors.New("jobmaster: a later job master attempt owns the job")

// persist saves the job's record, fenced: it is written only over the
// revision this attempt read or wrote last (compare-and-set), so that of
// two attempts alive at once only the one that started last can record
// progress, and so commit (commits follow a persist).
func (m *streamMaster) persist(ctx context.Context) error {
	data, err := json.Marshal(m.state.Record())
	if err != nil {
		return err
	}
	key := streamKey(m.cfg.AppID)
	var rev uint64
	var fence error
	ambiguous := false
	// A write that fails otherwise than by the fence is retried for a
	// while: a replicated stream whose NATS leader died answers nothing
	// for seconds. A retry that finds the fence moved may be finding its
	// own earlier write, which was stored but not acknowledged: the
	// record then holds exactly this data.
	err = retry.Do(ctx, storeRetry, retry.Backoff{Initial: 100 * time.Millisecond, Max: time.Second}, func(ctx context.Context) error {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		var err error
		if m.rev == 0 {
			rev, err = m.kv.Create(ctx, key, data)
		} else {
			rev, err = m.kv.Update(ctx, key, data, m.rev)
		}
		if fenced(err) && ambiguous {
			if e, gerr := m.kv.Get(ctx, key); gerr == nil && bytes.Equal(e.Value(), data) {
				rev, err = e.Revision(), nil
			}
		}
		if fenced(err) {
			fence = err
			return nil
		}
		ambiguous = ambiguous || err != nil
		return err
	}, func(a retry.Attempt) {
		m.cfg.Logger.Warn("saving progress; retrying", "attempt", a.N, "err", a.Err)
	})
	if fence != nil {
		return fmt.Errorf("%w: save progress: %v", ErrFenced, fence)
	}
	if err != nil {
		return fmt.Errorf("jobmaster: save progress: %w", err)
	}
	m.rev = rev
	return nil
}

// storeRetry is how long a streaming job master retries saving its
// record before it fails the job.
const storeRetry = 30 * time.Second

// fenced reports whether a record write failed because another writer
// got there first.
func fenced(err error) bool {
	var api *jetstream.APIError
	return errors.Is(err, jetstream.ErrKeyExists) || errors.As(err, &api) &&
		(api.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence || api.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant)
}

// allocate asks for the gang: all executors at once or none.
func (m *streamMaster) allocate(ctx context.Context, now time.Time) error {
	m.asked = now
	req := proto.AllocateRequest{AppID: m.cfg.AppID, Count: m.state.parallelism, Gang: true}
	return request(ctx, m.cfg.NC, proto.SubjAllocate, req, &proto.AllocateReply{})
}

func (m *streamMaster) loop(ctx context.Context) error {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for !m.state.Done() && m.state.Failure() == "" {
		var eff StreamEffects
		select {
		case <-ctx.Done():
			return ctx.Err()
		case msg := <-m.deploy:
			eff = m.onDeploy(msg)
		case msg := <-m.events:
			var ev proto.SubtaskEvent
			if json.Unmarshal(msg.Data, &ev) == nil {
				if ev.Error != "" && ev.Epoch == m.state.Epoch() {
					m.cfg.Logger.Warn("subtask failed", "subtask", ev.Subtask, "epoch", ev.Epoch, "err", ev.Error)
				}
				eff = m.state.Event(time.Now(), ev)
			}
			if msg.Reply != "" {
				rpc.Respond(msg, proto.Ack{})
			}
		case msg := <-m.points:
			eff = m.onSavepoint(msg)
		case msg := <-m.cevents:
			var ev proto.ContainerEvent
			if json.Unmarshal(msg.Data, &ev) != nil {
				break
			}
			if stale, _ := m.coord.see(ev.Epoch); stale {
				m.cfg.Logger.Warn("container event from a deposed coordinator ignored", "epoch", ev.Epoch, "leader_epoch", m.coord.seen)
			} else if containerEnded(ev.Container.State) {
				eff = m.state.ContainerLost(ev.Container.ID, containerGone(ev.Container))
			}
		case now := <-tick.C:
			eff = m.state.Tick(now)
			m.periodic(ctx, now)
		}
		if err := m.apply(ctx, eff); err != nil {
			return err
		}
		if err := m.dispatch(); err != nil {
			return err
		}
	}
	if f := m.state.Failure(); f != "" {
		return fmt.Errorf("%w: %s", ErrJobFailed, f)
	}
	return nil
}

func containerEnded(state string) bool {
	return state == proto.ContainerLost || state == proto.ContainerExited || state == proto.ContainerKilled
}

func (m *streamMaster) onDeploy(msg *nats.Msg) StreamEffects {
	var req proto.DeployRequest
	if json.Unmarshal(msg.Data, &req) != nil {
		return StreamEffects{}
	}
	var eff StreamEffects
	if req.Ended > 0 {
		eff = m.state.Ended(req.ContainerID, req.Ended)
	}
	kept := m.held[:0]
	for _, h := range m.held { // an executor asks once at a time: a new request replaces its old one
		if h.req.ContainerID != req.ContainerID {
			kept = append(kept, h)
		} else {
			rpc.Respond(h.msg, proto.DeployReply{})
		}
	}
	m.held = kept
	if d := m.state.Redeploy(req.ContainerID, req.Ended); d != nil {
		m.cfg.Logger.Info("deployment sent again (the first reply was lost)", "container", req.ContainerID, "epoch", d.Epoch, "index", d.Index)
		rpc.Respond(msg, proto.DeployReply{Deployment: d})
		return eff
	}
	m.held = append(m.held, heldDeploy{msg: msg, req: req, since: time.Now()})
	return eff
}

// dispatch forms the gang from the held requests, if it can; a fenced
// job master deploys nothing.
func (m *streamMaster) dispatch() error {
	if m.state.Done() || m.state.Failure() != "" {
		return nil
	}
	var asking []string
	for _, h := range m.held {
		asking = append(asking, h.req.ContainerID)
	}
	eff := m.state.Deploy(time.Now(), m.cfg.AppID, m.plan.Fingerprint, asking, m.opts.WatermarkEvery, m.opts.IdleAfter)
	if eff.Deploy == nil {
		return nil
	}
	if err := m.persist(context.Background()); errors.Is(err, ErrFenced) {
		return err
	} else if err != nil {
		m.cfg.Logger.Warn("progress not saved", "err", err)
	}
	kept := m.held[:0]
	for _, h := range m.held {
		if d, ok := eff.Deploy[h.req.ContainerID]; ok {
			rpc.Respond(h.msg, proto.DeployReply{Deployment: d})
			continue
		}
		kept = append(kept, h)
	}
	m.held = kept
	m.cfg.Logger.Info("execution deployed", "epoch", m.state.Epoch(), "executors", len(eff.Deploy))
	return nil
}

// apply carries out effects in order: persist, commit, publish.
func (m *streamMaster) apply(ctx context.Context, eff StreamEffects) error {
	if eff.Persist {
		if err := m.persist(ctx); err != nil {
			return err
		}
	}
	if err := commitFiles(eff.Commit); err != nil {
		return err
	}
	for _, c := range eff.Control {
		data, _ := json.Marshal(c)
		m.cfg.NC.Publish(proto.StreamControl(m.cfg.AppID), data)
		if c.Notice != nil && c.Notice.Cancel && !eff.Repeat {
			m.cfg.Logger.Warn("execution ended; restoring from the last checkpoint", "epoch", c.Notice.Epoch, "reason", c.Notice.Reason)
		}
	}
	if ref := eff.Completed; ref != nil {
		m.completed(ctx, ref)
	}
	for _, ref := range eff.Delete {
		for _, name := range ref.Objects {
			m.obj.Delete(ctx, name)
		}
	}
	return nil
}

func (m *streamMaster) completed(ctx context.Context, ref *proto.CheckpointRef) {
	msg, ok := m.waitSave[ref.ID]
	if !ok {
		return
	}
	delete(m.waitSave, ref.ID)
	data, _ := json.Marshal(ref)
	path := m.cfg.AppID + "/" + strconv.FormatInt(ref.ID, 10)
	if _, err := m.saves.Put(ctx, m.cfg.AppID+"."+strconv.FormatInt(ref.ID, 10), data); err != nil {
		rpc.Respond(msg, proto.SavepointReply{Error: err.Error()})
		return
	}
	m.cfg.Logger.Info("savepoint taken", "path", path)
	rpc.Respond(msg, proto.SavepointReply{Path: path})
}

func (m *streamMaster) onSavepoint(msg *nats.Msg) StreamEffects {
	var req proto.SavepointRequest
	json.Unmarshal(msg.Data, &req)
	id, eff := m.state.Savepoint(time.Now(), req.Stop)
	if id == 0 {
		rpc.Respond(msg, proto.SavepointReply{Error: "the job is not running (it is restarting or ending); try again"})
		return eff
	}
	m.waitSave[id] = msg
	return eff
}

// periodic answers stale requests, repeats the executor request and
// reports progress.
func (m *streamMaster) periodic(ctx context.Context, now time.Time) {
	kept := m.held[:0]
	for _, h := range m.held {
		if now.Sub(h.since) >= holdRequest {
			rpc.Respond(h.msg, proto.DeployReply{})
			continue
		}
		kept = append(kept, h)
	}
	m.held = kept
	for id, msg := range m.waitSave { // a savepoint that failed
		if p := m.state.pending; p == nil || p.id != id {
			rpc.Respond(msg, proto.SavepointReply{Error: fmt.Sprintf("savepoint %d failed (the execution restarted or it timed out)", id)})
			delete(m.waitSave, id)
		}
	}
	if now.Sub(m.asked) >= allocEvery {
		if err := m.allocate(ctx, now); err != nil {
			m.cfg.Logger.Warn("executor request not delivered", "err", err)
		}
	}
	if now.Sub(m.reported) >= reportEvery {
		m.reported = now
		r := m.report()
		data, _ := json.Marshal(r)
		m.cfg.NC.Publish(proto.SubjReport, data)
	}
}

func (m *streamMaster) report() proto.AppReport {
	r := proto.AppReport{AppID: m.cfg.AppID, Stream: m.state.Report()}
	if !m.state.Running() && !m.state.Done() {
		r.Waiting = fmt.Sprintf("a gang of %d executors (epoch %d)", m.state.parallelism, m.state.Epoch())
	}
	for _, st := range m.plan.Stages {
		ps := proto.Stage{ID: st.ID, Name: strings.Replace(st.Name, "map(", "stream(", 1), Tasks: m.state.parallelism, Parents: st.Deps}
		for i := range m.state.parallelism {
			if m.state.finished[fmt.Sprintf("%s#%d", m.cfg.Graph.Node(st.Root).Name, i)] {
				ps.Done++
			} else if m.state.Running() {
				ps.Running++
			}
		}
		ps.Progress = float64(ps.Done) / float64(max(ps.Tasks, 1))
		if m.state.Done() {
			ps.Done, ps.Running, ps.Progress = ps.Tasks, 0, 1
		}
		r.Stages = append(r.Stages, ps)
	}
	return r
}

// stop tells the executors to exit and stops listening.
func (m *streamMaster) stop() {
	for _, h := range m.held {
		rpc.Respond(h.msg, proto.DeployReply{Exit: true})
	}
	m.held = nil
	if m.state != nil {
		data, _ := json.Marshal(m.state.cancel("the job ended"))
		m.cfg.NC.Publish(proto.StreamControl(m.cfg.AppID), data)
	}
	for _, s := range m.subs {
		s.Unsubscribe()
	}
	m.subs = nil
}

// cleanup gives the executors back and deletes the job's snapshots and
// record (savepoints stay).
func (m *streamMaster) cleanup(ok bool) {
	ctx := context.Background()
	request(ctx, m.cfg.NC, proto.SubjAllocate, proto.AllocateRequest{AppID: m.cfg.AppID, Count: 0}, &proto.AllocateReply{})
	keep := map[string]bool{}
	if entries, err := m.saves.ListKeys(ctx); err == nil {
		for k := range entries.Keys() {
			if e, err := m.saves.Get(ctx, k); err == nil {
				var ref proto.CheckpointRef
				if json.Unmarshal(e.Value(), &ref) == nil {
					for _, o := range ref.Objects {
						keep[o] = true
					}
				}
			}
		}
	}
	if list, err := m.obj.List(ctx); err == nil {
		for _, info := range list {
			if strings.HasPrefix(info.Name, proto.StreamObjectPrefix(m.cfg.AppID)) && !keep[info.Name] {
				m.obj.Delete(ctx, info.Name)
			}
		}
	}
	if ok {
		m.kv.Delete(ctx, streamKey(m.cfg.AppID))
	}
}

// commitFiles renames staged files to their final names. It is
// idempotent: a file already renamed (its staged copy gone, its final one
// there) is done.
func commitFiles(files []proto.StagedFile) error {
	for _, f := range files {
		if err := os.MkdirAll(filepath.Dir(f.Final), 0o755); err != nil {
			return fmt.Errorf("commit %s: %w", f.Final, err)
		}
		err := os.Rename(f.Temp, f.Final)
		if err != nil && errors.Is(err, os.ErrNotExist) {
			if _, serr := os.Stat(f.Final); serr == nil {
				continue
			}
		}
		if err != nil {
			return fmt.Errorf("commit %s: %w", f.Final, err)
		}
	}
	return nil
}

// commitOutputs finishes every output directory: staging removed,
// _SUCCESS written last.
func commitOutputs(dirs []string) error {
	for _, dir := range dirs {
		if err := os.RemoveAll(filepath.Join(dir, "_temporary")); err != nil {
			return fmt.Errorf("commit %s: %w", dir, err)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("commit %s: %w", dir, err)
		}
		if err := os.WriteFile(filepath.Join(dir, "_SUCCESS"), nil, 0o644); err != nil {
			return fmt.Errorf("commit %s: %w", dir, err)
		}
	}
	return nil
}
