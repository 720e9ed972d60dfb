package worker

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"spindle/internal/buckets"
	"spindle/internal/proto"
	"spindle/internal/retry"
)

// Timing of the worker's conversation with the coordinator.
const (
	connectTimeout  = 5 * time.Second // one attempt to connect
	reconnectWait   = time.Second     // between reconnect attempts, once connected
	requestTimeout  = 2 * time.Second
	registerEvery   = 10 // heartbeats between idempotent re-registrations
	fetchTimeout    = 90 * time.Second
	defaultInterval = time.Second
)

// worker is a running worker: its connection, containers and cache.
type worker struct {
	ctx   context.Context // Run's; done means shut down
	cfg   Config
	log   *slog.Logger
	nc    *nats.Conn
	procs *procs
	cache *cache
	host  string
	js    jetstream.JetStream
	kick  chan struct{} // capacity 1: a registration is due at once (see kickRegister)
	// epoch is the newest coordinator leadership epoch seen: requests
	// from an older one come from a deposed leader (see current).
	epoch atomic.Uint64
}

// current records epoch as seen and fails if a newer one was seen
// before: the request comes from a coordinator that was deposed and does
// not know it yet (it was paused, or cut off). Epoch 0 is a sender that
// does not take part in fencing.
func (w *worker) current(epoch uint64) error {
	for {
		seen := w.epoch.Load()
		if epoch < seen {
			if epoch == 0 {
				return nil
			}
			return fmt.Errorf("worker: stale coordinator epoch %d: epoch %d leads", epoch, seen)
		}
		if epoch == seen || w.epoch.CompareAndSwap(seen, epoch) {
			return nil
		}
	}
}

// Run connects to NATS at cfg.NATSURL and registers with the coordinator,
// retrying each with backoff for up to cfg.ConnectTimeout in all, then
// serves container launches, stops and log requests until ctx is done; it
// then stops every container, waits for them and returns nil. While it
// runs it registers again as soon as its NATS connection comes back or a
// coordinator announces its start, and every registerEvery heartbeats.
// It returns an error if it could not connect or register in time, nil if
// ctx ended first.
func Run(ctx context.Context, cfg Config) error {
	cfg, err := withDefaults(cfg)
	if err != nil {
		return err
	}
	start := time.Now()
	kick := make(chan struct{}, 1)
	nc, err := dial(ctx, cfg, kick)
	if err != nil {
		return unlessDone(ctx, err)
	}
	defer nc.Close()
	w, err := newWorker(ctx, cfg, nc, kick)
	if err != nil {
		return err
	}
	defer w.procs.stopAll() // after unsubscribing; before nc closes
	unsubscribe, err := w.subscribe()
	if err != nil {
		return err
	}
	defer unsubscribe()
	interval, err := w.registerWithin(ctx, retry.Left(cfg.ConnectTimeout, time.Since(start)))
	if err != nil {
		return unlessDone(ctx, err)
	}
	w.log.Info("worker registered", "id", cfg.WorkerID, "vcores", cfg.Capacity.VCores, "memory", cfg.Capacity.MemoryBytes)
	w.run(ctx, interval)
	return nil
}

// unlessDone returns err, or nil if ctx is done: a worker stopped while
// it waited for the cluster has not failed.
func unlessDone(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	return err
}

func newWorker(ctx context.Context, cfg Config, nc *nats.Conn, kick chan struct{}) (*worker, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("worker: jetstream: %w", err)
	}
	host, _ := os.Hostname()
	w := &worker{ctx: ctx, cfg: cfg, log: cfg.Logger, nc: nc, host: host, js: js, kick: kick}
	cacheDir := cfg.CacheDir
	if cacheDir == "" {
		cacheDir = filepath.Join(cfg.DataDir, "cache")
	}
	w.cache = &cache{dir: cacheDir, src: objectFetcher{js: js}}
	env := append(os.Environ(), proto.EnvNATSURL+"="+cfg.NATSURL,
		proto.EnvConnectTimeout+"="+cfg.ConnectTimeout.String())
	w.procs = newProcs(filepath.Join(cfg.DataDir, "containers"), env, w.publishExit)
	w.procs.watch(newMonitor(cfg, w.procs)) // the resource monitor; stopped by procs.stopAll
	return w, nil
}

// objectFetcher reads binaries from the BinaryBucket object store.
type objectFetcher struct{ js jetstream.JetStream }

func (f objectFetcher) Fetch(ctx context.Context, name string) (io.ReadCloser, error) {
	obs, err := f.js.ObjectStore(ctx, proto.BinaryBucket)
	if err != nil {
		return nil, err
	}
	replicas := 1
	if st, err := obs.Status(ctx); err == nil {
		replicas = st.Replicas()
	}
	return buckets.Lagging(ctx, replicas, func(ctx context.Context) (jetstream.ObjectResult, error) { return obs.Get(ctx, name) })
}

// run heartbeats every interval and keeps the worker registered until ctx
// is done.
func (w *worker) run(ctx context.Context, interval time.Duration) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.keepRegistered(ctx, registerEvery*interval)
	}()
	w.heartbeat(ctx, interval)
	<-done
}

// heartbeat publishes a Heartbeat every interval until ctx is done.
func (w *worker) heartbeat(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		data, _ := json.Marshal(proto.Heartbeat{WorkerID: w.cfg.WorkerID, Containers: w.procs.running()})
		if err := w.nc.Publish(proto.SubjHeartbeat, data); err != nil {
			w.log.Warn("heartbeat", "err", err)
		}
	}
}

// publishExit reports a container's exit to the coordinator.
func (w *worker) publishExit(ex proto.ContainerExit) {
	w.log.Info("container exited", "container", ex.ContainerID, "code", ex.ExitCode, "err", ex.Error, "peak_rss", ex.PeakRSS)
	data, _ := json.Marshal(ex)
	if err := w.nc.Publish(proto.SubjExit, data); err != nil {
		w.log.Error("publish exit", "container", ex.ContainerID, "err", err)
	}
	if err := w.collectLogs(ex); err != nil {
		w.log.Warn("collect logs", "container", ex.ContainerID, "err", err)
	}
}

// collectLogs copies an exited container's logs to the cluster's logs
// bucket, so that spindle logs finds them even once this worker is gone.
func (w *worker) collectLogs(ex proto.ContainerExit) error {
	log, err := readContainerLog(w.procs.dir, w.cfg.WorkerID, ex.AppID, ex.ContainerID, maxStream)
	if err != nil {
		return err
	}
	data, err := json.Marshal(log)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	obs, err := buckets.Objects(ctx, w.js, proto.LogsBucket, 1) // the coordinator makes it with the cluster's replicas
	if err != nil {
		return err
	}
	_, err = obs.PutBytes(ctx, proto.LogName(ex.AppID, ex.ContainerID), data)
	return err
}
