package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"time"
)

// sampleEvery is how often the process tree's memory is sampled.
const sampleEvery = 50 * time.Millisecond

// treeMem is one sample of a process tree's resident memory.
type treeMem struct {
	sum     int64 // bytes, over all processes
	largest int64 // bytes, of the largest single process
	procs   int
}

// measurement is one timed run.
type measurement struct {
	elapsed time.Duration
	peak    treeMem // the largest sum and the largest process over all samples
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
	s := startSampler(os.Getpid(), sampleEvery)
	err = cmd.Wait()
	m := measurement{elapsed: time.Since(start)}
	m.peak, _ = s.stop() // a failed sample leaves the peak lower, never wrong
	reapOrphans()
	if err != nil {
		return m, fmt.Errorf("%w; log %s ends:\n%s", err, logPath, logTail(logPath, 20))
	}
	warnLeftovers(argv[0])
	return m, nil
}

// warnLeftovers reports processes of the run still alive after it ended.
func warnLeftovers(name string) {
	if m, err := treeRSS(os.Getpid()); err == nil && m.procs > 0 {
		fmt.Fprintf(os.Stderr, "etlbench: warning: %d process(es) of %s still running after it exited\n", m.procs, name)
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

// sampler records the peaks of treeRSS(root) until stopped. Its goroutine
// is owned by whoever called startSampler, which must call stop.
type sampler struct {
	quit chan struct{}
	done chan struct{}
	peak treeMem // written by the goroutine, read after done
	err  error   // the first sampling error, if any
}

func startSampler(root int, every time.Duration) *sampler {
	s := &sampler{quit: make(chan struct{}), done: make(chan struct{})}
	go s.loop(root, every)
	return s
}

func (s *sampler) loop(root int, every time.Duration) {
	defer close(s.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		m, err := treeRSS(root)
		if err != nil && s.err == nil {
			s.err = err
		}
		s.peak = treeMem{sum: max(s.peak.sum, m.sum), largest: max(s.peak.largest, m.largest), procs: max(s.peak.procs, m.procs)}
		select {
		case <-s.quit:
			return
		case <-t.C:
		}
	}
}

// stop ends sampling and returns the peaks.
func (s *sampler) stop() (treeMem, error) {
	close(s.quit)
	<-s.done
	return s.peak, s.err
}
