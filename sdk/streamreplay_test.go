package sdk

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"spindle/internal/proto"
	"spindle/internal/stream/evtime"
)

func TestParseTimestamped(t *testing.T) {
	for _, c := range []struct {
		line, rec string
		ts        int64
		bad       bool
	}{
		{line: "1767225600081\thello world", rec: "hello world", ts: 1767225600081},
		{line: "2026-01-01T00:00:00.044Z\ta\tb", rec: "a\tb", ts: 1767225600044},
		{line: "2026-01-01T01:00:00+01:00\tx", rec: "x", ts: 1767225600000},
		{line: "-5\tneg", rec: "neg", ts: -5},
		{line: "1767225600081 no tab", bad: true},
		{line: "yesterday\tx", bad: true},
	} {
		rec, ts, err := ParseTimestamped(c.line)
		if c.bad {
			if !errors.Is(err, ErrBadTimestamp) {
				t.Errorf("ParseTimestamped(%q): err %v, want ErrBadTimestamp", c.line, err)
			}
			continue
		}
		if err != nil || rec != c.rec || ts != c.ts {
			t.Errorf("ParseTimestamped(%q) = %q, %d, %v; want %q, %d", c.line, rec, ts, err, c.rec, c.ts)
		}
	}
}

// replayFile writes lines to a file and returns its path.
func replayFile(t *testing.T, lines ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "in.tsv")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "")), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// replaySubtask is subtask index of p with a fresh state backend.
func replaySubtask(t *testing.T, index, p int) *subtask {
	now := time.UnixMilli(0)
	sc := testSubtask(t, &now)
	sc.dep = &proto.Deployment{Index: index, Parallelism: p}
	return sc
}

// openReplay opens op's source on sc, collecting what it emits.
func openReplay(t *testing.T, sc *subtask, op *replayOp[string], got *[]output) streamSource {
	t.Helper()
	src, err := op.openStream(sc, func(v string) { *got = append(*got, output{v, sc.ts}) })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(src.(sourceCloser).close)
	return src
}

// drain polls src to its end, max records a poll.
func drain(t *testing.T, src streamSource, max int) {
	t.Helper()
	for range 1000 {
		done, _, err := src.poll(max)
		if err != nil {
			t.Fatal(err)
		}
		if done {
			return
		}
	}
	t.Fatal("the source did not end")
}

// Subtask i of p takes lines i, i+p, …, in file order; blank lines count
// as lines but are not records; CRLF and a last line without a newline
// are read; at the end the watermark is MaxTime.
func TestReplaySplitsLinesModP(t *testing.T) {
	var lines []string
	for i := range 10 {
		lines = append(lines, fmt.Sprintf("%d\tline %d\n", 1000+i, i))
	}
	lines[4] = "\n"
	lines[5] = "1005\tline 5\r\n"
	lines[9] = "1009\tline 9" // no newline
	path := replayFile(t, lines...)
	op := &replayOp[string]{path: path, r: Replay[string]{Parse: ParseTimestamped}}
	want := [][]output{
		{{"line 0", 1000}, {"line 3", 1003}, {"line 6", 1006}, {"line 9", 1009}},
		{{"line 1", 1001}, {"line 7", 1007}},
		{{"line 2", 1002}, {"line 5", 1005}, {"line 8", 1008}},
	}
	for i := range 3 {
		var got []output
		src := openReplay(t, replaySubtask(t, i, 3), op, &got)
		drain(t, src, 2)
		if !slices.Equal(got, want[i]) {
			t.Errorf("subtask %d of 3: got %v, want %v", i, got, want[i])
		}
		if wm := src.watermark(); wm != evtime.MaxTime {
			t.Errorf("subtask %d: watermark %d at the end, want MaxTime", i, wm)
		}
	}
}

// snapshotInto restores sc's state into a fresh subtask of the same place,
// as a restore from a checkpoint does.
func snapshotInto(t *testing.T, sc *subtask) *subtask {
	t.Helper()
	var buf bytes.Buffer
	if _, err := sc.state.Snapshot(&buf); err != nil {
		t.Fatal(err)
	}
	next := replaySubtask(t, sc.dep.Index, sc.dep.Parallelism)
	if err := next.state.Restore(&buf); err != nil {
		t.Fatal(err)
	}
	return next
}

