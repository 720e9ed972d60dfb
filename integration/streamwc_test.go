package integration

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode"

	"github.com/nats-io/nats.go/jetstream"

	"spindle/internal/proto"
)

// streamwcBin builds jobs/streamwc once.
var streamwcBin = sync.OnceValues(func() (string, error) {
	bin := filepath.Join(filepath.Dir(spindleBin), "streamwc")
	if out, err := exec.Command("go", "build", "-o", bin, "../jobs/streamwc").CombinedOutput(); err != nil {
		return "", fmt.Errorf("build jobs/streamwc: %v\n%s", err, out)
	}
	return bin, nil
})

const replayInput = "../testdata/stream/replay.tsv"

// replayLines returns the lines of the replay input.
func replayLines(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(replayInput)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
}

// wordWindowCounts is the plain reference of streamwc: every line's words
// counted per tumbling window of 10 s, as sorted
// "window_start\tword\tcount" lines.
func wordWindowCounts(t *testing.T, lines []string) []string {
	t.Helper()
	const window = 10_000
	counts := map[string]int{}
	for _, l := range lines {
		stamp, text, _ := strings.Cut(l, "\t")
		ts, err := strconv.ParseInt(stamp, 10, 64)
		if err != nil {
			tm, err := time.Parse(time.RFC3339Nano, stamp)
			if err != nil {
				t.Fatalf("reference: %q: %v", l, err)
			}
			ts = tm.UnixMilli()
		}
		for _, w := range strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			counts[fmt.Sprintf("%d\t%s", ts-ts%window, strings.ToLower(w))]++
		}
	}
	var want []string
	for k, n := range counts {
		want = append(want, fmt.Sprintf("%s\t%d", k, n))
	}
	slices.Sort(want)
	return want
}

// The replayed file's windowed word counts, written exactly once with
// checkpoints every 200 ms during the replay, equal a plain count.
func TestStreamWordCountReplay(t *testing.T) {
	bin, err := streamwcBin()
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out")
	r := spindle(t, time.Minute, "run", "--workers", "2", bin, "--",
		"--replay", replayInput, "--output", out, "--rate", "3000", "--checkpoint-every", "200ms")
	if r.code != 0 {
		t.Fatalf("exit %d\nstderr: %s", r.code, tail(r.stderr, 3000))
	}
	got, want := outputLines(t, out), wordWindowCounts(t, replayLines(t))
	if !slices.Equal(got, want) {
		t.Fatalf("output differs from the plain count: %s", diffLines(got, want))
	}
}

// A replayed line that does not parse fails the job at once, naming the
// file and line: restoring would only read it again.
func TestStreamWordCountBadLine(t *testing.T) {
	bin, err := streamwcBin()
	if err != nil {
		t.Fatal(err)
	}
	lines := replayLines(t)[:200]
	lines[150] = "yesterday\tnot a time"
	in := filepath.Join(t.TempDir(), "bad.tsv")
	if err := os.WriteFile(in, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := spindle(t, time.Minute, "run", "--workers", "2", bin, "--",
		"--replay", in, "--output", filepath.Join(t.TempDir(), "out"))
	if r.code != 1 {
		t.Fatalf("exit %d, want 1 (job failed)\nstderr: %s", r.code, tail(r.stderr, 3000))
	}
	if want := in + ":151:"; !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, "not restarted") {
		t.Errorf("stderr does not name %s and say it was not restarted:\n%s", want, tail(r.stderr, 3000))
	}
	if !regexp.MustCompile(`stream: [1-9][0-9]* events read`).MatchString(r.stderr) {
		t.Errorf("the failed job's summary does not count the events read before the bad line:\n%s", tail(r.stderr, 3000))
	}
	if strings.Contains(r.stderr, "restarted 20 times") {
		t.Errorf("the job restarted on bad input:\n%s", tail(r.stderr, 3000))
	}
}

// jsCluster is a test cluster with a JetStream client on its NATS.
type jsCluster struct {
	*cluster
	js jetstream.JetStream
}

func startJSCluster(t *testing.T) *jsCluster {
	c := startCluster(t, 2)
	js, done := jetStream(t, c.url)
	t.Cleanup(done)
	return &jsCluster{c, js}
}

