package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/urfave/cli/v3"

	"spindle/internal/client"
)

// Defaults of the long-running local cluster.
const (
	defaultListen  = "127.0.0.1:4222"
	defaultHTTP    = "127.0.0.1:8088"
	defaultDataDir = "spindle-data"
)

func upCommand() *cli.Command {
	return &cli.Command{
		Name:        "up",
		Usage:       "run a local cluster (coordinator and workers) until interrupted",
		Description: upDescription,
		Flags: append(clusterFlags(),
			&cli.StringFlag{Name: "data-dir", Value: defaultDataDir, Usage: "state and logs of the cluster"},
			&cli.StringFlag{Name: "listen", Value: defaultListen, Usage: "address of the embedded NATS server (with --nats-cluster 3: of the first)"},
			&cli.StringFlag{Name: "http", Value: defaultHTTP, Usage: "address of the HTTP API and web UI (\"\" disables; with --nats-cluster 3: of the first)"},
			&cli.IntFlag{Name: "nats-cluster", Value: 1, Usage: "coordinators, each embedding a node of the NATS cluster that keeps their state: 1, or 3 for high availability"},
			logLevelFlag(),
		),
		Action: upAction,
	}
}

const upDescription = `With --nats-cluster 3, up runs three coordinators, coordinator-1 to -3,
as child processes. Each embeds one node of a three-node NATS cluster that
keeps the coordinator state in JetStream streams of three replicas, fsynced
before every acknowledged write. One coordinator leads; when it dies a
standby takes over within seconds, and the coordinator state survives the
loss of any one of the three. Their NATS client ports are --listen's port and the next
two, their HTTP ports --http's and the next two (port 0: free ports). The
URL printed lists all three; "spindle coordinators --coordinator URL" shows
who leads.

In production run the three on three machines A, B and C, on A:

   spindle coordinator --ha --name a --server-name a --replicas 3 --sync-always \
     --listen 0.0.0.0:4222 --cluster-listen 0.0.0.0:6222 \
     --routes nats://B:6222,nats://C:6222 --data-dir /var/lib/spindle/coordinator

(B and C alike), and workers and clients with
--coordinator nats://A:4222,nats://B:4222,nats://C:4222. The routes carry
the state unauthenticated: let only the three machines reach port 6222.`

func upAction(ctx context.Context, cmd *cli.Command) error {
	cfg, err := upConfig(cmd)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.dir, 0o755); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg.reload = onSIGHUP(ctx)
	start, serve := startCluster, serveUntilDone
	if cfg.natsCluster == haCoordinators {
		start, serve = startHACluster, serveHA
	}
	cl, err := start(ctx, cfg)
	if err != nil {
		return err
	}
	defer cl.stop()
	if err := awaitWorkers(ctx, cl); err != nil {
		return err
	}
	printUp(cmd.Root().Writer, cmd.Root().ErrWriter, cl)
	return serve(ctx, cl, cfg.logger)
}

// upConfig reads and checks up's flags.
func upConfig(cmd *cli.Command) (clusterConfig, error) {
	if _, err := args(cmd); err != nil {
		return clusterConfig{}, err
	}
	cfg, err := localClusterConfig(cmd)
	if err != nil {
		return cfg, err
	}
	if cfg.natsCluster, err = natsClusterSize(cmd); err != nil {
		return cfg, err
	}
	cfg.logLevel = cmd.String("log-level")
	if cfg.logger, err = newLogger(cmd.Root().ErrWriter, cfg.logLevel); err != nil {
		return cfg, err
	}
	cfg.dir, cfg.listen, cfg.http = cmd.String("data-dir"), cmd.String("listen"), cmd.String("http")
	return cfg, nil
}

// natsClusterSize reads --nats-cluster: 1 or 3.
func natsClusterSize(cmd *cli.Command) (int, error) {
	switch n := int(cmd.Int("nats-cluster")); n {
	case 1, haCoordinators:
		return n, nil
	default:
		return 0, usagef("--nats-cluster %d: want 1, or 3 for high availability (a Raft quorum that tolerates the loss of one node needs 3: with 2, losing either stops the cluster)", n)
	}
}

