// Package proctree measures the resident memory of a process tree from
// Linux's /proc, for the benchmarks that time Spindle against plain
// programs: the sum over the tree, its largest process, and the peaks of
// both while a sampler runs.
package proctree

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"syscall"
)

// Mem is one sample of a process tree's resident memory.
type Mem struct {
	Sum     int64 // bytes, over all processes
	Largest int64 // bytes, of the largest single process
	Procs   int
}

// prSetChildSubreaper is prctl's PR_SET_CHILD_SUBREAPER.
const prSetChildSubreaper = 36

// BecomeSubreaper makes orphaned descendants reparent to this process
// instead of init, so that Tree(os.Getpid()) still counts processes
// that a measured program detached (double fork).
func BecomeSubreaper() error {
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0); errno != 0 {
		return errno
	}
	return nil
}

// ReapOrphans waits for exited descendants that were reparented to us; no
// other child of ours may be running when it is called.
func ReapOrphans() {
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
		if pid <= 0 || err != nil {
			return
		}
	}
}

// procInfo is what Tree needs from /proc/PID/stat.
type procInfo struct {
	ppid int
	rss  int64 // bytes
}

// Tree returns the resident memory of root's descendants (root excluded),
// from one scan of /proc.
func Tree(root int) (Mem, error) {
	procs, err := scanProcs()
	if err != nil {
		return Mem{}, err
	}
	children := make(map[int][]int)
	for pid, p := range procs {
		children[p.ppid] = append(children[p.ppid], pid)
	}
	var m Mem
	stack := append([]int(nil), children[root]...)
	for len(stack) > 0 {
		pid := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		m.Sum += procs[pid].rss
		m.Largest = max(m.Largest, procs[pid].rss)
		m.Procs++
		stack = append(stack, children[pid]...)
	}
	return m, nil
}

// scanProcs reads every process's parent and RSS. Processes that exit
// during the scan are skipped.
func scanProcs() (map[int]procInfo, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	procs := make(map[int]procInfo, len(entries))
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue // gone
		}
		if p, err := parseStat(b); err == nil {
			procs[pid] = p
		}
	}
	return procs, nil
}

var pageSize = int64(os.Getpagesize())

// parseStat reads ppid (field 4) and rss in pages (field 24) from the text
// of /proc/PID/stat. The command name (field 2) may hold spaces and
// parentheses, so fields are counted from its last ')'.
func parseStat(b []byte) (procInfo, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return procInfo{}, errors.New("proctree: malformed /proc stat")
	}
	f := bytes.Fields(b[i+1:]) // f[0] is field 3
	if len(f) < 22 {
		return procInfo{}, fmt.Errorf("proctree: /proc stat has %d fields", len(f)+2)
	}
	ppid, err1 := strconv.Atoi(string(f[1]))
	pages, err2 := strconv.ParseInt(string(f[21]), 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return procInfo{}, fmt.Errorf("proctree: /proc stat: %w", err)
	}
	return procInfo{ppid: ppid, rss: pages * pageSize}, nil
}