// streams creates the input stream WCIN (subject wc.in) holding lines,
// one a message, and the output stream WCOUT (wc.out) with a duplicate
// window.
func (c *jsCluster) streams(t *testing.T, lines []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := c.js.CreateStream(ctx, jetstream.StreamConfig{Name: "WCIN", Subjects: []string{"wc.in"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.js.CreateStream(ctx, jetstream.StreamConfig{Name: "WCOUT", Subjects: []string{"wc.out"}, Duplicates: 5 * time.Minute}); err != nil {
		t.Fatal(err)
	}
	var futs []jetstream.PubAckFuture
	for _, l := range lines {
		f, err := c.js.PublishAsync("wc.in", []byte(l))
		if err != nil {
			t.Fatal(err)
		}
		futs = append(futs, f)
	}
	for _, f := range futs {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			t.Fatal(err)
		case <-ctx.Done():
			t.Fatal("publishing the input: no acknowledgement")
		}
	}
}

// outputStream returns the data of every message of WCOUT, sorted.
func (c *jsCluster) outputStream(t *testing.T) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cons, err := c.js.OrderedConsumer(ctx, "WCOUT", jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	n := c.outputCount(t)
	var got []string
	for uint64(len(got)) < n {
		batch, err := cons.Fetch(int(min(n-uint64(len(got)), 500)), jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		for m := range batch.Messages() {
			got = append(got, string(m.Data()))
		}
		if err := batch.Error(); err != nil {
			t.Fatal(err)
		}
	}
	slices.Sort(got)
	return got
}

func (c *jsCluster) outputCount(t *testing.T) uint64 {
	t.Helper()
	st, err := c.js.Stream(context.Background(), "WCOUT")
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}

// submit starts streamwc reading WCIN to its end and writing to out and
// wc.out; it returns the application's ID.
func (c *jsCluster) submit(t *testing.T, out string, rate int) string {
	t.Helper()
	bin, err := streamwcBin()
	if err != nil {
		t.Fatal(err)
	}
	r := spindle(t, time.Minute, "submit", "--detach", "--coordinator", c.url, bin, "--",
		"--stream", "WCIN", "--stop-at-end", "--out-subject", "wc.out", "--output", out,
		"--rate", strconv.Itoa(rate), "--checkpoint-every", "200ms")
	if r.code != 0 {
		t.Fatalf("submit: exit %d\nstderr: %s", r.code, tail(r.stderr, 3000))
	}
	return strings.SplitN(r.stdout, "\n", 2)[0]
}

// check waits for app to finish and compares the file output and the
// output stream with the plain count: every count once, none twice.
func (c *jsCluster) check(t *testing.T, app, out string, want []string) proto.App {
	t.Helper()
	var st proto.App
	c.waitFor(t, 50*time.Second, app+" to end", func() bool {
		st = c.status(t, app)
		return proto.Final(st.State)
	})
	if st.State != proto.StateFinished {
		t.Fatalf("%s ended %s: %s", app, st.State, st.Diagnostics)
	}
	if len(want) == 0 {
		t.Fatal("the plain count is empty: the test checks nothing")
	}
	if got := outputLines(t, out); !slices.Equal(got, want) {
		t.Errorf("file output differs from the plain count: %s", diffLines(got, want))
	}
	if got := c.outputStream(t); !slices.Equal(got, want) {
		t.Errorf("output stream differs from the plain count: %s", diffLines(got, want))
	}
	t.Logf("%d counts, in files and in the output stream, checkpoints %+v", len(want), st.Stream)
	return st
}

// A JetStream stream read to its end, counted, and published exactly
// once to another stream (and to files).
func TestStreamWordCountJetStream(t *testing.T) {
	c := startJSCluster(t)
	lines := replayLines(t)
	c.streams(t, lines)
	out := filepath.Join(t.TempDir(), "out")
	app := c.submit(t, out, 3000)
	c.check(t, app, out, wordWindowCounts(t, lines))
}

// SIGKILL of an executor after some counts were published: the job
// restarts from its last checkpoint, publishes again what it published
// after it, and the output stream's deduplication leaves every count
// once.
func TestStreamWordCountJetStreamKill(t *testing.T) {
	c := startJSCluster(t)
	lines := replayLines(t)
	c.streams(t, lines)
	out := filepath.Join(t.TempDir(), "out")
	app := c.submit(t, out, 600) // 5 s of input
	var victim proto.Container
	c.waitFor(t, 40*time.Second, "a checkpoint's counts published while the job runs", func() bool {
		st := c.status(t, app)
		if proto.Final(st.State) {
			t.Fatalf("%s ended %s before the kill", app, st.State)
		}
		for _, ctr := range st.Containers {
			if ctr.Role == proto.RoleExecutor && ctr.State == proto.ContainerRunning && ctr.PID > 0 {
				victim = ctr
			}
		}
		return victim.PID > 0 && st.Stream != nil && st.Stream.Completed > 0 && c.outputCount(t) > 0
	})
	if err := syscall.Kill(victim.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	st := c.check(t, app, out, wordWindowCounts(t, lines))
	if st.Stream == nil || st.Stream.Restarts == 0 {
		t.Errorf("the job did not restart after the kill (stream report %+v)", st.Stream)
	}
	// Whether the restore published anything again depends on whether the
	// interval of the checkpoint it restored had counts: said, not required.
	logs := spindle(t, 20*time.Second, "logs", app, "--coordinator", c.url)
	t.Logf("duplicates dropped by the output stream after the restore: %v",
		strings.Contains(logs.stdout, "the stream dropped records published before a restore"))
}
