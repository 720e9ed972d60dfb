package worker

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"time"

	"spindle/internal/proto"
)

// killAfter is how long a stopped container has between SIGTERM and
// SIGKILL. Tests shorten it before starting a worker.
var killAfter = 5 * time.Second

// ErrAlreadyRunning is returned when launching a container ID that runs.
var ErrAlreadyRunning = errors.New("worker: container already running")

// ErrStopped is returned when launching on a worker that is shutting down.
var ErrStopped = errors.New("worker: shutting down")

// ErrAppEnded is returned for a container of an application the
// coordinator already stopped: a launch still fetching the binary when
// the application finished must not start a process no one will stop.
var ErrAppEnded = errors.New("worker: application already ended")

// process is one running container.
type process struct {
	spec     proto.ContainerSpec
	cmd      *exec.Cmd
	done     chan struct{} // closed when the process has been waited for
	stopping bool          // SIGTERM sent; guarded by procs.mu
	// Set by the resource monitor; guarded by procs.mu.
	peakRSS    int64  // highest resident memory sampled for its process group
	killReason string // why the monitor killed it, if it did
}

// procs tracks running containers. Every process has a waiter goroutine,
// every stop a killer goroutine, and the resource monitor (if watch started
// it) one more; wg counts them all, so that stopAll returns when all are
// gone.
type procs struct {
	dir    string // DataDir/containers
	env    []string
	onExit func(proto.ContainerExit) // called by the waiter, outside mu

	mu     sync.Mutex // protects m, ended and closed
	m      map[string]*process
	ended  map[string]bool // applications stopped as a whole: none of their containers starts again
	closed bool            // set by stopAll: no more starts
	quit   chan struct{}   // closed by stopAll: the monitor stops
	wg     sync.WaitGroup
}

func newProcs(dir string, env []string, onExit func(proto.ContainerExit)) *procs {
	return &procs{dir: dir, env: env, onExit: onExit, m: map[string]*process{}, ended: map[string]bool{}, quit: make(chan struct{})}
}

// containerDir is where a container's spec and output live.
func (p *procs) containerDir(appID, containerID string) string {
	return filepath.Join(p.dir, appID, containerID)
}

// start launches binary for spec and returns its process ID once it runs.
func (p *procs) start(spec proto.ContainerSpec, binary string) (int, error) {
	if !validID.MatchString(spec.AppID) || !validID.MatchString(spec.ContainerID) {
		return 0, fmt.Errorf("worker: bad app or container ID %q/%q", spec.AppID, spec.ContainerID)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return 0, ErrStopped
	}
	if p.ended[spec.AppID] { // a launch that was fetching the binary when the application ended
		return 0, fmt.Errorf("%w: %s", ErrAppEnded, spec.AppID)
	}
	if _, ok := p.m[spec.ContainerID]; ok {
		return 0, fmt.Errorf("%w: %s", ErrAlreadyRunning, spec.ContainerID)
	}
	cmd, err := p.command(spec, binary)
	if err != nil {
		return 0, err
	}
	err = cmd.Start()
	closeFiles(cmd)
	if err != nil {
		return 0, fmt.Errorf("worker: start %s: %w", spec.ContainerID, err)
	}
	proc := &process{spec: spec, cmd: cmd, done: make(chan struct{})}
	p.m[spec.ContainerID] = proc
	p.wg.Go(func() { p.waitFor(proc) })
	return cmd.Process.Pid, nil
}

// command prepares the container's directory and its unstarted command.
func (p *procs) command(spec proto.ContainerSpec, binary string) (*exec.Cmd, error) {
	dir := p.containerDir(spec.AppID, spec.ContainerID)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("worker: container dir: %w", err)
	}
	specJSON, _ := json.MarshalIndent(spec, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, "spec.json"), specJSON, 0o644); err != nil {
		return nil, fmt.Errorf("worker: container spec: %w", err)
	}
	stdout, err := os.Create(filepath.Join(dir, "stdout"))
	if err != nil {
		return nil, fmt.Errorf("worker: container stdout: %w", err)
	}
	stderr, err := os.Create(filepath.Join(dir, "stderr"))
	if err != nil {
		stdout.Close()
		return nil, fmt.Errorf("worker: container stderr: %w", err)
	}
	cmd := exec.Command(binary, spec.Args...)
	cmd.Env = append(slices.Clone(p.env), containerEnv(spec)...)
	cmd.Env = append(cmd.Env, proto.EnvLocalDir+"="+filepath.Join(dir, "local"))
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Dir = workDir(spec.WorkDir)
	return cmd, nil
}

