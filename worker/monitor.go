package worker

import (
	"fmt"
	"log/slog"
	"syscall"
	"time"
)

// The resource monitor is the worker's ContainersMonitor (YARN's name):
//
//	ticker ──▶ procs.targets() ──▶ groupRSS(/proc) ──▶ memoryPolicy.overLimit ──▶ procs.killForMemory
//	  (monitor.run, owned by procs,      (I/O)               (pure)                  (SIGKILL the group)
//	   stopped by procs.stopAll)
//
// Every interval it measures the resident memory of each running
// container's process group, keeps each container's peak, and kills the
// containers the policy names. The decision is the pure memoryPolicy; the
// goroutine only reads /proc and sends signals.

// DefaultMemoryLimitRatio is the ratio of a container's memory limit to its
// grant that the spindle worker command uses unless told otherwise.
const DefaultMemoryLimitRatio = 1.2

// memorySlack is the smallest margin above a grant that the limit allows:
// a small container's resident set counts the pages of the job binary
// itself and the runtime's own overhead, which do not shrink with the
// grant.
const memorySlack = 64 << 20

// defaultMonitorInterval is how often containers are measured unless
// Config.MonitorInterval says otherwise.
const defaultMonitorInterval = 500 * time.Millisecond

// memoryPolicy decides which containers to kill for their memory. It is a
// pure value, safe for concurrent use.
//
// A container's limit is max(grant×ratio, grant+64 MiB), and a container
// is killed on the first sample whose resident memory is above its limit.
// YARN kills at the grant itself; Spindle allows a margin because a Go
// container runs with its soft memory limit (GOMEMLIMIT) at 90% of the
// grant and may overshoot it briefly while the collector catches up, and
// because its resident set includes the binary's own pages, which weigh
// most in a small grant. A container above the margin is not a transient:
// its runtime has been collecting continuously for a while, so waiting for
// a second sample would only let it grow another interval's worth towards
// the machine's OOM killer, which would pick its victim with no regard to
// grants.
type memoryPolicy struct {
	ratio float64 // 0 disables kills; otherwise at least 1
}

// memSample is one measurement of one container.
type memSample struct {
	containerID string
	rss         int64 // resident bytes of its process group
	grant       int64 // its memory grant in bytes; ≤ 0 means unknown
}

// memKill is the decision to kill a container for its memory.
type memKill struct {
	containerID string
	rss         int64
	grant       int64
	limit       int64
}

// limit returns the resident memory above which a container with this
// grant is killed.
func (p memoryPolicy) limit(grant int64) int64 {
	return max(int64(float64(grant)*p.ratio), grant+memorySlack)
}

// overLimit returns the containers of samples to kill, in the order of
// samples. A container with an unknown grant is never killed, nor any
// when the policy is disabled.
func (p memoryPolicy) overLimit(samples []memSample) []memKill {
	if p.ratio <= 0 {
		return nil
	}
	var kills []memKill
	for _, s := range samples {
		if s.grant <= 0 {
			continue
		}
		if lim := p.limit(s.grant); s.rss > lim {
			kills = append(kills, memKill{containerID: s.containerID, rss: s.rss, grant: s.grant, limit: lim})
		}
	}
	return kills
}

// reason is the error a killed container's exit report carries.
func (k memKill) reason(workerID string) string {
	return fmt.Sprintf("killed by worker %s: resident memory %s exceeded the %s grant (limit %s)",
		workerID, mib(k.rss), mib(k.grant), mib(k.limit))
}

// mib formats n bytes as whole mebibytes, rounded to the nearest.
func mib(n int64) string {
	return fmt.Sprintf("%d MiB", (n+1<<19)>>20)
}

// monitor is the goroutine side of the resource monitor. Its run method is
// started once by procs.watch and returns when procs.stopAll is called.
type monitor struct {
	procs    *procs
	policy   memoryPolicy
	interval time.Duration
	workerID string
	procRoot string // "/proc"; tests may point it elsewhere
	log      *slog.Logger
	lastErr  string // the last error logged, so that a lasting one is logged once; run's own
}

// newMonitor returns the monitor of p configured by cfg (after
// withDefaults).
func newMonitor(cfg Config, p *procs) *monitor {
	return &monitor{procs: p, policy: memoryPolicy{ratio: cfg.MemoryLimitRatio}, interval: cfg.MonitorInterval,
		workerID: cfg.WorkerID, procRoot: "/proc", log: cfg.Logger}
}

// run samples every interval until quit closes.
func (m *monitor) run(quit <-chan struct{}) {
	t := time.NewTicker(m.interval)
	defer t.Stop()
	for {
		select {
		case <-quit:
			return
		case <-t.C:
		}
		m.sample()
	}
}

// sample measures every running container once, records the peaks and
// kills the containers the policy names.
func (m *monitor) sample() {
	targets := m.procs.targets()
	if len(targets) == 0 {
		return
	}
	pgids := make([]int, len(targets))
	for i, t := range targets {
		pgids[i] = t.pgid
	}
	rss, err := groupRSS(m.procRoot, pgids)
	if err != nil {
		if err.Error() != m.lastErr {
			m.log.Warn("memory monitor", "err", err)
			m.lastErr = err.Error()
		}
		return
	}
	m.lastErr = ""
	samples := make([]memSample, len(targets))
	pgidOf := make(map[string]int, len(targets))
	for i, t := range targets {
		samples[i] = memSample{containerID: t.containerID, rss: rss[t.pgid], grant: t.grant}
		pgidOf[t.containerID] = t.pgid
	}
	m.procs.notePeaks(samples)
	for _, k := range m.policy.overLimit(samples) {
		if m.procs.killForMemory(k.containerID, pgidOf[k.containerID], k.reason(m.workerID)) {
			m.log.Warn("container over its memory limit: killed", "container", k.containerID,
				"rss", k.rss, "grant", k.grant, "limit", k.limit)
		}
	}
}

// target is a running container as the monitor sees it.
type target struct {
	containerID string
	pgid        int   // its process group (the container's pid)
	grant       int64 // its memory grant in bytes
}

// watch starts m, which stops when stopAll is called; stopAll waits for it.
func (p *procs) watch(m *monitor) {
	p.wg.Go(func() { m.run(p.quit) })
}

// targets returns the running containers, unordered.
func (p *procs) targets() []target {
	p.mu.Lock()
	defer p.mu.Unlock()
	ts := make([]target, 0, len(p.m))
	for id, proc := range p.m {
		ts = append(ts, target{containerID: id, pgid: proc.cmd.Process.Pid, grant: proc.spec.Resources.MemoryBytes})
	}
	return ts
}

// notePeaks raises the peak resident memory of the sampled containers that
// still run.
func (p *procs) notePeaks(samples []memSample) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, s := range samples {
		if proc, ok := p.m[s.containerID]; ok {
			proc.peakRSS = max(proc.peakRSS, s.rss)
		}
	}
}

// killForMemory sends SIGKILL to the process group of container id, if it
// still runs as process group pgid, and makes reason the error of its exit
// report. It reports whether it sent the signal. It does not wait.
func (p *procs) killForMemory(id string, pgid int, reason string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	proc, ok := p.m[id]
	if !ok || proc.cmd.Process.Pid != pgid || proc.killReason != "" {
		return false
	}
	proc.killReason = reason
	proc.stopping = true // no SIGTERM after this
	syscall.Kill(-pgid, syscall.SIGKILL)
	return true
}
