package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"spindle/internal/proto"
)

// Timing of the worker's conversation with the coordinator.
const (
	connectTimeout  = 5 * time.Second
	requestTimeout  = 2 * time.Second
	registerRetry   = time.Second
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
}

// Run registers with the coordinator at cfg.NATSURL and serves container
// launches, stops and log requests until ctx is done; it then stops every
// container, waits for them and returns nil. It fails fast if the NATS
// server cannot be reached.
func Run(ctx context.Context, cfg Config) error {
	cfg, err := withDefaults(cfg)
	if err != nil {
		return err
	}
	nc, err := nats.Connect(cfg.NATSURL, nats.Name("spindle-worker-"+cfg.WorkerID),
		nats.Timeout(connectTimeout), nats.MaxReconnects(-1))
	if err != nil {
		return fmt.Errorf("cannot reach coordinator at %s: %w", cfg.NATSURL, err)
	}
	defer nc.Close()
	w, err := newWorker(ctx, cfg, nc)
	if err != nil {
		return err
	}
	defer w.procs.stopAll() // after unsubscribing; before nc closes
	unsubscribe, err := w.subscribe()
	if err != nil {
		return err
	}
	defer unsubscribe()
	interval, err := w.registerUntilAccepted(ctx)
	if err != nil {
		return nil // ctx done before the coordinator answered
	}
	w.log.Info("worker registered", "id", cfg.WorkerID, "vcores", cfg.Capacity.VCores, "memory", cfg.Capacity.MemoryBytes)
	w.heartbeat(ctx, interval)
	return nil
}

func newWorker(ctx context.Context, cfg Config, nc *nats.Conn) (*worker, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("worker: jetstream: %w", err)
	}
	host, _ := os.Hostname()
	w := &worker{ctx: ctx, cfg: cfg, log: cfg.Logger, nc: nc, host: host, js: js}
	w.cache = &cache{dir: filepath.Join(cfg.DataDir, "cache"), src: objectFetcher{js: js}}
	env := append(os.Environ(), proto.EnvNATSURL+"="+cfg.NATSURL)
	w.procs = newProcs(filepath.Join(cfg.DataDir, "containers"), env, w.publishExit)
	return w, nil
}

// objectFetcher reads binaries from the BinaryBucket object store.
type objectFetcher struct{ js jetstream.JetStream }

func (f objectFetcher) Fetch(ctx context.Context, name string) (io.ReadCloser, error) {
	obs, err := f.js.ObjectStore(ctx, proto.BinaryBucket)
	if err != nil {
		return nil, err
	}
	return obs.Get(ctx, name)
}

// registerUntilAccepted registers, retrying until the coordinator accepts
// or ctx is done, and returns the heartbeat interval.
func (w *worker) registerUntilAccepted(ctx context.Context) (time.Duration, error) {
	for {
		interval, err := w.register(ctx)
		if err == nil {
			return interval, nil
		}
		w.log.Warn("register", "err", err)
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(registerRetry):
		}
	}
}

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
	if rep.HeartbeatInterval <= 0 {
		rep.HeartbeatInterval = defaultInterval
	}
	return rep.HeartbeatInterval, nil
}

// heartbeat publishes a Heartbeat every interval and re-registers every
// registerEvery beats, until ctx is done.
func (w *worker) heartbeat(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for beat := 1; ; beat++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		data, _ := json.Marshal(proto.Heartbeat{WorkerID: w.cfg.WorkerID, Containers: w.procs.running()})
		if err := w.nc.Publish(proto.SubjHeartbeat, data); err != nil {
			w.log.Warn("heartbeat", "err", err)
		}
		if beat%registerEvery == 0 {
			if _, err := w.register(ctx); err != nil && ctx.Err() == nil {
				w.log.Warn("re-register", "err", err)
			}
		}
	}
}

// publishExit reports a container's exit to the coordinator.
func (w *worker) publishExit(ex proto.ContainerExit) {
	w.log.Info("container exited", "container", ex.ContainerID, "code", ex.ExitCode, "err", ex.Error)
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
	obs, err := w.js.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{Bucket: proto.LogsBucket, Storage: jetstream.FileStorage})
	if err != nil {
		return err
	}
	_, err = obs.PutBytes(ctx, proto.LogName(ex.AppID, ex.ContainerID), data)
	return err
}
