package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v3"

	"spindle/coordinator"
	"spindle/internal/proto"
	"spindle/internal/size"
	"spindle/worker"
)

func logLevelFlag() cli.Flag {
	return &cli.StringFlag{Name: "log-level", Value: "info", Usage: "debug, info, warn or error"}
}

// newLogger returns a text logger on w at the named level.
func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, usagef("bad --log-level %q (want debug, info, warn or error)", level)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})), nil
}

func coordinatorCommand() *cli.Command {
	return &cli.Command{
		Name:  "coordinator",
		Usage: "run a coordinator (resource manager) until interrupted",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "data-dir", Value: "spindle-data/coordinator", Usage: "the coordinator's state"},
			&cli.StringFlag{Name: "nats-url", Usage: "use this NATS cluster instead of an embedded server"},
			&cli.StringFlag{Name: "listen", Value: defaultListen, Usage: "address of the embedded NATS server"},
			&cli.StringFlag{Name: "http", Value: defaultHTTP, Usage: "address of the HTTP API and web UI (\"\" disables)"},
			&cli.DurationFlag{Name: "node-timeout", Usage: "declare a silent worker lost after this long", DefaultText: "the coordinator's"},
			queuesFlag(), placementFlag("the cluster's placement policy: "),
			&cli.DurationFlag{Name: "preempt-grace", Usage: "warning a job master gets before a container is preempted", DefaultText: "5s"},
			&cli.DurationFlag{Name: "master-timeout", Usage: "replace a job master that sends no report this long (negative: never)", DefaultText: "2m"},
			&cli.BoolFlag{Name: "ha", Usage: "be one of several coordinators: lead while holding the leader lease, stand by otherwise"},
			&cli.StringFlag{Name: "name", Usage: "this coordinator's name in the leader election", DefaultText: "--server-name, or host:pid"},
			&cli.DurationFlag{Name: "lease-ttl", Usage: "the leader lease's time to live, whole seconds: a standby takes over about this long after the leader dies", DefaultText: "2s"},
			&cli.IntFlag{Name: "replicas", Value: 1, Usage: "copies JetStream keeps of the coordinator state (3 on a three-node NATS cluster)"},
			&cli.StringFlag{Name: "cluster-listen", Usage: "route address of the embedded NATS server, to join a NATS cluster with --routes"},
			&cli.StringFlag{Name: "routes", Usage: "comma-separated route URLs (nats://host:port) of the other coordinators' embedded servers"},
			&cli.StringFlag{Name: "server-name", Usage: "the embedded NATS server's name, unique in its cluster"},
			&cli.BoolFlag{Name: "sync-always", Usage: "the embedded server fsyncs every JetStream write before acknowledging it"},
			logLevelFlag(),
		},
		Action: coordinatorAction,
	}
}

func coordinatorAction(ctx context.Context, cmd *cli.Command) error {
	if _, err := args(cmd); err != nil {
		return err
	}
	log, err := newLogger(cmd.Root().ErrWriter, cmd.String("log-level"))
	if err != nil {
		return err
	}
	sc := clusterConfig{queues: cmd.String("queues"), placement: cmd.String("placement")}
	if err := checkSchedulerFlags(&sc); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg := coordinator.Config{
		DataDir:       cmd.String("data-dir"),
		NATSURL:       cmd.String("nats-url"),
		Listen:        cmd.String("listen"),
		HTTP:          cmd.String("http"),
		NodeTimeout:   cmd.Duration("node-timeout"),
		Logger:        log,
		QueuesFile:    sc.queues,
		Placement:     sc.placement,
		PreemptGrace:  cmd.Duration("preempt-grace"),
		MasterTimeout: cmd.Duration("master-timeout"),
		Reload:        onSIGHUP(ctx),
		HA:            cmd.Bool("ha"),
		Name:          cmd.String("name"),
		LeaseTTL:      cmd.Duration("lease-ttl"),
		Replicas:      int(cmd.Int("replicas")),
		ClusterListen: cmd.String("cluster-listen"),
		Routes:        splitList(cmd.String("routes")),
		ServerName:    cmd.String("server-name"),
		SyncAlways:    cmd.Bool("sync-always"),
	}
	if cfg.Replicas < 1 || cfg.Replicas > 5 {
		return usagef("--replicas %d: want 1 to 5", cfg.Replicas)
	}
	if d := cfg.LeaseTTL; d != 0 && (d < time.Second || d%time.Second != 0) {
		return usagef("--lease-ttl %v: want whole seconds, at least 1s (JetStream message TTLs are in seconds)", d)
	}
	if cfg.HA && cfg.NATSURL == "" && len(cfg.Routes) == 0 {
		return usagef("--ha needs a NATS cluster the coordinators share: --nats-url, or --routes (with --cluster-listen and --server-name) to join the others' embedded servers")
	}
	if len(cfg.Routes) > 0 && (cfg.NATSURL != "" || cfg.ClusterListen == "" || cfg.ServerName == "") {
		return usagef("--routes is for the embedded server: it needs --cluster-listen and --server-name, and no --nats-url")
	}
	err = coordinator.Run(ctx, cfg, nil) // it logs when ready; its errors name the coordinator
	switch {
	case errors.Is(err, coordinator.ErrListen):
		return usageError{err}
	case err != nil:
		return exitError{code: exitFailed, err: err}
	}
	return nil
}

