package sdk

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"spindle/internal/checkpoint"

	"spindle/dataflow"
	"spindle/internal/executor"
	"spindle/internal/jobmaster"
	"spindle/internal/natstest"
	"spindle/internal/proto"
	"spindle/shuffle"
)

// runLocal runs every task of j in this process, stage by stage, against
// a real JetStream shuffle, committing outputs the way the job master
// does. It exercises the SDK's operators without any other process.
func runLocal(t *testing.T, p *Pipeline, par int) []proto.TaskResult {
	t.Helper()
	return runLocalMem(t, p, par, 0)
}

// runLocalMem is runLocal with tasks that have mem bytes of memory.
func runLocalMem(t *testing.T, p *Pipeline, par int, mem int64) []proto.TaskResult {
	t.Helper()
	l := newLocal(t, p, par, mem)
	var results []proto.TaskResult
	for !l.s.Done() {
		res := l.step(t)
		results = append(results, res)
		if res.Error != "" && !strings.Contains(res.Error, "injected") {
			t.Fatalf("task %s: %s", res.AttemptID, res.Error)
		}
	}
	return results
}

// local runs a job's tasks one at a time in this process.
type local struct {
	j   *job
	s   *jobmaster.State
	env *executor.Env
	js  jetstream.JetStream
}

func newLocal(t *testing.T, p *Pipeline, par int, mem int64) *local {
	t.Helper()
	plan, err := dataflow.Build(&p.g)
	if err != nil {
		t.Fatal(err)
	}
	j := &job{p: p, plan: plan}
	nc := natstest.Start(t)
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(shuffle.MaxPending))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := shuffle.EnsureStream(ctx, js, "app"); err != nil {
		t.Fatal(err)
	}
	splits := map[int][]proto.Split{}
	parts := map[int]int{}
	for _, n := range p.g.Nodes {
		switch impl := n.Impl.(type) {
		case dataflow.SplitSource:
			sp, err := impl.Splits(ctx, par)
			if err != nil {
				t.Fatal(err)
			}
			splits[plan.StageOf[n.ID]] = sp
		case dataflow.Partitioner:
			parts[n.ID] = par
			if impl.Partitions() > 0 {
				parts[n.ID] = impl.Partitions()
			}
		}
	}
	policy := jobmaster.DefaultPolicy()
	policy.BackoffBase = 0
	s := jobmaster.New("app", plan, splits, parts, policy)
	store, err := checkpoint.Open(ctx, t.TempDir(), js, "app")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	env := &executor.Env{AppID: "app", NC: nc, JS: js, Progress: func(float64) {}, Checkpoints: store, Logger: slog.New(slog.DiscardHandler),
		MemoryBytes: mem, LocalDir: t.TempDir()}
	return &local{j: j, s: s, env: env, js: js}
}

// step runs the next runnable task, commits its files if it succeeded,
// and returns its result.
func (l *local) step(t *testing.T) proto.TaskResult {
	t.Helper()
	spec := l.s.Assign(time.Now(), "c1", "w1")
	if spec == nil {
		t.Fatalf("no runnable task and job not done: %s", l.s.Failure())
	}
	res := l.j.runTask(context.Background(), spec, l.env)
	for _, f := range l.s.Complete(time.Now(), res).Commit {
		if err := os.MkdirAll(filepath.Dir(f.Final), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(f.Temp, f.Final); err != nil {
			t.Fatal(err)
		}
	}
	return res
}

// readParts returns the lines of every part file under dir, sorted.
func readParts(t *testing.T, dir string) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "part-*"))
	var lines []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if len(data) > 0 {
			lines = append(lines, strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")...)
		}
	}
	slices.Sort(lines)
	return lines
}

