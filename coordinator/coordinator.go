package coordinator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"
)

// Config configures a coordinator.
type Config struct {
	DataDir     string        // JetStream storage goes under DataDir/nats when embedding
	NATSURL     string        // if set, use this NATS cluster instead of embedding a server
	Listen      string        // embedded server client address, "host:port"; port 0 = random free port
	HTTP        string        // REST API + tiny HTML UI address; "" disables it
	NodeTimeout time.Duration // a worker silent this long is LOST (default 3s)
	Logger      *slog.Logger
	// QueuesFile is the YAML queue configuration (see package
	// coordinator/scheduler/queues); "" means one "default" queue. A bad
	// file keeps Run from starting.
	QueuesFile string
	// Reload re-reads QueuesFile on every receive (SIGHUP). A bad file is
	// logged and the running configuration kept.
	Reload <-chan struct{}
	// Placement is the cluster's placement policy ("" is least-loaded).
	Placement string
	// PreemptGrace is how long a job master is warned before a container
	// is preempted (default 5s).
	PreemptGrace time.Duration
	// MasterTimeout is how long a job master may send no report before
	// its attempt counts as failed (default 2m; negative disables).
	MasterTimeout time.Duration
}

// Defaults applied by Run.
const (
	DefaultNodeTimeout   = 3 * time.Second
	DefaultMasterTimeout = 2 * time.Minute // job masters report every 500 ms
	defaultListen        = "127.0.0.1:4222"
	tickEvery            = 250 * time.Millisecond
)

// Run serves until ctx is done. ready is called once with the cluster's
// NATS URL (nats://127.0.0.1:PORT) when the coordinator accepts requests.
// It returns nil after a clean shutdown, or the error that kept it from
// starting.
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
	st, err := openStore(ctx, bus.nc)
	if err != nil {
		return err
	}
	state, err := newState(cfg)
	if err != nil {
		return err
	}
	sh := newShell(ctx, state, bus.nc, st, cfg)
	sh.conns = bus.connectedWorkers
	defer sh.close()
	sh.restore(ctx)
	unsubscribe, err := sh.subscribe()
	if err != nil {
		return err
	}
	defer unsubscribe()
	sh.announce()
	stopHTTP, err := startHTTP(cfg.HTTP, sh, cfg.Logger)
	if err != nil {
		return err
	}
	defer stopHTTP()
	cfg.Logger.Info("coordinator ready", "nats", bus.url, "http", cfg.HTTP)
	if ready != nil {
		ready(bus.url)
	}
	waitReload := sh.watchReload(ctx, cfg)
	sh.loop(ctx)
	waitReload()
	sh.wait()
	return nil
}

// withDefaults fills in cfg and returns a cleanup for a temporary data
// directory it may create.
func withDefaults(cfg Config) (Config, func(), error) {
	cleanup := func() {}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.NodeTimeout <= 0 {
		cfg.NodeTimeout = DefaultNodeTimeout
	}
	switch {
	case cfg.MasterTimeout == 0:
		cfg.MasterTimeout = DefaultMasterTimeout
	case cfg.MasterTimeout < 0:
		cfg.MasterTimeout = 0
	}
	if cfg.Listen == "" {
		cfg.Listen = defaultListen
	}
	if cfg.DataDir == "" && cfg.NATSURL == "" {
		dir, err := os.MkdirTemp("", "spindle-coordinator-")
		if err != nil {
			return cfg, cleanup, fmt.Errorf("coordinator: data dir: %w", err)
		}
		cfg.DataDir = dir
		cleanup = func() { os.RemoveAll(dir) }
	}
	return cfg, cleanup, nil
}

// startHTTP serves the REST API and UI on addr until the returned stop is
// called. The listener is bound before it returns.
func startHTTP(addr string, sh *shell, log *slog.Logger) (stop func(), err error) {
	if addr == "" {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%w on %s (HTTP): %v", ErrListen, addr, listenCause(err))
	}
	srv := &http.Server{Handler: newHTTPHandler(sh), ReadHeaderTimeout: 5 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			log.Error("http server", "err", err)
		}
	}()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		<-done
	}, nil
}