func workerCommand() *cli.Command {
	return &cli.Command{
		Name:  "worker",
		Usage: "run a worker (node manager) until interrupted",
		Flags: []cli.Flag{
			coordinatorFlag(),
			&cli.IntFlag{Name: "vcores", Usage: "vcores to offer", DefaultText: "the machine's"},
			&cli.StringFlag{Name: "memory", Usage: "memory to offer, e.g. 8GiB", DefaultText: "the machine's"},
			&cli.StringFlag{Name: "data-dir", Value: "spindle-data/worker", Usage: "the worker's state and cached binaries"},
			&cli.StringFlag{Name: "cache-dir", Usage: "cached job binaries, which workers of one machine may share", DefaultText: "DATA-DIR/cache"},
			&cli.StringFlag{Name: "id", Usage: "worker ID, unique in the cluster", DefaultText: "chosen by the worker"},
			&cli.FloatFlag{Name: "memory-limit-ratio", Value: worker.DefaultMemoryLimitRatio, Validator: memoryLimitRatio,
				Usage: "kill a container whose resident memory exceeds max(grant×`RATIO`, grant+64MiB); 0 disables"},
			connectTimeoutFlag(defaultWorkerConnectTimeout),
			logLevelFlag(),
		},
		Action: workerAction,
	}
}

func workerAction(ctx context.Context, cmd *cli.Command) error {
	if _, err := args(cmd); err != nil {
		return err
	}
	log, err := newLogger(cmd.Root().ErrWriter, cmd.String("log-level"))
	if err != nil {
		return err
	}
	capacity, err := workerCapacity(cmd)
	if err != nil {
		return err
	}
	cfg := worker.Config{
		NATSURL:        cmd.String("coordinator"),
		DataDir:        cmd.String("data-dir"),
		CacheDir:       cmd.String("cache-dir"),
		WorkerID:       cmd.String("id"),
		Capacity:       capacity,
		Logger:         log,
		ConnectTimeout: cmd.Duration("connect-timeout"),

		MemoryLimitRatio: cmd.Float("memory-limit-ratio"),
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := worker.Run(ctx, cfg); err != nil { // its errors name the worker
		return exitError{code: exitFailed, err: err}
	}
	return nil
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(s string) []string {
	var out []string
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// memoryLimitRatio checks a --memory-limit-ratio value.
func memoryLimitRatio(r float64) error {
	if r != 0 && !(r >= 1) {
		return errors.New("want 0 (no limit) or at least 1")
	}
	return nil
}

// workerCapacity reads --vcores and --memory; zero fields mean the
// machine's.
func workerCapacity(cmd *cli.Command) (proto.Resources, error) {
	var r proto.Resources
	if r.VCores = int(cmd.Int("vcores")); r.VCores < 0 {
		return r, usagef("--vcores must not be negative")
	}
	if m := cmd.String("memory"); m != "" {
		n, err := parseMemory(m)
		if err != nil {
			return r, err
		}
		r.MemoryBytes = n
	}
	return r, nil
}

// parseMemory parses a --memory value.
func parseMemory(s string) (int64, error) {
	n, err := size.Parse(s)
	if err != nil {
		return 0, usagef("bad --memory: %v", err)
	}
	return n, nil
}
