package sdk

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"

	"spindle/dataflow"
	"spindle/internal/executor"
	"spindle/internal/jobmaster"
	"spindle/internal/proto"
	"spindle/internal/retry"
	"spindle/internal/rpc"
)

// Main is a job's entry point: call it from main with a function that
// builds the pipeline. It parses the job's flags (defined with the flag
// package before Main is called) and then plays the role the process was
// started in: the job master or an executor when a worker launched it,
// the describer when the spindle CLI inspects it. Main never returns: it
// exits 0 on success, 1 when the job failed, 2 on bad arguments.
func Main(build func(p *Pipeline) error) {
	os.Exit(run(build))
}

func run(build func(p *Pipeline) error) int {
	name := filepath.Base(os.Args[0])
	if code, ok := parseFlags(name); !ok {
		return code
	}
	p := newPipeline()
	if err := build(p); err != nil {
		p.fail(err)
	}
	if p.err != nil {
		return usage(name, p.err)
	}
	plan, err := dataflow.Build(&p.g)
	if err != nil {
		return usage(name, err)
	}
	stream, err := streaming(&p.g)
	if err != nil {
		return usage(name, err)
	}
	j := &job{p: p, plan: plan, stream: stream}
	switch role := os.Getenv(proto.EnvRole); role {
	case proto.RoleDescribe:
		return j.describe(name)
	case proto.RoleJobMaster, proto.RoleExecutor:
		return j.serve(role)
	case "":
		fmt.Fprintf(os.Stderr, "%s is a Spindle job: run it with `spindle run %s -- ARGS` or `spindle submit`\n", name, os.Args[0])
		return 2
	default:
		fmt.Fprintf(os.Stderr, "%s: unknown %s %q\n", name, proto.EnvRole, role)
		return 2
	}
}

// parseFlags parses the command line like flag.Parse, but reports an error
// as one line (the CLI relays it) instead of a usage dump.
func parseFlags(name string) (int, bool) {
	if flag.Parsed() {
		return 0, true
	}
	flag.CommandLine.Init(name, flag.ContinueOnError)
	flag.CommandLine.SetOutput(io.Discard)
	err := flag.CommandLine.Parse(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		flag.CommandLine.SetOutput(os.Stderr)
		flag.CommandLine.Usage()
		return 0, false
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		return 2, false
	}
	return 0, true
}

func usage(name string, err error) int {
	fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
	return 2
}

// description is what RoleDescribe prints after proto.DescribeMagic.
type description struct {
	Name        string   `json:"name"`
	Fingerprint string   `json:"fingerprint"`
	Stages      []string `json:"stages"`
}

// describe validates sources and sinks and prints the job's description.
func (j *job) describe(name string) int {
	for _, n := range j.p.g.Nodes {
		if v, ok := n.Impl.(dataflow.Validator); ok {
			if err := v.Validate(); err != nil {
				return usage(name, err)
			}
		}
	}
	d := description{Name: name, Fingerprint: j.plan.Fingerprint}
	for _, st := range j.plan.Stages {
		d.Stages = append(d.Stages, st.Name)
	}
	data, _ := json.Marshal(d)
	fmt.Printf("%s%s\n", proto.DescribeMagic, data)
	return 0
}

// serve runs the job master or an executor inside a container. It keeps
// trying to reach the cluster's NATS for the worker's connect timeout
// (proto.EnvConnectTimeout).
func (j *job) serve(role string) int {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil)).With("role", role)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	appID, cid, wid := os.Getenv(proto.EnvAppID), os.Getenv(proto.EnvContainerID), os.Getenv(proto.EnvWorkerID)
	grant := memoryGrant()
	cpuGrant()
	timeout, err := time.ParseDuration(os.Getenv(proto.EnvConnectTimeout))
	if err != nil {
		timeout = time.Minute // the worker did not say
	}
	var nc *nats.Conn
	err = retry.Do(ctx, timeout, retry.Default, func(context.Context) (err error) {
		nc, err = nats.Connect(os.Getenv(proto.EnvNATSURL), nats.Name(role+" "+cid), nats.MaxReconnects(-1), rpc.LogAsyncErrors(log), rpc.Failover())
		return err
	}, func(a retry.Attempt) {
		log.Warn("cannot reach the cluster, retrying", "attempt", a.N, "next", a.Wait, "err", a.Err)
	})
	if err != nil && ctx.Err() != nil {
		log.Info("stopped by a signal")
		return 128 + int(syscall.SIGTERM)
	}
	if err != nil {
		log.Error("cannot reach the cluster", "url", os.Getenv(proto.EnvNATSURL), "err", err)
		return 1
	}
	defer nc.Close()
	ecfg := executor.Config{NC: nc, AppID: appID, ContainerID: cid, WorkerID: wid, LocalDir: localDir(cid), MemoryBytes: grant, Logger: log}
	switch {
	case role == proto.RoleJobMaster && j.stream:
		err = jobmaster.RunStream(ctx, jobmaster.Config{AppID: appID, NC: nc, Graph: &j.p.g, Logger: log}, j.streamOptions())
	case j.stream:
		err = executor.RunStream(ctx, ecfg, j.runDeployment)
	case role == proto.RoleJobMaster:
		err = jobmaster.Run(ctx, jobmaster.Config{AppID: appID, NC: nc, Graph: &j.p.g, Logger: log})
	default:
		err = executor.Run(ctx, ecfg, j.runTask)
	}
	if err != nil && ctx.Err() != nil {
		log.Info("stopped by a signal")
		return 128 + int(syscall.SIGTERM) // as a shell reports it; not a clean exit, so a lost executor is replaced
	}
	if err != nil {
		log.Error("exiting", "err", err)
		return 1
	}
	nc.Flush()
	return 0
}

// memoryGrant returns the container's memory grant and makes it the Go
// runtime's soft memory limit (90% of it: the garbage collector works
// harder near the limit instead of the kernel killing the process).
func memoryGrant() int64 {
	n, err := strconv.ParseInt(os.Getenv(proto.EnvMemoryBytes), 10, 64)
	if err != nil || n <= 0 {
		return 0
	}
	debug.SetMemoryLimit(n / 10 * 9)
	return n
}

// cpuGrant makes the container's vcore grant the number of threads that
// run Go code at once, as a container-aware JVM sizes its pools: a
// container granted one vcore then runs as one, and the machine's cores
// are shared among containers as the scheduler granted them.
func cpuGrant() {
	if n, err := strconv.Atoi(os.Getenv(proto.EnvVCores)); err == nil && n > 0 {
		runtime.GOMAXPROCS(n)
	}
}

// localDir is where a container keeps local state: the directory its
// worker gave it, or one under the system's temporary directory.
func localDir(containerID string) string {
	if d := os.Getenv(proto.EnvLocalDir); d != "" {
		return d
	}
	return filepath.Join(os.TempDir(), "spindle-"+containerID)
}