// A subtask restored from a checkpoint resumes at the line after the
// last one emitted before it: nothing is lost or emitted twice, whatever
// records came after the checkpoint.
func TestReplayResumesAfterRestore(t *testing.T) {
	var lines []string
	for i := range 50 {
		lines = append(lines, fmt.Sprintf("%d\tl%d\n", 2000+i, i))
	}
	op := &replayOp[string]{path: replayFile(t, lines...), r: Replay[string]{Parse: ParseTimestamped}}
	for _, cut := range []int{0, 1, 3, 7} {
		var all []output
		sc := replaySubtask(t, 1, 2)
		src := openReplay(t, sc, op, &all)
		for range cut {
			if _, _, err := src.poll(3); err != nil {
				t.Fatal(err)
			}
		}
		if err := src.save(); err != nil {
			t.Fatal(err)
		}
		before := slices.Clone(all)
		src.poll(2) // emitted after the checkpoint: replayed by the restore
		var lost []output
		restored := snapshotInto(t, sc)
		src2 := openReplay(t, restored, op, &lost)
		drain(t, src2, 4)
		got := append(before, lost...)
		var want []output
		for i := 1; i < 50; i += 2 {
			want = append(want, output{fmt.Sprintf("l%d", i), int64(2000 + i)})
		}
		if !slices.Equal(got, want) {
			t.Errorf("cut after %d polls: got %v, want %v", cut, got, want)
		}
	}
}

// A line that does not parse fails with its file and line number, or is
// counted and skipped with SkipBad.
func TestReplayBadLines(t *testing.T) {
	path := replayFile(t, "1\ta\n", "2\tb\n", "soon\tc\n", "4\td\n")
	var got []output
	src := openReplay(t, replaySubtask(t, 0, 1), &replayOp[string]{path: path, r: Replay[string]{Parse: ParseTimestamped}}, &got)
	_, _, err := src.poll(10)
	if err == nil || !strings.HasPrefix(err.Error(), path+":3: ") || !errors.Is(err, ErrBadTimestamp) {
		t.Errorf("bad line: err %v, want %s:3: … wrapping ErrBadTimestamp", err, path)
	}
	got = nil
	src = openReplay(t, replaySubtask(t, 0, 1), &replayOp[string]{path: path, r: Replay[string]{Parse: ParseTimestamped, SkipBad: true}}, &got)
	drain(t, src, 10)
	if want := []output{{"a", 1}, {"b", 2}, {"d", 4}}; !slices.Equal(got, want) {
		t.Errorf("SkipBad: got %v, want %v", got, want)
	}
	if bad := src.(*replayRun[string]).at.Bad; bad != 1 {
		t.Errorf("SkipBad counted %d bad lines, want 1", bad)
	}
}

// The watermark trails the latest time seen by OutOfOrder (and 1 ms).
func TestReplayWatermark(t *testing.T) {
	path := replayFile(t, "10000\ta\n", "9500\tb\n", "12000\tc\n", "11000\td\n")
	var got []output
	op := &replayOp[string]{path: path, r: Replay[string]{Parse: ParseTimestamped, OutOfOrder: time.Second}}
	src := openReplay(t, replaySubtask(t, 0, 1), op, &got)
	for _, want := range []int64{8999, 8999, 10999, 10999} {
		if _, _, err := src.poll(1); err != nil {
			t.Fatal(err)
		}
		if wm := src.watermark(); wm != want {
			t.Errorf("after %v: watermark %d, want %d", got[len(got)-1], wm, want)
		}
	}
}

func TestReplayFileUsage(t *testing.T) {
	p := newPipeline()
	ReplayFile(p, "r", "x.tsv", Replay[int]{})
	if p.err == nil || !strings.Contains(p.err.Error(), "needs a Parse function") {
		t.Errorf("a Replay[int] without Parse: err %v", p.err)
	}
	p = newPipeline()
	ReplayFile(p, "r", "x.tsv", Replay[string]{})
	if p.err != nil {
		t.Errorf("a Replay[string] without Parse: %v", p.err)
	}
}
