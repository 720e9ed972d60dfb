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

	// HA makes this coordinator one of several: it stands by while
	// another holds the leader lease and takes over when the lease runs
	// out. Without HA a coordinator takes the lease over at once (it is
	// the only one; a restart need not wait for its old lease). HA needs
	// a NATS cluster shared by the coordinators: NATSURL, or an embedded
	// server joined to the others with ClusterListen and Routes.
	HA bool
	// Name is this coordinator's name in the election (default
	// host:pid, or the embedded server's name).
	Name string
	// LeaseTTL is the leader lease's time to live, whole seconds
	// (default 2s): a standby takes over within about this long after
	// the leader dies.
	LeaseTTL time.Duration
	// Replicas is how many copies JetStream keeps of the coordinator's
	// state and lease (default 1; 3 on a three-node cluster, so that the
	// state survives the loss of any one node).
	Replicas int
	// ClusterListen is the embedded server's route address; with Routes
	// it joins a NATS cluster (ServerName names it in the cluster).
	ClusterListen string
	Routes        []string
	ServerName    string
	// SyncAlways makes the embedded server fsync every JetStream write
	// before acknowledging it (NATS acknowledges before flushing by
	// default).
	SyncAlways bool
}

// Defaults applied by Run.
const (
	DefaultNodeTimeout   = 3 * time.Second
	DefaultMasterTimeout = 2 * time.Minute // job masters report every 500 ms
	DefaultLeaseTTL      = 2 * time.Second
	defaultListen        = "127.0.0.1:4222"
	tickEvery            = 250 * time.Millisecond
)

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
	if cfg.LeaseTTL == 0 {
		cfg.LeaseTTL = DefaultLeaseTTL
	}
	if cfg.LeaseTTL < time.Second || cfg.LeaseTTL%time.Second != 0 {
		return cfg, cleanup, fmt.Errorf("coordinator: lease TTL %v: want whole seconds, at least 1s", cfg.LeaseTTL)
	}
	cfg.Replicas = max(cfg.Replicas, 1)
	if cfg.HA && cfg.NATSURL == "" && len(cfg.Routes) == 0 {
		return cfg, cleanup, errors.New("coordinator: HA needs a NATS cluster the coordinators share: a NATS URL, or routes to the other coordinators' embedded servers")
	}
	if len(cfg.Routes) > 0 {
		switch {
		case cfg.NATSURL != "":
			return cfg, cleanup, errors.New("coordinator: routes are for an embedded server; with a NATS URL the cluster is configured outside")
		case cfg.ClusterListen == "":
			return cfg, cleanup, errors.New("coordinator: routes need a cluster listen address for the embedded server")
		case cfg.ServerName == "":
			return cfg, cleanup, errors.New("coordinator: a clustered embedded server needs a server name unique in the cluster")
		}
	}
	if cfg.Name == "" {
		host, _ := os.Hostname()
		cfg.Name = fmt.Sprintf("%s:%d", host, os.Getpid())
		if cfg.ServerName != "" {
			cfg.Name = cfg.ServerName
		}
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
func startHTTP(addr string, f *front, m *metrics, log *slog.Logger) (stop func(), err error) {
	if addr == "" {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%w on %s (HTTP): %v", ErrListen, addr, listenCause(err))
	}
	srv := &http.Server{Handler: newHTTPHandler(f, m), ReadHeaderTimeout: 5 * time.Second}
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
