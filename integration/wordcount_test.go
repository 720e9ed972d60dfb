package integration

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"spindle/internal/proto"
)

// fixtures are the word-count inputs: CRLF English, non-ASCII words,
// invalid UTF-8, a file without a final newline, an empty file, and a file
// larger than one 64 KiB split.
func fixtures(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("../testdata/wordcount/*.txt")
	if err != nil || len(files) < 6 {
		t.Fatalf("fixtures: %v %v", files, err)
	}
	return files
}

func TestWordCountOnCluster(t *testing.T) {
	c := startCluster(t, 2)
	out := filepath.Join(t.TempDir(), "out")
	r := spindle(t, 3*time.Minute, "submit", "--coordinator", c.url, "--name", "wc-it", wordcountBin, "--",
		"--input", "../testdata/wordcount/*.txt", "--output", out, "--split-size", "64KiB", "--reducers", "3")
	if r.code != 0 {
		t.Fatalf("submit: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	app := strings.SplitN(r.stdout, "\n", 2)[0]
	if !strings.HasPrefix(app, "application_") {
		t.Fatalf("first stdout line %q is not an application ID", app)
	}
	got, want := outputLines(t, out), referenceCounts(t, fixtures(t))
	if !slices.Equal(got, want) {
		t.Errorf("word count differs from the reference: %s", diffLines(got, want))
	}
	parts, _ := filepath.Glob(filepath.Join(out, "part-*"))
	if len(parts) != 3 {
		t.Errorf("got %d part files, want 3 (--reducers 3)", len(parts))
	}

	st := c.status(t, app)
	if st.State != proto.StateFinished || st.Name != "wc-it" {
		t.Errorf("status: state %s name %q, want FINISHED wc-it", st.State, st.Name)
	}
	nodes := c.nodes(t, proto.NodeRunning)
	maps := 0
	for _, a := range st.Tasks {
		if !slices.Contains(nodes, a.WorkerID) {
			t.Errorf("attempt %s names worker %q, not one of %v", a.Task, a.WorkerID, nodes)
		}
		if strings.HasPrefix(a.Task, "s0-") && a.State == proto.AttemptSucceeded {
			maps++
		}
	}
	if maps < 2 {
		t.Errorf("%d map tasks succeeded, want several (the large file spans splits)", maps)
	}

	logs := spindle(t, 20*time.Second, "logs", app, "--coordinator", c.url)
	if logs.code != 0 || !strings.Contains(logs.stdout, "job planned") {
		t.Errorf("logs: exit %d, job master's log missing:\n%s\n%s", logs.code, tail(logs.stdout, 2000), logs.stderr)
	}
	one := spindle(t, 20*time.Second, "logs", app, "--task", "s0-t1", "--coordinator", c.url)
	if one.code != 0 || !strings.Contains(one.stdout, "task started") || !strings.Contains(one.stdout, "attempt=s0-t1-a1 ") ||
		strings.Contains(one.stdout, "attempt=s0-t0-a1 ") {
		t.Errorf("logs --task s0-t1: exit %d, want that attempt's lines only:\n%s\n%s", one.code, tail(one.stdout, 2000), one.stderr)
	}
	for _, ctr := range st.Containers {
		ran := ctr.Role == proto.RoleJobMaster || slices.ContainsFunc(st.Tasks, func(a proto.Attempt) bool { return a.ContainerID == ctr.ID })
		if ran && ctr.PID <= 0 { // a container granted as the job ended may never start
			t.Errorf("container %s has no pid in status", ctr.ID)
		}
	}

	// A worker that is gone still has its containers' logs: they were
	// collected into the cluster when the containers exited.
	gone := st.Containers[0].WorkerID
	c.workers[workerIndex(t, gone)].Process.Kill()
	c.waitFor(t, 20*time.Second, gone+" to be lost", func() bool {
		return slices.Contains(c.nodes(t, proto.NodeLost), gone)
	})
	after := spindle(t, 30*time.Second, "logs", app, "--coordinator", c.url)
	if after.code != 0 || !strings.Contains(after.stdout, st.Containers[0].ID) {
		t.Errorf("logs after %s died: exit %d, %s's log missing\n%s", gone, after.code, st.Containers[0].ID, after.stderr)
	}
}

func TestRunThrowawayCluster(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	r := spindle(t, 3*time.Minute, "run", "--workers", "2", wordcountBin, "--",
		"--input", "../testdata/wordcount/*.txt", "--output", out)
	if r.code != 0 {
		t.Fatalf("run: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	got, want := outputLines(t, out), referenceCounts(t, fixtures(t))
	if !slices.Equal(got, want) {
		t.Errorf("word count differs from the reference: %s", diffLines(got, want))
	}
}

func TestBadInput(t *testing.T) {
	tmp := t.TempDir()
	existing := filepath.Join(tmp, "taken")
	os.MkdirAll(existing, 0o755)
	os.WriteFile(filepath.Join(existing, "part-00000"), []byte("x\n"), 0o644)
	notJob := filepath.Join(tmp, "notjob.sh")
	os.WriteFile(notJob, []byte("#!/bin/sh\necho hello\n"), 0o755)
	tests := []struct {
		name string
		args []string
		want string // in the one stderr line
	}{
		{"unknown command", []string{"frobnicate"}, "frobnicate"},
		{"unknown flag", []string{"run", "--bogus", wordcountBin}, "bogus"},
		{"missing output", []string{"run", wordcountBin, "--", "--input", "../testdata/wordcount"}, "--output"},
		{"missing input", []string{"run", wordcountBin, "--", "--input", filepath.Join(tmp, "nope*"), "--output", filepath.Join(tmp, "o")}, "nope"},
		{"output exists", []string{"run", wordcountBin, "--", "--input", "../testdata/wordcount", "--output", existing}, "already exists"},
		{"no such package", []string{"run", "./no/such/pkg"}, "no/such/pkg"},
		{"not a job binary", []string{"run", notJob}, "not a Spindle job"},
		{"unreachable coordinator", []string{"submit", "--connect-timeout", "0", "--coordinator", "nats://127.0.0.1:1", wordcountBin, "--", "--input", "../testdata/wordcount", "--output", filepath.Join(tmp, "o2")}, "127.0.0.1:1"},
		{"status unreachable", []string{"status", "application_1_0001", "--coordinator", "nats://127.0.0.1:1"}, "127.0.0.1:1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := spindle(t, 30*time.Second, tt.args...)
			if r.code != 2 {
				t.Errorf("exit %d, want 2; stderr: %s", r.code, r.stderr)
			}
			lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
			if len(lines) != 1 || !strings.Contains(lines[0], tt.want) {
				t.Errorf("stderr %q: want one line naming %q", r.stderr, tt.want)
			}
			if strings.Contains(r.stderr, "goroutine ") {
				t.Errorf("stderr has a panic trace")
			}
		})
	}
}

func TestPackageThatDoesNotBuild(t *testing.T) {
	r := spindle(t, 2*time.Minute, "run", "./testdata/broken", "--", "--output", t.TempDir())
	if r.code != 2 {
		t.Fatalf("exit %d, want 2; stderr: %s", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	if last := lines[len(lines)-1]; !strings.Contains(last, "cannot build") || !strings.Contains(last, "broken") {
		t.Errorf("last stderr line %q: want it to say the package does not build", last)
	}
	if !strings.Contains(r.stderr, "undefinedFunction") {
		t.Errorf("stderr does not show the compiler's error: %s", r.stderr)
	}
}
