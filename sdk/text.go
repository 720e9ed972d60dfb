package sdk

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"spindle/dataflow"
	"spindle/internal/proto"
	"spindle/internal/textio"
)

// sourceOp is the Impl of sources: the job master asks it for splits, a
// task reads one split into the stage's chain.
type sourceOp interface {
	dataflow.SplitSource
	read(tc *taskCtx, split proto.Split, emit any) error
}

// sinkOp is the Impl of sinks: a task opens it, feeds it, and closes it.
type sinkOp interface {
	open(tc *taskCtx) (emit any, close func() error, err error)
}

// ReadText reads text files line by line: a file, a directory (its files
// not starting with '_' or '.'), a glob, or a comma-separated list of
// these. Lines exclude their "\n" and a trailing "\r". Large files are
// cut into splits at line boundaries, read by several tasks in parallel.
func ReadText(p *Pipeline, name, input string, opts ...Option) Dataset[string] {
	if input == "" {
		p.fail(Usagef("step %q: no input given", name))
	}
	return add[string](p, name, "ReadText", dataflow.KindSource, &textSource{input, collect(opts)})
}

type textSource struct {
	input string
	opts  options
}

// Validate implements dataflow.Validator: the input must exist.
func (s *textSource) Validate() error {
	_, err := textio.Expand(s.input)
	return err
}

// Splits implements dataflow.SplitSource.
func (s *textSource) Splits(ctx context.Context, parallelism int) ([]proto.Split, error) {
	files, err := textio.Expand(s.input)
	if err != nil {
		return nil, err
	}
	target := s.opts.splitSize
	if target <= 0 {
		var total int64
		for _, f := range files {
			fi, err := os.Stat(f)
			if err != nil {
				return nil, err
			}
			total += fi.Size()
		}
		target = textio.SplitTarget(total, parallelism)
	}
	return textio.Splits(files, target)
}

// checkpointEvery implements checkpointSource.
func (s *textSource) checkpointEvery() time.Duration { return s.opts.checkpoint }

// read reads split, which may be the rest of the task's split after a
// restore: progress counts from the task's whole split.
func (s *textSource) read(tc *taskCtx, split proto.Split, emit any) error {
	out := emit.(func(string))
	var lines int64
	whole := tc.spec.Split.Length
	skipped := whole - split.Length
	err := textio.ReadLinesAt(tc.ctx, split, func(line string, next int64) error {
		out(line)
		lines++
		return tc.line(next)
	}, func(done int64) {
		if whole > 0 {
			tc.env.Progress(float64(skipped+done) / float64(whole))
		}
	})
	tc.count("records_read", lines)
	tc.count("bytes_read", split.Length)
	return err
}

// WriteText writes each element as one line into files part-NNNNN of the
// directory output, one per task of its stage. The job master commits
// them and writes an empty _SUCCESS file when the whole job succeeded.
// The directory must not exist or be empty.
func WriteText(p *Pipeline, name string, in Dataset[string], output string) {
	if output == "" {
		p.fail(Usagef("step %q: no output directory given", name))
	}
	check(p, in, name)
	add[struct{}](p, name, "WriteText", dataflow.KindSink, &textSink{dir: output}, in.node)
}

type textSink struct{ dir string }

// OutputDir implements dataflow.Output.
func (s *textSink) OutputDir() string { return s.dir }

// ErrOutputExists is returned when a job would write into a directory
// that already holds files.
var ErrOutputExists = errors.New("output directory already exists")

// Validate implements dataflow.Validator: like Hadoop's output formats,
// refuse to mix a new job's output with an old one's.
func (s *textSink) Validate() error { return freeOutput(s.dir) }

// freeOutput reports an error unless dir is absent or empty (but for a
// staging directory left by an attempt that never committed).
func freeOutput(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("output %s: %w", dir, err)
	}
	for _, e := range entries {
		if e.Name() != stagingDir {
			return fmt.Errorf("%w: %s (remove it or choose another --output)", ErrOutputExists, dir)
		}
	}
	return nil
}

// stagingDir holds attempts' files until the job master commits them.
const stagingDir = "_temporary"

func (s *textSink) open(tc *taskCtx) (any, func() error, error) {
	part := fmt.Sprintf("part-%05d", tc.spec.Index)
	tmp := filepath.Join(s.dir, stagingDir, tc.spec.AttemptID, part)
	if err := os.MkdirAll(filepath.Dir(tmp), 0o755); err != nil {
		return nil, nil, err
	}
	f, err := os.Create(tmp)
	if err != nil {
		return nil, nil, err
	}
	w := bufio.NewWriterSize(f, 1<<16)
	var werr error
	var n int64
	emit := func(line string) {
		if werr == nil {
			w.WriteString(line)
			werr = w.WriteByte('\n')
			n++
		}
	}
	closeFn := func() error {
		err := errors.Join(werr, w.Flush(), f.Sync(), f.Close())
		if err != nil {
			return fmt.Errorf("write %s: %w", tmp, err)
		}
		tc.count("records_written", n)
		tc.res.Staged = append(tc.res.Staged, proto.StagedFile{Temp: tmp, Final: filepath.Join(s.dir, part)})
		return nil
	}
	return emit, closeFn, nil
}
