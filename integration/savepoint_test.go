package integration

import (
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"spindle/internal/proto"
)

// demoRate is the generator's rate in the unbounded first run (events per
// second over all subtasks).
const demoRate = 20_000

// TestSavepointStopAndResume stops an unbounded streamdemo with a
// savepoint and resumes it, bounded and with a changed graph, in a second
// application.
//
// What is exactly true: the savepoint holds each generator subtask's
// position and the window operator's open windows (it fires a window on
// the watermark only, and every window fired before the savepoint's
// barrier had its output staged before it, so committed with it). Run 1
// commits exactly the windows fired before the barrier; the records it
// generated after it are dropped with its staging when it stops. Run 2
// restores the positions and the open windows, generates from there up to
// event N, and fires every remaining window once. A window fired in run 1
// ended at or below the watermark, which is below every position reached,
// so no run-2 event falls in it. Hence the union of the two committed
// outputs, as a multiset, is the plain count of events [0, N) per key and
// window: nothing lost, nothing twice.
func TestSavepointStopAndResume(t *testing.T) {
	c := startCluster(t, 2)
	bin := streamdemoBin(t)
	dir1, dir2 := filepath.Join(t.TempDir(), "out1"), filepath.Join(t.TempDir(), "out2")
	start := time.Now()
	r := spindle(t, time.Minute, "submit", "--detach", "--coordinator", c.url, bin, "--",
		"--rate", strconv.Itoa(demoRate), "--events", "0", "--checkpoint-every", "500ms", "--output", dir1)
	if r.code != 0 {
		t.Fatalf("submit --detach: exit %d: %s", r.code, r.stderr)
	}
	app := strings.TrimSpace(r.stdout)
	c.waitFor(t, 30*time.Second, "two completed checkpoints and 40000 events read", func() bool {
		s := c.status(t, app).Stream
		return s != nil && s.Completed >= 2 && sourceRecords(s) >= 40_000
	})

	r = spindle(t, 70*time.Second, "savepoint", "--coordinator", c.url, app)
	if r.code != 0 || !strings.HasPrefix(r.stdout, app+"/") {
		t.Fatalf("savepoint: exit %d, stdout %q, stderr %s", r.code, r.stdout, r.stderr)
	}
	first := strings.TrimSpace(r.stdout)
	c.waitFor(t, 10*time.Second, "status to show the savepoint", func() bool {
		st := spindle(t, 10*time.Second, "status", "--coordinator", c.url, app)
		return strings.Contains(st.stdout, "savepoint") && strings.Contains(st.stdout, "events#1")
	})

	r = spindle(t, 2*time.Minute, "kill", "--savepoint", "--coordinator", c.url, app)
	if r.code != 0 || !strings.HasPrefix(r.stdout, app+"/") || strings.TrimSpace(r.stdout) == first {
		t.Fatalf("kill --savepoint: exit %d, stdout %q (first savepoint %s), stderr %s", r.code, r.stdout, first, r.stderr)
	}
	stop := strings.TrimSpace(r.stdout)
	c.waitFor(t, 30*time.Second, "the stopped application to end", func() bool { return proto.Final(c.status(t, app).State) })
	if a := c.status(t, app); a.State != proto.StateFinished {
		t.Fatalf("stopped with a savepoint: %s (%s), want FINISHED", a.State, a.Diagnostics)
	}
	if r := spindle(t, 10*time.Second, "savepoint", "--coordinator", c.url, app); r.code != 2 || !strings.Contains(r.stderr, "application not running: it is FINISHED") {
		t.Errorf("savepoint of an ended app: exit %d, stderr %q; want 2, not running", r.code, r.stderr)
	}
	// No event beyond this: the generator runs at demoRate from its start,
	// which is after the submission.
	events := int64(time.Since(start).Seconds()*demoRate) + 1000

	// Run 2 is a changed job (one more step) whose stateful steps, the
	// generator and the window, keep their names: it restores their state.
	r = spindle(t, time.Minute, "submit", "--coordinator", c.url, "--from-savepoint", stop, bin, "--",
		"--events", strconv.FormatInt(events, 10), "--checkpoint-every", "500ms", "--output", dir2, "--extra-step")
	if r.code != 0 {
		t.Fatalf("resumed run: exit %d\nstderr: %s", r.code, tail(r.stderr, 2000))
	}
	t.Logf("resumed run's summary:\n%s", r.stderr)
	for _, want := range []string{"stream: ", "events read", "checkpoints: "} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("resumed run's summary lacks %q:\n%s", want, r.stderr)
		}
	}
	app2 := strings.SplitN(r.stdout, "\n", 2)[0]
	resumed := c.status(t, app2)
	id := stop[strings.IndexByte(stop, '/')+1:]
	if resumed.Stream == nil || strconv.FormatInt(resumed.Stream.Restored, 10) != id || resumed.Savepoint != stop {
		t.Errorf("resumed run: savepoint %q, stream %+v; want %s, restored from checkpoint %s", resumed.Savepoint, resumed.Stream, stop, id)
	}
	st := spindle(t, 10*time.Second, "status", "--coordinator", c.url, app2).stdout
	for _, want := range []string{"from savepoint  " + stop, "restored from  checkpoint " + id} {
		if !strings.Contains(st, want) {
			t.Errorf("status of the resumed run lacks %q:\n%s", want, st)
		}
	}

	got1, got2 := outputLines(t, dir1), outputLines(t, dir2)
	if len(got1) == 0 || len(got2) == 0 {
		t.Fatalf("run 1 committed %d lines, run 2 %d; want both some", len(got1), len(got2))
	}
	got := append(got1, got2...)
	want := streamCounts(events)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("union of the outputs differs from the count of events [0, %d): %d lines (%d + %d), want %d; first difference %s",
			events, len(got), len(got1), len(got2), len(want), diffLines(got, want))
	}
}

