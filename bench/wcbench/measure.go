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

// measurement is one timed run.
type measurement struct {
	elapsed time.Duration
	peakRSS int64 // bytes: the largest sum over the whole process tree
}

// measure runs argv with its stdout and stderr in logPath, timing it by wall
// clock and sampling the resident memory of all of wcbench's descendants
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
	m.peakRSS, _ = s.stop() // a failed sample leaves the peak lower, never wrong
	reapOrphans()
	if err != nil {
		return m, fmt.Errorf("%w; log %s ends:\n%s", err, logPath, logTail(logPath, 20))
	}
	warnLeftovers(argv[0])
	return m, nil
}

// warnLeftovers reports processes of the run still alive after it ended.
func warnLeftovers(name string) {
	if _, n, err := treeRSS(os.Getpid()); err == nil && n > 0 {
		fmt.Fprintf(os.Stderr, "wcbench: warning: %d process(es) of %s still running after it exited\n", n, name)
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

// sampler records the peak of treeRSS(root) until stopped. Its goroutine is
// owned by whoever called startSampler, which must call stop.
type sampler struct {
	quit chan struct{}
	done chan struct{}
	peak int64 // written by the goroutine, read after done
	err  error // the first sampling error, if any
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
		rss, _, err := treeRSS(root)
		if err != nil && s.err == nil {
			s.err = err
		}
		s.peak = max(s.peak, rss)
		select {
		case <-s.quit:
			return
		case <-t.C:
		}
	}
}

// stop ends sampling and returns the peak in bytes.
func (s *sampler) stop() (int64, error) {
	close(s.quit)
	<-s.done
	return s.peak, s.err
}
