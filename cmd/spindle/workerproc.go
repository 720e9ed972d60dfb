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

// workerProc is a worker of a local cluster, a child process.
type workerProc struct {
	name string
	log  string // path of its stdout and stderr
	cmd  *exec.Cmd
	done chan struct{} // closed when it has exited; err is set then
	err  error
}

// startWorker starts exe args with output to logPath.
func startWorker(exe string, args []string, logPath string) (*workerProc, error) {
	f, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, args...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = childAttr()
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("start worker: %w", err)
	}
	w := &workerProc{name: strings.TrimSuffix(filepath.Base(logPath), ".log"), log: logPath, cmd: cmd, done: make(chan struct{})}
	go func() {
		w.err = cmd.Wait()
		f.Close()
		close(w.done)
	}()
	return w, nil
}

// signal sends sig to the worker if it still runs.
func (w *workerProc) signal(sig syscall.Signal) {
	select {
	case <-w.done:
	default:
		w.cmd.Process.Signal(sig)
	}
}

// wait waits for the worker to exit, killing it after timeout.
func (w *workerProc) wait(timeout time.Duration) {
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
