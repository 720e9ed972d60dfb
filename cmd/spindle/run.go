package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/urfave/cli/v3"

	"spindle/internal/client"
	"spindle/internal/proto"
)

// killTimeout bounds the kill of an interrupted application.
const killTimeout = 5 * time.Second

func clusterFlags() []cli.Flag {
	return []cli.Flag{
		&cli.IntFlag{Name: "workers", Value: 2, Usage: "number of worker processes"},
		&cli.IntFlag{Name: "vcores", Usage: "vcores of each worker", DefaultText: "the machine's"},
		&cli.StringFlag{Name: "memory", Usage: "memory of each worker, e.g. 4GiB", DefaultText: "the machine's"},
		queuesFlag(), placementFlag("the cluster's placement policy: "),
	}
}

func runCommand() *cli.Command {
	return &cli.Command{
		Name:      "run",
		Usage:     "run one job on a throwaway local cluster",
		ArgsUsage: "PACKAGE|BINARY [-- JOB-ARGS...]",
		Flags: append(append(clusterFlags(),
			&cli.StringFlag{Name: "name", Usage: "application name (default: the job's name)"},
			&cli.StringFlag{Name: "queue", Usage: "scheduler queue (default: default, or the first queue of --queues)"},
			&cli.BoolFlag{Name: "keep", Usage: "keep the cluster's directory (logs, state) and print its path"},
		), taskFlags()...),
		Action: runAction,
	}
}

func runAction(ctx context.Context, cmd *cli.Command) error {
	cfg, err := localClusterConfig(cmd)
	if err != nil {
		return err
	}
	target, jobArgs, err := splitJobArgs(cmd.Args().Slice())
	if err != nil {
		return err
	}
	task, err := taskResources(cmd)
	if err != nil {
		return err
	}
	timeout, err := taskTimeout(cmd)
	if err != nil {
		return err
	}
	stdout, stderr := cmd.Root().Writer, cmd.Root().ErrWriter
	j, err := prepareJob(ctx, target, jobArgs, stderr)
	if err != nil {
		return err
	}
	defer j.close()
	if cfg.dir, err = os.MkdirTemp("", "spindle-run-"); err != nil {
		return err
	}
	defer cleanupDir(cfg.dir, cmd.Bool("keep"), stderr)
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	opts := submitOptions{name: cmd.String("name"), queue: cmd.String("queue"), task: task, taskTimeout: timeout}
	if opts.queue == "" {
		opts.queue = cfg.firstQueue
	}
	return runOnCluster(ctx, cfg, j, opts, stdout, stderr)
}

// localClusterConfig reads the cluster flags shared by run and up.
func localClusterConfig(cmd *cli.Command) (clusterConfig, error) {
	cfg := clusterConfig{workers: int(cmd.Int("workers")), vcores: int(cmd.Int("vcores")), memory: cmd.String("memory"),
		queues: cmd.String("queues"), placement: cmd.String("placement")}
	if err := checkSchedulerFlags(&cfg); err != nil {
		return cfg, err
	}
	if cfg.workers < 1 {
		return cfg, usagef("--workers must be at least 1")
	}
	if cfg.vcores < 0 {
		return cfg, usagef("--vcores must not be negative")
	}
	if cfg.memory != "" {
		if _, err := parseMemory(cfg.memory); err != nil {
			return cfg, err
		}
	}
	return cfg, nil
}

// runOnCluster starts a cluster in cfg.dir, runs j on it and tears it
// down. Its coordinator logs to cfg.dir/coordinator.log.
func runOnCluster(ctx context.Context, cfg clusterConfig, j *job, opts submitOptions, stdout, stderr io.Writer) error {
	logFile, err := os.Create(filepath.Join(cfg.dir, "coordinator.log"))
	if err != nil {
		return err
	}
	defer logFile.Close()
	cfg.listen = "127.0.0.1:0"
	cfg.logger = slog.New(slog.NewTextHandler(logFile, nil))
	cl, err := startCluster(ctx, cfg)
	if err != nil {
		return err
	}
	defer cl.stop()
	res, err := runJob(ctx, cl, j, opts, stdout, stderr)
	var usage usageError
	if errors.As(err, &usage) { // nothing ran: the cluster's logs would say nothing
		return err
	}
	if (err != nil || res.app.State != proto.StateFinished) && ctx.Err() == nil {
		fmt.Fprintf(stderr, "==> %s <==\n%s", logFile.Name(), tail(logFile.Name(), 20))
		cl.dumpLogs(stderr)
	}
	if err != nil {
		return err
	}
	return res.report(stderr)
}

// runJob waits for the cluster's workers and runs j like submit does. If
// ctx ends while the job runs, the job is killed.
func runJob(ctx context.Context, cl *cluster, j *job, opts submitOptions, stdout, stderr io.Writer) (submitResult, error) {
	c, err := client.Dial(ctx, cl.url)
	if err != nil {
		return submitResult{}, err
	}
	defer c.Close()
	uploaded := make(chan error, 1) // while the workers register
	go func() {
		hash, err := c.UploadBinary(ctx, j.path)
		if err == nil {
			cl.seedCache(j.path, hash)
			j.hash = hash
		}
		uploaded <- err
	}()
	werr := cl.waitWorkers(ctx, c)
	if err := errors.Join(werr, <-uploaded); err != nil {
		return submitResult{}, err
	}
	res, err := submitJob(ctx, c, j, opts, stdout, stderr)
	if errors.Is(err, context.Canceled) && res.app.ID != "" {
		return killApp(c, res)
	}
	return res, err
}

// killApp kills an interrupted application.
func killApp(c *client.Client, res submitResult) (submitResult, error) {
	ctx, cancel := context.WithTimeout(context.Background(), killTimeout)
	defer cancel()
	state, err := c.Kill(ctx, res.app.ID)
	if err != nil {
		return res, fmt.Errorf("interrupted; kill %s: %w", res.app.ID, err)
	}
	res.app.State, res.app.Diagnostics = state, "interrupted"
	return res, nil
}

// cleanupDir removes dir unless keep, in which case it says where it is.
func cleanupDir(dir string, keep bool, stderr io.Writer) {
	if keep {
		fmt.Fprintf(stderr, "cluster directory kept: %s\n", dir)
		return
	}
	os.RemoveAll(dir)
}
