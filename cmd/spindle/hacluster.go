package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"spindle/internal/client"
	"spindle/internal/proto"
)

// A local HA cluster (up --nats-cluster 3) runs its coordinators as child
// processes, "spindle coordinator --ha", each embedding one node of a
// three-node NATS cluster that keeps the coordinator state in R3 streams,
// fsynced before every acknowledged write. Three is the smallest Raft
// group that survives the loss of a node: two of three are a quorum.
const haCoordinators = 3

// Deadlines of a local HA cluster.
const (
	// haStartTimeout bounds the wait for a leader: the NATS servers must
	// find each other and elect a JetStream meta leader (about 10 s), then
	// the coordinators their leader.
	haStartTimeout   = 90 * time.Second
	coordStopTimeout = 10 * time.Second // SIGTERM to SIGKILL
)

// haCoord is one coordinator of a local HA cluster: its addresses and,
// once started, its process.
type haCoord struct {
	name   string // coordinator-N: in the election, in the NATS cluster, of its log and data
	client string // host:port of its NATS client listener
	route  string // host:port of its NATS route listener
	http   string // host:port of its HTTP API; "" when off
	proc   *childProc
}

func coordName(i int) string { return "coordinator-" + strconv.Itoa(i) }

// ha reports whether the cluster's coordinators are HA child processes.
func (c *cluster) ha() bool { return c.cfg.natsCluster == haCoordinators }

// startHACluster starts three HA coordinators, waits for one of them to
// lead and for all of them to answer, and then starts the workers. It does not wait for the
// workers to register (see waitWorkers).
func startHACluster(ctx context.Context, cfg clusterConfig) (*cluster, error) {
	coords, err := planHA(cfg)
	if err != nil {
		return nil, err
	}
	c := &cluster{cfg: cfg, coords: coords, url: haURL(coords)}
	for _, step := range []func() error{c.startCoords, func() error { return c.awaitLeader(ctx) }, c.startWorkers} {
		if err := step(); err != nil {
			c.stop()
			return nil, err
		}
	}
	return c, nil
}

// planHA gives each coordinator its addresses: client ports from
// cfg.listen's port up, HTTP ports from cfg.http's (port 0: free ones),
// and free loopback route ports.
func planHA(cfg clusterConfig) ([]*haCoord, error) {
	var free freePorts
	defer free.release()
	clients, err := free.portRange(cfg.listen, haCoordinators)
	if err != nil {
		return nil, usagef("--listen %q: %v", cfg.listen, err)
	}
	https := make([]string, haCoordinators)
	if cfg.http != "" {
		if https, err = free.portRange(cfg.http, haCoordinators); err != nil {
			return nil, usagef("--http %q: %v", cfg.http, err)
		}
	}
	var coords []*haCoord
	for i := range haCoordinators {
		route, err := free.addr("127.0.0.1")
		if err != nil {
			return nil, err
		}
		coords = append(coords, &haCoord{name: coordName(i + 1), client: clients[i], route: route, http: https[i]})
	}
	return coords, nil
}

// freePorts finds ports that are free, and keeps them distinct by holding
// them until release.
type freePorts struct{ held []net.Listener }

// addr returns host:port with a port free on host.
func (f *freePorts) addr(host string) (string, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	f.held = append(f.held, l)
	return net.JoinHostPort(host, strconv.Itoa(l.Addr().(*net.TCPAddr).Port)), nil
}

