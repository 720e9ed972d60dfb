// Package harness is what the benchmarks share to time a contender and
// check its answer: a measured run (wall clock, and the resident memory of
// its whole process tree, sampled) and line-sorted output comparison.
package harness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"time"

	"spindle/bench/internal/proctree"
)

// SampleEvery is how often a run's process tree is sampled.
const SampleEvery = 50 * time.Millisecond

// Run is one timed run.
type Run struct {
	Elapsed time.Duration
	Peak    proctree.Mem // the largest sum and the largest process over all samples
}

// Measure runs argv with its stdout and stderr in logPath, timing it by
// wall clock and sampling the resident memory of all of this process's
// descendants (only the measured program runs meanwhile; call
// proctree.BecomeSubreaper first so detached processes count). A failed
// run's error ends with the tail of its log; processes of the run still
// alive after it are reported on stderr under the name who.
func Measure(ctx context.Context, who string, argv []string, logPath string) (Run, error) {
	log, err := os.Create(logPath)
	if err != nil {
		return Run{}, err
	}
	defer log.Close()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = log, log
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return Run{}, err
	}
	s := proctree.Start(os.Getpid(), SampleEvery)
	err = cmd.Wait()
	r := Run{Elapsed: time.Since(start)}
	r.Peak, _ = s.Stop() // a failed sample leaves the peak lower, never wrong
	proctree.ReapOrphans()
	if err != nil {
		return r, fmt.Errorf("%w; log %s ends:\n%s", err, logPath, LogTail(logPath, 20))
	}
	if m, err := proctree.Tree(os.Getpid()); err == nil && m.Procs > 0 {
		fmt.Fprintf(os.Stderr, "%s: warning: %d process(es) of %s still running after it exited\n", who, m.Procs, argv[0])
	}
	return r, nil
}

// LogTail returns about the last n lines of a log file.
func LogTail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n"))
	return string(bytes.Join(lines[max(0, len(lines)-n):], []byte("\n")))
}

// SortLines sorts the '\n'-terminated lines of b bytewise.
func SortLines(b []byte) []byte {
	lines := bytes.SplitAfter(b, []byte("\n"))
	if n := len(lines); n > 0 && len(lines[n-1]) == 0 {
		lines = lines[:n-1]
	}
	slices.SortFunc(lines, bytes.Compare)
	return bytes.Join(lines, nil)
}

// CompareOutputs returns nil if got equals want, else an error naming the
// first line where they differ.
func CompareOutputs(got, want []byte) error {
	if bytes.Equal(got, want) {
		return nil
	}
	g, w := bytes.Split(got, []byte("\n")), bytes.Split(want, []byte("\n"))
	for i := range min(len(g), len(w)) {
		if !bytes.Equal(g[i], w[i]) {
			return fmt.Errorf("line %d: got %q, want %q", i+1, g[i], w[i])
		}
	}
	if len(g) != len(w) {
		return fmt.Errorf("got %d lines, want %d", len(g), len(w))
	}
	return errors.New("outputs differ") // unreachable: equal lines mean equal bytes
}

// ErrMismatch marks a benchmark whose contenders' outputs differ.
var ErrMismatch = errors.New("OUTPUT MISMATCH")

// Rounds runs contenders 0..n-1 in turn, rounds times; run returns a
// contender's output in the reference's form, and each output must equal
// that round's output of contender 0 (the reference), or Rounds stops
// with an error wrapping ErrMismatch that names the contender by name.
func Rounds(rounds, n int, run func(i, round int) ([]byte, error), name func(i int) string) error {
	for r := 1; r <= rounds; r++ {
		var ref []byte
		for i := range n {
			got, err := run(i, r)
			if err != nil {
				return err
			}
			if i == 0 {
				ref = got
				continue
			}
			if err := CompareOutputs(got, ref); err != nil {
				return fmt.Errorf("%w: %s differs from %s (round %d): %v", ErrMismatch, name(i), name(0), r, err)
			}
		}
	}
	return nil
}

// finished is the CLI's line at a job's end: "application ID FINISHED in D".
var finished = regexp.MustCompile(`FINISHED in ([0-9.]+[a-zµ]+)`)

// JobTime returns the duration of the job whose `spindle run` or `submit`
// output is in log, as the CLI reports it: from submission to the end.
func JobTime(log string) (time.Duration, error) {
	b, err := os.ReadFile(log)
	if err != nil {
		return 0, err
	}
	m := finished.FindSubmatch(b)
	if m == nil {
		return 0, fmt.Errorf("no FINISHED line in %s:\n%s", log, LogTail(log, 10))
	}
	return time.ParseDuration(string(m[1]))
}

// WorkDir makes a benchmark's work directory; done removes it, unless
// keep, in which case its path is printed for the user instead.
func WorkDir(who string, keep bool) (dir string, done func(), err error) {
	dir, err = os.MkdirTemp("", who+"-")
	if err != nil {
		return "", nil, err
	}
	if keep {
		fmt.Fprintf(os.Stderr, "%s: work directory %s\n", who, dir)
		return dir, func() {}, nil
	}
	return dir, func() { os.RemoveAll(dir) }, nil
}

// GoBuild builds the packages of this repository into dir, before any
// timing; bins maps each output name to its package ("./cmd/spindle").
// Run from the repository root.
func GoBuild(ctx context.Context, dir string, bins map[string]string) error {
	for out, pkg := range bins {
		if msg, err := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(dir, out), pkg).CombinedOutput(); err != nil {
			return fmt.Errorf("go build %s (run from the repository root): %w\n%s", pkg, err, msg)
		}
	}
	return nil
}
