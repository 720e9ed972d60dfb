package sdk

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"spindle/internal/proto"
)

// In a streaming job WriteText is an exactly-once file sink with two-phase
// commit (Flink's FileSink): each subtask writes the lines of one
// checkpoint interval into a staged file; at the barrier it closes the
// file (pre-commit) and names it in its acknowledgement; the job master
// renames it to part-<subtask>-<checkpoint> once the checkpoint is
// complete. A restored job discards the staged files of checkpoints that
// did not complete, so each line is committed once. Lines after the last
// checkpoint of a bounded stream go to part-<subtask>-final when the job
// ends.

func (s *textSink) openStream(sc *subtask) (any, streamSink, error) {
	fs := &fileSink{dir: s.dir, sc: sc, stage: filepath.Join(s.dir, stagingDir, "e"+strconv.Itoa(sc.dep.Epoch))}
	return fs.emit, fs, nil
}

// fileSink is a text sink's subtask.
type fileSink struct {
	dir   string
	stage string // this epoch's staging directory
	sc    *subtask
	f     *os.File
	w     *bufio.Writer
	tmp   string
	lines int64
	werr  error
}

func (s *fileSink) emit(line string) {
	if s.werr != nil {
		return
	}
	if s.f == nil {
		s.werr = s.open()
		if s.werr != nil {
			s.sc.check(s.werr)
			return
		}
	}
	s.w.WriteString(line)
	if err := s.w.WriteByte('\n'); err != nil {
		s.werr = err
		s.sc.check(err)
	}
	s.lines++
}

func (s *fileSink) open() error {
	if err := os.MkdirAll(s.stage, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(s.stage, fmt.Sprintf("s%d-%05d-*", s.sc.st.ID, s.sc.dep.Index))
	if err != nil {
		return err
	}
	s.f, s.w, s.tmp = f, bufio.NewWriterSize(f, 1<<16), f.Name()
	return nil
}

// seal closes the current file, durably, and returns it staged as final
// (nothing if no line was written since the last one).
func (s *fileSink) seal(final string) ([]proto.StagedFile, error) {
	if s.f == nil {
		return nil, s.werr
	}
	err := errors.Join(s.werr, s.w.Flush(), s.f.Sync(), s.f.Close())
	s.f, s.w = nil, nil
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", s.tmp, err)
	}
	return []proto.StagedFile{{Temp: s.tmp, Final: filepath.Join(s.dir, final)}}, nil
}

func (s *fileSink) precommit(id int64) ([]proto.StagedFile, error) {
	return s.seal(fmt.Sprintf("part-%05d-%06d", s.sc.dep.Index, id))
}

func (s *fileSink) finish() ([]proto.StagedFile, error) {
	return s.seal(fmt.Sprintf("part-%05d-final", s.sc.dep.Index))
}

func (s *fileSink) committed(int64) error { return nil }