// portRange returns n addresses on addr's host: its port and the next
// ones, or free ports if its port is 0.
func (f *freePorts) portRange(addr string, n int) ([]string, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 0 || port+n-1 > 65535 {
		return nil, fmt.Errorf("want a port from 0 to %d", 65535-n+1)
	}
	out := make([]string, n)
	for i := range out {
		out[i] = net.JoinHostPort(host, strconv.Itoa(port+i))
		if port == 0 {
			if out[i], err = f.addr(host); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// release closes the listeners that held the ports, for the coordinators
// to take them.
func (f *freePorts) release() {
	for _, l := range f.held {
		l.Close()
	}
}

// natsURL is the URL of a NATS listener at addr; an unspecified host is
// reached on loopback.
func natsURL(addr string) string {
	host, port, _ := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "nats://" + net.JoinHostPort(host, port)
}

// haURL is the cluster URL: every coordinator's client URL, so that a
// client or worker reaches the cluster while any one of them runs.
func haURL(coords []*haCoord) string {
	urls := make([]string, len(coords))
	for i, co := range coords {
		urls[i] = natsURL(co.client)
	}
	return strings.Join(urls, ",")
}

// startCoords starts the coordinator processes.
func (c *cluster) startCoords() error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("cannot find the spindle executable: %w", err)
	}
	for _, co := range c.coords {
		if co.proc, err = startChild(exe, c.coordArgs(co), filepath.Join(c.cfg.dir, co.name+".log")); err != nil {
			return err
		}
	}
	return nil
}

// coordArgs is the command line of coordinator co.
func (c *cluster) coordArgs(co *haCoord) []string {
	var routes []string
	for _, o := range c.coords {
		if o != co {
			routes = append(routes, natsURL(o.route))
		}
	}
	args := []string{"coordinator", "--ha", "--name", co.name, "--server-name", co.name,
		"--listen", co.client, "--cluster-listen", co.route, "--routes", strings.Join(routes, ","),
		"--replicas", strconv.Itoa(haCoordinators), "--sync-always",
		"--http", co.http, "--data-dir", filepath.Join(c.cfg.dir, co.name)}
	for _, f := range [][2]string{{"queues", c.cfg.queues}, {"placement", c.cfg.placement}, {"log-level", c.cfg.logLevel}} {
		if f[1] != "" {
			args = append(args, "--"+f[0], f[1])
		}
	}
	return args
}

// coordProcs returns the coordinator processes started so far.
func (c *cluster) coordProcs() []*childProc {
	var procs []*childProc
	for _, co := range c.coords {
		if co.proc != nil {
			procs = append(procs, co.proc)
		}
	}
	return procs
}

// awaitLeader waits until a coordinator leads and answers the API and
// the others stand by, failing early if a coordinator process exits.
func (c *cluster) awaitLeader(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, haStartTimeout)
	defer cancel()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	var cl *client.Client
	defer func() {
		if cl != nil {
			cl.Close()
		}
	}()
	for {
		if p := exited(c.coordProcs()); p != nil {
			return exitedError(p)
		}
		err := errors.New("no coordinator answers yet")
		if cl == nil {
			cl, err = client.Dial(ctx, c.url)
		}
		if cl != nil {
			if err = serving(ctx, cl); err == nil {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return fmt.Errorf("no coordinator leads within %v: %v (logs: %s)", haStartTimeout, err, filepath.Join(c.cfg.dir, "coordinator-*.log"))
			}
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// serving returns nil once every coordinator answers, one leads, and the
// API answers, and otherwise why not. Up before the standbys answer, the
// cluster could not yet survive the loss of its leader.
func serving(ctx context.Context, cl *client.Client) error {
	infos, err := cl.Coordinators(ctx) // the leader first
	switch {
	case err != nil:
		return err
	case infos[0].Role != proto.CoordLeader:
		return fmt.Errorf("%d of %d coordinators answer, none leads yet", len(infos), haCoordinators)
	case len(infos) < haCoordinators:
		return fmt.Errorf("%s leads, %d of %d coordinators answer", infos[0].Name, len(infos), haCoordinators)
	}
	_, err = cl.Nodes(ctx)
	return err
}

// exitedError says that the process p has ended, with the last line of
// its log, which usually says why.
func exitedError(p *childProc) error {
	last := strings.TrimSpace(tail(p.log, 2))
	if i := strings.LastIndexByte(last, '\n'); i >= 0 {
		last = last[i+1:]
	}
	return fmt.Errorf("%s exited (%v): %s (log: %s)", p.name, p.err, last, p.log)
}
