package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"spindle/coordinator"
	"spindle/internal/client"
	"spindle/internal/proto"
)

// Deadlines of a local cluster.
const (
	clusterStartTimeout = 15 * time.Second // coordinator ready, workers registered
	workerStopTimeout   = 5 * time.Second  // SIGTERM to SIGKILL
)

// clusterConfig describes a local cluster: a coordinator in this process,
// or three coordinator processes (natsCluster 3, see startHACluster), and
// workers as child processes of this executable.
type clusterConfig struct {
	dir     string // coordinator/ (or coordinator-N/ and .log), worker-N/ and worker-N.log go here
	workers int
	listen  string // coordinator's NATS address
	http    string // "" disables the HTTP API
	vcores  int    // per worker; 0 = the machine's
	memory  string // per worker, a size; "" = the machine's
	logger  *slog.Logger
	// natsCluster is 1 (one coordinator in this process) or 3 (three HA
	// coordinators, each with a node of a three-node NATS cluster).
	natsCluster int
	logLevel    string // of coordinator processes
	// scheduler
	queues     string // queue file; "" = one default queue
	firstQueue string // the first leaf queue of the file, for run
	placement  string
	reload     <-chan struct{} // SIGHUP: re-read queues
}

// cluster is a running local cluster. stop must be called.
type cluster struct {
	cfg       clusterConfig
	url       string // comma-separated with several coordinators
	stopCoord context.CancelFunc
	coordDone chan error // receives coordinator.Run's result
	coords    []*haCoord // coordinator processes; none with one coordinator in this process
	workers   []*childProc
}

// startCluster starts the coordinator and then the workers. It does not
// wait for the workers to register (see waitWorkers).
func startCluster(ctx context.Context, cfg clusterConfig) (*cluster, error) {
	coordCtx, cancel := context.WithCancel(context.Background()) // stop owns its end
	c := &cluster{cfg: cfg, stopCoord: cancel, coordDone: make(chan error, 1)}
	ready := make(chan string, 1)
	go func() {
		c.coordDone <- coordinator.Run(coordCtx, coordinator.Config{
			DataDir:    filepath.Join(cfg.dir, "coordinator"),
			Listen:     cfg.listen,
			HTTP:       cfg.http,
			Logger:     cfg.logger,
			QueuesFile: cfg.queues,
			Placement:  cfg.placement,
			Reload:     cfg.reload,
		}, func(url string) {
			select {
			case ready <- url:
			default:
			}
		})
	}()
	if err := c.awaitCoordinator(ctx, ready); err != nil {
		c.stop()
		return nil, err
	}
	if err := c.startWorkers(); err != nil {
		c.stop()
		return nil, err
	}
	return c, nil
}

// awaitCoordinator waits for the coordinator's ready call.
func (c *cluster) awaitCoordinator(ctx context.Context, ready <-chan string) error {
	timer := time.NewTimer(clusterStartTimeout)
	defer timer.Stop()
	select {
	case c.url = <-ready:
		return nil
	case err := <-c.coordDone:
		c.coordDone <- err // for stop
		return fmt.Errorf("coordinator failed to start: %v", err)
	case <-timer.C:
		return fmt.Errorf("coordinator not ready after %v", clusterStartTimeout)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// startWorkers starts the worker processes.
func (c *cluster) startWorkers() error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("cannot find the spindle executable: %w", err)
	}
	for i := 1; i <= c.cfg.workers; i++ {
		w, err := startChild(exe, c.workerArgs(i), filepath.Join(c.cfg.dir, workerName(i)+".log"))
		if err != nil {
			return err
		}
		c.workers = append(c.workers, w)
	}
	return nil
}

func workerName(i int) string { return "worker-" + strconv.Itoa(i) }

// workerArgs is the command line of worker i.
func (c *cluster) workerArgs(i int) []string {
	args := []string{"worker", "--coordinator", c.url, "--id", workerName(i),
		"--data-dir", filepath.Join(c.cfg.dir, workerName(i)), "--cache-dir", c.cacheDir()}
	if c.cfg.vcores > 0 {
		args = append(args, "--vcores", strconv.Itoa(c.cfg.vcores))
	}
	if c.cfg.memory != "" {
		args = append(args, "--memory", c.cfg.memory)
	}
	return args
}

// cacheDir is the binary cache the local workers share.
func (c *cluster) cacheDir() string { return filepath.Join(c.cfg.dir, "cache") }

// seedCache copies the job binary at path, whose SHA-256 is hash, into
// the workers' shared cache: the workers of a local cluster then launch it
// without fetching it from the object store. A copy, not a link: the
// cache must keep what was hashed even if the user rebuilds the file in
// place while the job runs. A worker would fetch the binary otherwise, so
// a failure here costs only time.
func (c *cluster) seedCache(path, hash string) {
	dir := c.cacheDir()
	if os.MkdirAll(dir, 0o755) != nil {
		return
	}
	tmp := filepath.Join(dir, hash+".seed")
	if copyFile(path, tmp) != nil || os.Rename(tmp, filepath.Join(dir, hash)) != nil {
		os.Remove(tmp)
	}
}

// copyFile copies src to a new file dst.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	return errors.Join(err, out.Close())
}

// waitWorkers waits until the coordinator lists every worker RUNNING.
func (c *cluster) waitWorkers(ctx context.Context, cl *client.Client) error {
	ctx, cancel := context.WithTimeout(ctx, clusterStartTimeout)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond) // local workers register within tens of ms
	defer tick.Stop()
	for running := 0; ; {
		if w := exited(c.workers); w != nil {
			return fmt.Errorf("%s exited: %v (log: %s)", w.name, w.err, w.log)
		}
		nodes, err := cl.Nodes(ctx)
		if err == nil {
			running = countRunning(nodes)
			if running >= c.cfg.workers {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return fmt.Errorf("only %d of %d workers registered within %v", running, c.cfg.workers, clusterStartTimeout)
			}
			return ctx.Err()
		case <-tick.C:
		}
	}
}

func countRunning(nodes []proto.Node) int {
	n := 0
	for _, nd := range nodes {
		if nd.State == proto.NodeRunning {
			n++
		}
	}
	return n
}

// stop stops the workers (SIGTERM, then SIGKILL after workerStopTimeout)
// and then the coordinators, and waits for all of them. Workers go first:
// stopped the other way round they would spend their last seconds
// reconnecting, and the coordinator would record them lost.
func (c *cluster) stop() {
	stopAll(c.workers, workerStopTimeout)
	if c.ha() {
		stopAll(c.coordProcs(), coordStopTimeout)
		return
	}
	c.stopCoord()
	<-c.coordDone
}

// dumpLogs writes the last lines of every worker's log to w.
func (c *cluster) dumpLogs(w io.Writer) {
	for _, wp := range c.workers {
		fmt.Fprintf(w, "==> %s <==\n%s", wp.log, tail(wp.log, 20))
	}
}
