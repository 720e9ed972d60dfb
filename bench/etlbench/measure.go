package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"spindle/bench/internal/proctree"
	"time"
)

// sampleEvery is how often the process tree's memory is sampled.
const sampleEvery = 50 * time.Millisecond

// measurement is one timed run.
type measurement struct {
	elapsed time.Duration
	peak    proctree.Mem // the largest sum and the largest process over all samples
}

// measure runs argv with its stdout and stderr in logPath, timing it by wall
// clock and sampling the resident memory of all of etlbench's descendants
// (only the measured program runs meanwhile). A failed run's error ends
// with the tail of its log.
func measure(ctx context.Context, argv []string, logPath string) (measurement, error) {
	log, err := os.Create(logPath)
	if err != nil {
		return measurement{}, err
	}
	defer log.Close()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = log, log
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return measurement{}, err
	}
	s := proctree.Start(os.Getpid(), sampleEvery)
	err = cmd.Wait()
	m := measurement{elapsed: time.Since(start)}
	m.peak, _ = s.Stop() // a failed sample leaves the peak lower, never wrong
	proctree.ReapOrphans()
	if err != nil {
		return m, fmt.Errorf("%w; log %s ends:\n%s", err, logPath, logTail(logPath, 20))
	}
	warnLeftovers(argv[0])
	return m, nil
}

// warnLeftovers reports processes of the run still alive after it ended.
func warnLeftovers(name string) {
	if m, err := proctree.Tree(os.Getpid()); err == nil && m.Procs > 0 {
		fmt.Fprintf(os.Stderr, "etlbench: warning: %d process(es) of %s still running after it exited\n", m.Procs, name)
	}
}

// logTail returns about the last n lines of a log file.
func logTail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n"))
	return string(bytes.Join(lines[max(0, len(lines)-n):], []byte("\n")))
}