// workDir returns dir if it is a directory on this machine, else "" (the
// worker's own working directory).
func workDir(dir string) string {
	if dir == "" {
		return ""
	}
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		return ""
	}
	return dir
}

// closeFiles closes the parent's copies of the output files.
func closeFiles(cmd *exec.Cmd) {
	cmd.Stdout.(*os.File).Close()
	cmd.Stderr.(*os.File).Close()
}

// containerEnv is the Spindle environment of a container, without the
// cluster's NATS URL and the worker's own environment (added by the
// caller through procs.env).
func containerEnv(spec proto.ContainerSpec) []string {
	var extra []string // first: a later duplicate wins in os/exec
	for _, k := range slices.Sorted(maps.Keys(spec.Env)) {
		extra = append(extra, k+"="+spec.Env[k])
	}
	return append(extra,
		proto.EnvRole+"="+spec.Role,
		proto.EnvAppID+"="+spec.AppID,
		proto.EnvContainerID+"="+spec.ContainerID,
		proto.EnvWorkerID+"="+spec.WorkerID,
		proto.EnvMemoryBytes+"="+strconv.FormatInt(spec.Resources.MemoryBytes, 10),
		proto.EnvVCores+"="+strconv.Itoa(spec.Resources.VCores),
	)
}

// waitFor waits for proc's process, forgets it and reports its exit.
func (p *procs) waitFor(proc *process) {
	err := proc.cmd.Wait()
	p.mu.Lock()
	delete(p.m, proc.spec.ContainerID)
	peak, killReason := proc.peakRSS, proc.killReason
	p.mu.Unlock()
	close(proc.done)
	ex := proto.ContainerExit{WorkerID: proc.spec.WorkerID, AppID: proc.spec.AppID, ContainerID: proc.spec.ContainerID}
	ex.ExitCode, ex.Error = exitStatus(proc.cmd.ProcessState, err, killReason)
	ex.PeakRSS = peak
	p.onExit(ex)
}

// exitStatus turns a wait result into an exit code and an error message:
// killReason, if set, for a process that died of a signal.
func exitStatus(ps *os.ProcessState, waitErr error, killReason string) (int, string) {
	if ps == nil {
		return -1, fmt.Sprintf("wait: %v", waitErr)
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		if killReason != "" {
			return -1, killReason
		}
		return -1, "killed by signal " + signalName(ws.Signal())
	}
	return ps.ExitCode(), ""
}

var signalNames = map[syscall.Signal]string{
	syscall.SIGHUP: "SIGHUP", syscall.SIGINT: "SIGINT", syscall.SIGQUIT: "SIGQUIT",
	syscall.SIGILL: "SIGILL", syscall.SIGABRT: "SIGABRT", syscall.SIGBUS: "SIGBUS",
	syscall.SIGFPE: "SIGFPE", syscall.SIGKILL: "SIGKILL", syscall.SIGSEGV: "SIGSEGV",
	syscall.SIGPIPE: "SIGPIPE", syscall.SIGTERM: "SIGTERM", syscall.SIGXCPU: "SIGXCPU",
}

func signalName(s syscall.Signal) string {
	if name, ok := signalNames[s]; ok {
		return name
	}
	return fmt.Sprintf("%d (%v)", int(s), s)
}

// stop sends SIGTERM to the process groups of the matching containers
// (all of appID's when containerID is empty; all when both are), then
// SIGKILL to those still alive after killAfter. It does not wait.
func (p *procs) stop(appID, containerID string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if appID != "" && containerID == "" {
		p.ended[appID] = true
	}
	n := 0
	for _, proc := range p.m {
		if (appID != "" && proc.spec.AppID != appID) || (containerID != "" && proc.spec.ContainerID != containerID) {
			continue
		}
		n++
		if proc.stopping {
			continue
		}
		proc.stopping = true
		pgid := proc.cmd.Process.Pid
		syscall.Kill(-pgid, syscall.SIGTERM)
		p.wg.Go(func() { killLater(pgid, killAfter, proc.done) })
	}
	return n
}

// killLater sends SIGKILL to process group pgid unless done closes first.
func killLater(pgid int, after time.Duration, done <-chan struct{}) {
	t := time.NewTimer(after)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		syscall.Kill(-pgid, syscall.SIGKILL)
	}
}

// running returns the IDs of running containers, sorted.
func (p *procs) running() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	ids := make([]string, 0, len(p.m))
	for id := range p.m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// stopAll stops every container and the monitor, and waits for them.
func (p *procs) stopAll() {
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		close(p.quit)
	}
	p.mu.Unlock()
	p.stop("", "")
	p.wg.Wait()
}