func TestCountAndGroup(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.txt")
	os.WriteFile(in, []byte("b a c\na b\n\nc c\r\nd"), 0o644)
	p := newPipeline()
	lines := ReadText(p, "read", in, SplitSize(3))
	words := FlatMap(p, "split", lines, func(l string, emit func(string)) {
		for _, w := range strings.Fields(l) {
			emit(w)
		}
	})
	keep := Filter(p, "no-d", words, func(w string) bool { return w != "d" })
	counts := CountPerKey(p, "count", keep, Partitions(3))
	WriteText(p, "write-counts", Map(p, "fmt", counts, func(kv KV[string, int64]) string {
		return kv.Key + "=" + strconv.FormatInt(kv.Value, 10)
	}), filepath.Join(dir, "counts"))
	byLen := KeyBy(p, "by-len", words, func(w string) int { return len(w) })
	groups := GroupByKey(p, "group", byLen)
	WriteText(p, "write-groups", Map(p, "fmt2", groups, func(kv KV[int, []string]) string {
		slices.Sort(kv.Value)
		return strconv.Itoa(kv.Key) + ":" + strings.Join(kv.Value, ",")
	}), filepath.Join(dir, "groups"))
	if p.err != nil {
		t.Fatal(p.err)
	}
	runLocal(t, p, 2)

	if got, want := readParts(t, filepath.Join(dir, "counts")), []string{"a=2", "b=2", "c=3"}; !slices.Equal(got, want) {
		t.Errorf("counts: got %q, want %q", got, want)
	}
	if got, want := readParts(t, filepath.Join(dir, "groups")), []string{"1:a,a,b,b,c,c,c,d"}; !slices.Equal(got, want) {
		t.Errorf("groups: got %q, want %q", got, want)
	}
}

func TestBuildErrors(t *testing.T) {
	p := newPipeline()
	ReadText(p, "read", "")
	if p.err == nil || !strings.Contains(p.err.Error(), "no input") {
		t.Errorf("ReadText without input: err = %v", p.err)
	}
	p = newPipeline()
	lines := ReadText(p, "read", "x")
	pairs := Map(p, "pair", lines, func(s string) KV[[2]int, int] { return KV[[2]int, int]{} })
	SumPerKey(p, "sum", pairs)
	if p.err == nil || !strings.Contains(p.err.Error(), `step "sum"`) {
		t.Errorf("unsupported key type: err = %v", p.err)
	}
	other := newPipeline()
	WriteText(other, "w", lines, "out")
	if other.err == nil {
		t.Errorf("dataset of another pipeline accepted")
	}
}

func TestUsagef(t *testing.T) {
	err := Usagef("--input is required (got %d)", 0)
	if !errors.Is(err, ErrUsage) || err.Error() != "--input is required (got 0)" {
		t.Errorf("Usagef: %q, Is(ErrUsage) = %v", err, errors.Is(err, ErrUsage))
	}
}