// sourceRecords sums the events the source subtasks read.
func sourceRecords(s *proto.StreamReport) int64 {
	var n int64
	for _, m := range s.Subtasks {
		if m.Source {
			n += m.RecordsIn
		}
	}
	return n
}

// TestSavepointErrors checks the clear refusals: an unknown application,
// a batch job, and a savepoint the cluster does not have.
func TestSavepointErrors(t *testing.T) {
	c := startCluster(t, 2)
	r := spindle(t, 10*time.Second, "savepoint", "--coordinator", c.url, "application_1_0001")
	if r.code != 2 || !strings.Contains(r.stderr, "unknown application") {
		t.Errorf("savepoint of an unknown app: exit %d, stderr %q; want 2, unknown application", r.code, r.stderr)
	}
	r = spindle(t, time.Minute, "submit", "--coordinator", c.url, "--from-savepoint", "nosuch/1", streamdemoBin(t), "--",
		"--output", filepath.Join(t.TempDir(), "out"))
	if r.code != 2 || !strings.Contains(r.stderr, "no such savepoint") || r.stdout != "" {
		t.Errorf("submit --from-savepoint nosuch/1: exit %d, stdout %q, stderr %q; want 2, no such savepoint, nothing submitted",
			r.code, r.stdout, r.stderr)
	}

	r = spindle(t, time.Minute, "submit", "--detach", "--coordinator", c.url, faultyBin(t), "--",
		"--input", "../testdata/wordcount/large-lf.txt", "--output", filepath.Join(t.TempDir(), "wc"), "--map-sleep", "10ms")
	if r.code != 0 {
		t.Fatalf("submit --detach: exit %d: %s", r.code, r.stderr)
	}
	batch := strings.TrimSpace(r.stdout)
	c.waitFor(t, 30*time.Second, "the batch job to run", func() bool { return c.status(t, batch).State == proto.StateRunning })
	r = spindle(t, 10*time.Second, "savepoint", "--coordinator", c.url, batch)
	if r.code != 2 || !strings.Contains(r.stderr, "not a streaming job") {
		t.Errorf("savepoint of a batch app: exit %d, stderr %q; want 2, not a streaming job", r.code, r.stderr)
	}
	spindle(t, 10*time.Second, "kill", "--coordinator", c.url, batch)
}