// awaitWorkers waits for the cluster's workers to register.
func awaitWorkers(ctx context.Context, cl *cluster) error {
	c, err := client.Dial(ctx, cl.url)
	if err != nil {
		return err
	}
	defer c.Close()
	return cl.waitWorkers(ctx, c)
}

// printUp prints the coordinator URL on stdout and how to use it on stderr.
func printUp(stdout, stderr io.Writer, cl *cluster) {
	fmt.Fprintln(stdout, cl.url)
	if cl.ha() {
		printHAUp(stderr, cl)
	} else {
		fmt.Fprintf(stderr, "spindle cluster up: coordinator %s, %d workers, data and logs in %s\n", cl.url, len(cl.workers), cl.cfg.dir)
		if cl.cfg.http != "" {
			fmt.Fprintf(stderr, "web UI: http://%s\n", cl.cfg.http)
		}
	}
	fmt.Fprintf(stderr, "submit a job: spindle submit --coordinator %s PACKAGE|BINARY -- JOB-ARGS...\n", cl.url)
	fmt.Fprintln(stderr, "press Ctrl-C to stop")
}

// printHAUp describes the coordinators of an HA cluster.
func printHAUp(stderr io.Writer, cl *cluster) {
	fmt.Fprintf(stderr, "spindle cluster up: %d coordinators (%s to %s; a %d-node NATS cluster, JetStream R%d, fsync on every write), %d workers, data and logs in %s\n",
		len(cl.coords), cl.coords[0].name, cl.coords[len(cl.coords)-1].name, len(cl.coords), len(cl.coords), len(cl.workers), cl.cfg.dir)
	var uis []string
	for _, co := range cl.coords {
		if co.http != "" {
			uis = append(uis, "http://"+co.http)
		}
	}
	if len(uis) > 0 {
		fmt.Fprintf(stderr, "web UI: the leader's, one of %s\n", strings.Join(uis, " "))
	}
	fmt.Fprintf(stderr, "who leads: spindle coordinators --coordinator %s\n", cl.url)
}

// serveUntilDone runs until ctx ends or the coordinator stops, and logs
// workers that exit meanwhile.
func serveUntilDone(ctx context.Context, cl *cluster, log *slog.Logger) error {
	logWorkerExits(ctx, cl, log)
	select {
	case <-ctx.Done():
		return nil
	case err := <-cl.coordDone:
		cl.coordDone <- err // for stop
		return fmt.Errorf("coordinator stopped: %v", err)
	}
}

// serveHA runs until ctx ends or every coordinator process has exited,
// logs workers and coordinators that exit meanwhile, and passes SIGHUP
// (re-read queues) on to the coordinators. One lost coordinator leaves a
// quorum; two leave the cluster unable to serve until one is back.
func serveHA(ctx context.Context, cl *cluster, log *slog.Logger) error {
	logWorkerExits(ctx, cl, log)
	gone := make(chan *childProc, len(cl.coords))
	for _, p := range cl.coordProcs() {
		go func() {
			select {
			case <-p.done:
				gone <- p
			case <-ctx.Done():
			}
		}()
	}
	for left := len(cl.coords); ; {
		select {
		case <-ctx.Done():
			return nil
		case p := <-gone:
			left--
			log.Error("coordinator exited", "coordinator", p.name, "err", p.err, "log", p.log, "running", left)
			if left == 0 {
				return fmt.Errorf("all %d coordinators exited (logs: %s)", len(cl.coords), filepath.Join(cl.cfg.dir, "coordinator-*.log"))
			}
		case <-cl.cfg.reload:
			for _, p := range cl.coordProcs() {
				p.signal(syscall.SIGHUP)
			}
		}
	}
}

// logWorkerExits logs each worker that exits before ctx ends.
func logWorkerExits(ctx context.Context, cl *cluster, log *slog.Logger) {
	for _, w := range cl.workers {
		go func() {
			select {
			case <-w.done:
				if ctx.Err() == nil {
					log.Error("worker exited", "worker", w.name, "err", w.err, "log", w.log)
				}
			case <-ctx.Done():
			}
		}()
	}
}