func TestOutputMustBeFree(t *testing.T) {
	dir := t.TempDir()
	s := &textSink{dir: dir}
	if err := s.Validate(); err != nil {
		t.Errorf("empty dir: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "part-00000"), nil, 0o644)
	if err := s.Validate(); err == nil {
		t.Errorf("dir with a part file accepted")
	}
	if err := (&textSink{dir: filepath.Join(dir, "new")}).Validate(); err != nil {
		t.Errorf("missing dir: %v", err)
	}
}

// A map task that fails after a checkpoint is resumed by its next attempt
// from there: it reads only the rest of its split, and the counts are
// exact (the batches published before the checkpoint are taken over, the
// ones after it are not).
func TestCheckpointRestore(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.txt")
	var text strings.Builder
	for i := range 5000 {
		fmt.Fprintf(&text, "w%d common\n", i%7)
	}
	os.WriteFile(in, []byte(text.String()), 0o644)
	armed := true
	p := newPipeline()
	lines := ReadText(p, "read", in, CheckpointEvery(time.Nanosecond), SplitSize(1<<30))
	n := 0
	words := FlatMap(p, "split", lines, func(l string, emit func(string)) {
		if n++; armed && n == 3000 {
			armed = false
			panic("injected failure")
		}
		for _, w := range strings.Fields(l) {
			emit(w)
		}
	})
	counts := CountPerKey(p, "count", words, Partitions(2))
	WriteText(p, "write", Map(p, "fmt", counts, func(kv KV[string, int64]) string {
		return kv.Key + "=" + strconv.FormatInt(kv.Value, 10)
	}), filepath.Join(dir, "out"))
	results := runLocal(t, p, 2)

	want := []string{"common=5000"}
	for i := range 7 {
		c := 5000 / 7
		if i < 5000%7 {
			c++
		}
		want = append(want, fmt.Sprintf("w%d=%d", i, c))
	}
	slices.Sort(want)
	if got := readParts(t, filepath.Join(dir, "out")); !slices.Equal(got, want) {
		t.Errorf("counts after a restore: got %q, want %q", got, want)
	}
	if len(results) < 2 || results[0].Error == "" || results[0].Counters["checkpoints"] < 2 {
		t.Fatalf("first attempt: %+v, want a failure after at least 2 checkpoints", results[0])
	}
	second := results[1]
	split := int64(len(text.String()))
	if off := second.Counters["restored_offset"]; off <= 0 || second.Counters["bytes_read"] != split-off {
		t.Errorf("second attempt restored at %d and read %d bytes of %d; want a restore that skips what was checkpointed",
			off, second.Counters["bytes_read"], split)
	}
	if len(second.Prefixes) != 1 || second.Prefixes[0].Attempt != "s0-t0-a1" {
		t.Errorf("second attempt's prefixes: %+v, want the first attempt's batches", second.Prefixes)
	}
}

// Reduce tasks whose keys do not fit their memory spill sorted runs to
// disk and merge them; the result is the same as in memory.
func TestReduceSpills(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.txt")
	var text strings.Builder
	const distinct = 20000
	for i := range 3 * distinct {
		fmt.Fprintf(&text, "key%06d\n", (i*7919)%distinct)
	}
	os.WriteFile(in, []byte(text.String()), 0o644)
	p := newPipeline()
	lines := ReadText(p, "read", in)
	counts := CountPerKey(p, "count", lines, Partitions(2))
	WriteText(p, "write-counts", Map(p, "fmt", counts, func(kv KV[string, int64]) string {
		return kv.Key + "=" + strconv.FormatInt(kv.Value, 10)
	}), filepath.Join(dir, "counts"))
	groups := GroupByKey(p, "group", KeyBy(p, "by-key", lines, func(l string) string { return l }), Partitions(2))
	WriteText(p, "write-groups", Map(p, "fmt2", groups, func(kv KV[string, []string]) string {
		return kv.Key + "=" + strconv.Itoa(len(kv.Value)) + ":" + kv.Value[0]
	}), filepath.Join(dir, "groups"))
	defer func(n int) { mergeFanIn = n }(mergeFanIn)
	mergeFanIn = 4                           // more runs than that: merged in several passes
	results := runLocalMem(t, p, 2, 256<<10) // a 32 KiB aggregation budget

	var wantCounts, wantGroups []string
	for i := range distinct {
		k := fmt.Sprintf("key%06d", i)
		wantCounts = append(wantCounts, k+"=3")
		wantGroups = append(wantGroups, k+"=3:"+k)
	}
	if got := readParts(t, filepath.Join(dir, "counts")); !slices.Equal(got, wantCounts) {
		t.Errorf("counts after spilling: %d lines, first %q; want %d", len(got), got[:min(3, len(got))], len(wantCounts))
	}
	if got := readParts(t, filepath.Join(dir, "groups")); !slices.Equal(got, wantGroups) {
		t.Errorf("groups after spilling: %d lines, first %q; want %d", len(got), got[:min(3, len(got))], len(wantGroups))
	}
	runs, passes := int64(0), int64(0)
	for _, r := range results {
		runs += r.Counters["spilled_runs"]
		passes += r.Counters["merge_passes"]
	}
	if runs < int64(4*mergeFanIn) || passes == 0 {
		t.Errorf("%d runs spilled and %d merge passes in all, want several passes per reduce task", runs, passes)
	}
	// Part files are sorted by key within each part, spilled or not.
	parts, _ := filepath.Glob(filepath.Join(dir, "counts", "part-*"))
	for _, part := range parts {
		data, _ := os.ReadFile(part)
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		if !slices.IsSorted(lines) {
			t.Errorf("%s is not sorted by key", part)
		}
	}
}

// A reduce task whose input lost a batch reports the producer, which runs
// again from the start (its checkpoint would take the lost batch over),
// and the job ends with the right counts. (Issue 7, defect 6.)
func TestLostBatchRerunsProducer(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.txt")
	os.WriteFile(in, []byte(strings.Repeat("a b c d\n", 2000)), 0o644)
	p := newPipeline()
	counts := CountPerKey(p, "count", FlatMap(p, "split", ReadText(p, "read", in, SplitSize(4096)),
		func(l string, emit func(string)) {
			for _, w := range strings.Fields(l) {
				emit(w)
			}
		}), Partitions(1))
	WriteText(p, "write", Map(p, "fmt", counts, func(kv KV[string, int64]) string {
		return kv.Key + "=" + strconv.FormatInt(kv.Value, 10)
	}), filepath.Join(dir, "out"))
	l := newLocal(t, p, 1, 0)
	var maps []proto.TaskResult
	for range 4 { // the map stage: 16000 bytes in 4096-byte splits
		maps = append(maps, l.step(t))
	}
	victim := maps[2].AttemptID
	deleteBatchOf(t, l.js, victim)
	res := l.step(t) // the reducer
	if !slices.Equal(res.LostInputs, []string{victim}) {
		t.Fatalf("reducer: error %q, lost inputs %v; want %s named", res.Error, res.LostInputs, victim)
	}
	redo := l.step(t)
	if !strings.HasPrefix(redo.AttemptID, victim[:len(victim)-1]) || redo.Error != "" {
		t.Fatalf("after the loss: ran %s (%q), want the producer again", redo.AttemptID, redo.Error)
	}
	if res := l.step(t); res.Error != "" || !l.s.Done() {
		t.Fatalf("second reducer: %q, done %v", res.Error, l.s.Done())
	}
	if got, want := readParts(t, filepath.Join(dir, "out")), []string{"a=2000", "b=2000", "c=2000", "d=2000"}; !slices.Equal(got, want) {
		t.Errorf("output %v, want %v", got, want)
	}
}

// deleteBatchOf deletes the first data batch attempt wrote to the stream.
func deleteBatchOf(t *testing.T, js jetstream.JetStream, attempt string) {
	t.Helper()
	ctx := t.Context()
	stream, err := js.Stream(ctx, proto.ShuffleStream("app"))
	if err != nil {
		t.Fatal(err)
	}
	info, err := stream.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq; seq++ {
		m, err := stream.GetMsg(ctx, seq)
		if err == nil && m.Header.Get("Spindle-Attempt") == attempt && m.Header.Get("Spindle-End") == "" {
			if err := stream.DeleteMsg(ctx, seq); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatalf("no batch of %s in the stream", attempt)
}

// A map-side combine whose keys outgrow its budget flushes into the
// shuffle each time the table fills, and not more often: an emptied
// table must not count the memory it keeps for reuse as full.
func TestCombineFlushesByBytes(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.txt")
	var text strings.Builder
	const distinct = 200000
	for i := range distinct {
		fmt.Fprintf(&text, "key%07d\n", i)
	}
	os.WriteFile(in, []byte(text.String()), 0o644)
	p := newPipeline()
	counts := CountPerKey(p, "count", ReadText(p, "read", in, SplitSize(1<<30)), Partitions(1))
	WriteText(p, "write", Map(p, "fmt", counts, func(kv KV[string, int64]) string { return kv.Key }), filepath.Join(dir, "out"))
	results := runLocalMem(t, p, 1, 16<<20) // a 4 MiB combine budget
	flushes := results[0].Counters["combine_flushes"]
	if flushes < 3 || flushes > 40 {
		t.Errorf("%d flushes of the combine for %d keys in a 4 MiB budget, want a few", flushes, distinct)
	}
	if got := readParts(t, filepath.Join(dir, "out")); len(got) != distinct {
		t.Errorf("%d keys out, want %d", len(got), distinct)
	}
}
