package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// childProc is a worker or coordinator of a local cluster, a child
// process of this executable.
type childProc struct {
	name string // the log's base name without .log: worker-1, coordinator-2
	log  string // path of its stdout and stderr
	cmd  *exec.Cmd
	done chan struct{} // closed when it has exited; err is set then
	err  error
}

// startChild starts exe args with output to logPath.
func startChild(exe string, args []string, logPath string) (*childProc, error) {
	f, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	name := strings.TrimSuffix(filepath.Base(logPath), ".log")
	cmd := exec.Command(exe, args...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = childAttr()
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	w := &childProc{name: name, log: logPath, cmd: cmd, done: make(chan struct{})}
	go func() {
		w.err = cmd.Wait()
		f.Close()
		close(w.done)
	}()
	return w, nil
}

// signal sends sig to the process if it still runs.
func (w *childProc) signal(sig syscall.Signal) {
	select {
	case <-w.done:
	default:
		w.cmd.Process.Signal(sig)
	}
}

// wait waits for the process to exit, killing it (and its process
// group) after timeout.
func (w *childProc) wait(timeout time.Duration) {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-w.done:
		return
	case <-timer.C:
		killGroup(w.cmd.Process.Pid)
		<-w.done
	}
}

// stopAll sends SIGTERM to every process and then waits for them all,
// each for at most timeout before it is killed.
func stopAll(procs []*childProc, timeout time.Duration) {
	for _, p := range procs {
		p.signal(syscall.SIGTERM)
	}
	for _, p := range procs {
		p.wait(timeout)
	}
}

// exited returns a process of procs that has ended, if any.
func exited(procs []*childProc) *childProc {
	for _, p := range procs {
		select {
		case <-p.done:
			return p
		default:
		}
	}
	return nil
}

// tail returns about the last n lines of the file at path.
func tail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return err.Error() + "\n"
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	s := string(bytes.Join(lines, nil))
	if s != "" && !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	return s
}
