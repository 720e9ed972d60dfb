package executor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"spindle/internal/checkpoint"
	"spindle/internal/proto"
	"spindle/internal/rpc"
	"spindle/shuffle"
)

// Env is what a running task may use besides its spec.
type Env struct {
	AppID       string
	ContainerID string
	WorkerID    string
	NC          *nats.Conn
	JS          jetstream.JetStream // publishes with a bounded async window
	Logger      *slog.Logger
	// MemoryBytes is the container's memory grant (0 if unknown); LocalDir
	// is a directory on the worker's disk for spills.
	MemoryBytes int64
	LocalDir    string
	// Checkpoints is the task state backend, or nil if it could not be
	// opened (tasks then run without checkpoints).
	Checkpoints *checkpoint.Store
	// Progress reports the fraction (0..1) of the current task done. It is
	// cheap; call it as often as convenient.
	Progress func(fraction float64)
}

// RunFunc runs one task attempt and returns its result; it must not panic.
type RunFunc func(ctx context.Context, t *proto.TaskSpec, env *Env) proto.TaskResult

// Timing of the loop.
const (
	requestTimeout = 5 * time.Second  // a job master holds a request at most ~2 s; a dead one is noticed this fast
	giveUpAfter    = 60 * time.Second // no answer from the job master this long: exit
	progressEvery  = 500 * time.Millisecond
)

// ErrNoJobMaster is returned when the job master stops answering.
var ErrNoJobMaster = errors.New("executor: job master does not answer")

// Config is what an executor needs.
type Config struct {
	NC          *nats.Conn
	AppID       string
	ContainerID string
	WorkerID    string
	LocalDir    string // local state (checkpoints, spills) lives under it
	MemoryBytes int64  // the container's memory grant, 0 if unknown
	Logger      *slog.Logger
}

// Run serves tasks until the job master says exit or ctx ends.
func Run(ctx context.Context, cfg Config, run RunFunc) error {
	nc, appID, containerID, workerID, log := cfg.NC, cfg.AppID, cfg.ContainerID, cfg.WorkerID, cfg.Logger
	defer startProfile(containerID)()
	env, err := newEnv(cfg)
	if err != nil {
		return err
	}
	store, err := checkpoint.Open(ctx, filepath.Join(cfg.LocalDir, "checkpoints"), env.JS, appID)
	if err != nil {
		log.Warn("running without checkpoints", "err", err)
	} else {
		env.Checkpoints = store
		defer store.Close()
	}
	cur := &current{}
	sub, err := nc.Subscribe(proto.ExecutorCancel(appID, containerID), cur.onCancel)
	if err != nil {
		return err
	}
	defer sub.Unsubscribe()
	req := proto.NextRequest{ContainerID: containerID, WorkerID: workerID}
	for {
		reply, err := next(ctx, nc, appID, req)
		if err != nil {
			return err
		}
		if reply.Exit {
			return nil
		}
		req.Result = nil
		if reply.Task != nil {
			tctx := cur.begin(ctx, reply.Task.AttemptID)
			res := runOne(tctx, env, reply.Task, run)
			cur.end()
			req.Result = &res
		}
	}
}

// newEnv is what every task of the executor shares.
func newEnv(cfg Config) (*Env, error) {
	js, err := jetstream.New(cfg.NC, jetstream.WithPublishAsyncMaxPending(shuffle.MaxPending))
	if err != nil {
		return nil, err
	}
	return &Env{AppID: cfg.AppID, ContainerID: cfg.ContainerID, WorkerID: cfg.WorkerID, NC: cfg.NC, JS: js,
		Logger: cfg.Logger, MemoryBytes: cfg.MemoryBytes, LocalDir: cfg.LocalDir, Progress: func(float64) {}}, nil
}

// next asks for work, retrying while the job master is busy or
// restarting, for up to giveUpAfter.
func next(ctx context.Context, nc *nats.Conn, appID string, req proto.NextRequest) (proto.NextReply, error) {
	deadline := time.Now().Add(giveUpAfter)
	for {
		var reply proto.NextReply
		err := rpc.Call(ctx, nc, proto.JobMasterNext(appID), req, &reply, requestTimeout)
		if err == nil {
			return reply, nil
		}
		if ctx.Err() != nil {
			return proto.NextReply{}, ctx.Err()
		}
		if time.Now().After(deadline) {
			return proto.NextReply{}, fmt.Errorf("%w: %v", ErrNoJobMaster, err)
		}
		select {
		case <-time.After(500 * time.Millisecond):
		case <-ctx.Done():
			return proto.NextReply{}, ctx.Err()
		}
	}
}

// runOne runs a task while a goroutine publishes its progress.
func runOne(ctx context.Context, env *Env, t *proto.TaskSpec, run RunFunc) proto.TaskResult {
	var mu sync.Mutex // protects frac
	frac := 0.0
	env.Progress = func(f float64) { mu.Lock(); frac = f; mu.Unlock() }
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(progressEvery)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				mu.Lock()
				p := proto.TaskProgress{AttemptID: t.AttemptID, Fraction: frac}
				mu.Unlock()
				data, _ := json.Marshal(p)
				env.NC.Publish(proto.JobMasterProgress(env.AppID), data)
			}
		}
	}()
	start := time.Now()
	env.Logger.Info("task started", "attempt", t.AttemptID, "stage", t.Stage, "index", t.Index)
	res := run(ctx, t, env)
	close(done)
	wg.Wait()
	env.Logger.Info("task ended", "attempt", t.AttemptID, "took", time.Since(start).Round(time.Millisecond), "error", res.Error)
	return res
}

// current is the attempt an executor runs, cancellable by its job master.
type current struct {
	mu      sync.Mutex // protects the fields below
	attempt string
	cancel  context.CancelCauseFunc
}

func (c *current) begin(ctx context.Context, attempt string) context.Context {
	c.mu.Lock()
	defer c.mu.Unlock()
	tctx, cancel := context.WithCancelCause(ctx)
	c.attempt, c.cancel = attempt, cancel
	return tctx
}

func (c *current) end() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cancel != nil {
		c.cancel(nil)
	}
	c.attempt, c.cancel = "", nil
}

// onCancel stops the running attempt if the job master named it.
func (c *current) onCancel(msg *nats.Msg) {
	var tc proto.TaskCancel
	if json.Unmarshal(msg.Data, &tc) != nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.attempt == tc.AttemptID && c.cancel != nil {
		c.cancel(errors.New(tc.Reason))
	}
}
