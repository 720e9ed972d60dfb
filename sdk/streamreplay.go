package sdk

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"spindle/dataflow"
	"spindle/internal/stream/evtime"
	"spindle/internal/stream/state"
)

// Replay describes a file replayed as a stream: one record per line, each
// with its event time.
//
// Subtask i of p takes lines i, i+p, i+2p, … (counting from 0, blank lines
// included), like Generate, so that in a file sorted by time every subtask
// moves through event time with the others and its own records stay in
// order. Each subtask reads the whole file to do so; the file must be
// where every worker reads it (the local filesystem on one machine, a
// shared one across machines).
//
// A checkpoint saves the byte offset and number of the next line; a
// restored subtask seeks there, so each line is emitted once. The stream
// ends at the end of the file: a replay is bounded.
type Replay[T any] struct {
	// Parse turns a line (without its line break) into a record and its
	// event time in ms since the Unix epoch. Nil parses
	// ParseTimestamped lines, for a Replay[string] only.
	Parse func(line string) (T, int64, error)
	// Rate is how many lines per second all subtasks together replay; 0
	// means as fast as the job takes them.
	Rate float64
	// OutOfOrder bounds how far event times may go backwards in the file:
	// the watermark is the latest event time seen minus OutOfOrder.
	OutOfOrder time.Duration
	// SkipBad counts and skips lines that do not parse; without it the
	// first such line fails the job with "path:line: reason".
	SkipBad bool
}

// ErrBadTimestamp is returned by ParseTimestamped for a line whose time
// is neither RFC 3339 nor an integer of Unix milliseconds.
var ErrBadTimestamp = errors.New("sdk: bad timestamp")

// ParseTimestamped parses the default replay format, a line
// "<time>\t<payload>": the time is RFC 3339 (2026-01-02T15:04:05.123Z) or
// Unix milliseconds (1767366245123); the record is the payload, which may
// hold further tabs.
func ParseTimestamped(line string) (string, int64, error) {
	ts, payload, ok := strings.Cut(line, "\t")
	if !ok {
		return "", 0, fmt.Errorf("%w: no tab after the time in %q", ErrBadTimestamp, clip(line))
	}
	if ms, err := strconv.ParseInt(ts, 10, 64); err == nil {
		return payload, ms, nil
	}
	t, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		return "", 0, fmt.Errorf("%w: %q is neither RFC 3339 nor Unix milliseconds", ErrBadTimestamp, clip(ts))
	}
	return payload, t.UnixMilli(), nil
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// ReplayFile is a streaming source that replays the lines of the file at
// path (see Replay).
func ReplayFile[T any](p *Pipeline, name, path string, r Replay[T]) Dataset[T] {
	if path == "" {
		p.fail(Usagef("step %q: no file to replay given", name))
	}
	if r.Rate < 0 || r.OutOfOrder < 0 {
		p.fail(Usagef("step %q: the replay's Rate and OutOfOrder must not be negative", name))
	}
	if r.Parse == nil {
		parse, ok := any(ParseTimestamped).(func(string) (T, int64, error))
		if !ok {
			p.fail(Usagef("step %q: a replay of %T records needs a Parse function", name, *new(T)))
		}
		r.Parse = parse
	}
	return add[T](p, name, "ReplayFile", dataflow.KindSource, &replayOp[T]{path: path, r: r})
}

type replayOp[T any] struct {
	path string
	r    Replay[T]
}

// replayPos is a replay subtask's saved position.
type replayPos struct {
	Offset int64 // byte offset of the next line
	Line   int64 // its number, from 0
	Bad    int64 // lines skipped so far
}

func (op *replayOp[T]) openStream(sc *subtask, emit any) (streamSource, error) {
	pos, err := state.NewTable[string, replayPos](sc.state, "source")
	if err != nil {
		return nil, err
	}
	at, _, err := pos.Get("next")
	if err != nil {
		return nil, err
	}
	f, err := os.Open(op.path)
	if err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	if _, err := f.Seek(at.Offset, io.SeekStart); err != nil {
		f.Close()
		return nil, fmt.Errorf("replay %s: %w", op.path, err)
	}
	r := newReplayReader(op, f, at, sc.dep.Index, sc.dep.Parallelism)
	return &replayRun[T]{replayReader: r, sc: sc, emit: emit.(func(T)), pos: pos, start: sc.now()}, nil
}

// replayReader reads one subtask's lines of a replayed file; it knows
// nothing of subtasks' machinery, so that tests drive it directly.
type replayReader[T any] struct {
	op    *replayOp[T]
	f     *os.File
	br    *bufio.Reader
	at    replayPos
	index int64
	step  int64
	wm    *evtime.BoundedOutOfOrder
	eof   bool
}

func newReplayReader[T any](op *replayOp[T], f *os.File, at replayPos, index, parallelism int) *replayReader[T] {
	return &replayReader[T]{op: op, f: f, br: bufio.NewReaderSize(f, 1<<16), at: at, index: int64(index),
		step: int64(parallelism), wm: evtime.NewBoundedOutOfOrder(op.r.OutOfOrder)}
}

// next returns the subtask's next record and its event time; ok is false
// at the end of the file.
func (r *replayReader[T]) next() (v T, ts int64, ok bool, err error) {
	for !r.eof {
		line, err := r.br.ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return v, 0, false, fmt.Errorf("replay %s: %w", r.op.path, err)
		}
		if errors.Is(err, io.EOF) {
			r.eof = true
			if line == "" {
				break
			}
		}
		n := r.at.Line
		r.at.Offset += int64(len(line))
		r.at.Line++
		if n%r.step != r.index {
			continue
		}
		line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		v, ts, err := r.op.r.Parse(line)
		if err != nil {
			if r.op.r.SkipBad {
				r.at.Bad++
				continue
			}
			return v, 0, false, badInput(fmt.Errorf("%s:%d: %w", r.op.path, n+1, err))
		}
		r.wm.Observe(ts)
		return v, ts, true, nil
	}
	return v, 0, false, nil
}

func (r *replayReader[T]) watermark() int64 {
	if r.eof {
		return evtime.MaxTime
	}
	return r.wm.Current()
}

func (r *replayReader[T]) close() { r.f.Close() }

// replayRun is a replay's subtask.
type replayRun[T any] struct {
	*replayReader[T]
	sc    *subtask
	emit  func(T)
	pos   *state.Table[string, replayPos]
	start time.Time // rate limiting counts from here
	sent  int64     // lines emitted since start
}

func (s *replayRun[T]) poll(max int) (bool, time.Duration, error) {
	if rate := s.op.r.Rate; rate > 0 {
		due := s.start.Add(time.Duration(float64(s.sent) / (rate / float64(s.step)) * float64(time.Second)))
		if wait := due.Sub(s.sc.now()); wait > 0 {
			return false, wait, nil
		}
		max = min(max, 64)
	}
	for range max {
		v, ts, ok, err := s.next()
		if err != nil || !ok {
			s.logBad()
			return !ok && err == nil, 0, err
		}
		s.sc.ts = ts
		s.sc.m.in++
		s.emit(v)
		s.sent++
	}
	return false, 0, nil
}

// logBad says how many lines were skipped, at the end of the replay.
func (s *replayRun[T]) logBad() {
	if s.at.Bad > 0 && s.sc.env != nil && s.sc.env.Logger != nil {
		s.sc.env.Logger.Warn("replay: skipped lines that did not parse", "file", s.op.path, "subtask", s.sc.name, "lines", s.at.Bad)
	}
}

func (s *replayRun[T]) save() error { return s.pos.Put("next", s.at) }
