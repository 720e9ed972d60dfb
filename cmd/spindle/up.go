package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
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
		Name:  "up",
		Usage: "run a local cluster (coordinator and workers) until interrupted",
		Flags: append(clusterFlags(),
			&cli.StringFlag{Name: "data-dir", Value: defaultDataDir, Usage: "state and logs of the cluster"},
			&cli.StringFlag{Name: "listen", Value: defaultListen, Usage: "address of the embedded NATS server"},
			&cli.StringFlag{Name: "http", Value: defaultHTTP, Usage: "address of the HTTP API and web UI (\"\" disables)"},
			logLevelFlag(),
		),
		Action: upAction,
	}
}

func upAction(ctx context.Context, cmd *cli.Command) error {
	if _, err := args(cmd); err != nil {
		return err
	}
	cfg, err := localClusterConfig(cmd)
	if err != nil {
		return err
	}
	if cfg.logger, err = newLogger(cmd.Root().ErrWriter, cmd.String("log-level")); err != nil {
		return err
	}
	cfg.dir, cfg.listen, cfg.http = cmd.String("data-dir"), cmd.String("listen"), cmd.String("http")
	if err := os.MkdirAll(cfg.dir, 0o755); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg.reload = onSIGHUP(ctx)
	cl, err := startCluster(ctx, cfg)
	if err != nil {
		return err
	}
	defer cl.stop()
	if err := awaitWorkers(ctx, cl); err != nil {
		return err
	}
	printUp(cmd.Root().Writer, cmd.Root().ErrWriter, cl)
	return serveUntilDone(ctx, cl, cfg.logger)
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
	fmt.Fprintf(stderr, "spindle cluster up: coordinator %s, %d workers, data and logs in %s\n", cl.url, len(cl.workers), cl.cfg.dir)
	if cl.cfg.http != "" {
		fmt.Fprintf(stderr, "web UI: http://%s\n", cl.cfg.http)
	}
	fmt.Fprintf(stderr, "submit a job: spindle submit --coordinator %s PACKAGE|BINARY -- JOB-ARGS...\n", cl.url)
	fmt.Fprintln(stderr, "press Ctrl-C to stop")
}

// serveUntilDone runs until ctx ends or the coordinator stops, and logs
// workers that exit meanwhile.
func serveUntilDone(ctx context.Context, cl *cluster, log *slog.Logger) error {
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
	select {
	case <-ctx.Done():
		return nil
	case err := <-cl.coordDone:
		cl.coordDone <- err // for stop
		return fmt.Errorf("coordinator stopped: %v", err)
	}
}
