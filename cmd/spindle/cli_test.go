package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// spindleBin is the CLI built once for the tests that run it.
var spindleBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "spindle-cli-test-")
	if err != nil {
		panic(err)
	}
	spindleBin = filepath.Join(dir, "spindle")
	out, err := exec.Command("go", "build", "-o", spindleBin, ".").CombinedOutput()
	if err != nil {
		os.Stderr.Write(out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// result is how one run of the CLI ended.
type result struct {
	code           int
	stdout, stderr string
	took           time.Duration
}

// spindle runs the CLI with args, in this package's directory, with
// SPINDLE_COORDINATOR pointing nowhere.
func spindle(t *testing.T, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, spindleBin, args...)
	cmd.Env = append(os.Environ(), envCoordinator+"=nats://127.0.0.1:1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("spindle %q hung: %v", args, ctx.Err())
	}
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("spindle %q: %v", args, err)
	}
	return result{cmd.ProcessState.ExitCode(), stdout.String(), stderr.String(), time.Since(start)}
}

// TestUsageErrors checks the exit code 2 errors that need no cluster: one
// line on stderr, starting "spindle: ", containing want.
func TestUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"bogus"}, `unknown command "bogus"`},
		{[]string{"--bogus"}, "bogus"},
		{[]string{"apps", "--bogus"}, "bogus"},
		{[]string{"run", "--workers", "x", "./jobs"}, "workers"},
		{[]string{"status"}, "missing APP"},
		{[]string{"kill", "a", "b"}, `unexpected argument "b"`},
		{[]string{"submit"}, "missing PACKAGE|BINARY"},
		{[]string{"run"}, "missing PACKAGE|BINARY"},
		{[]string{"worker", "--memory", "12XB"}, "bad --memory"},
		{[]string{"run", "./testdata/nonexistent"}, "no such package or binary: ./testdata/nonexistent"},
		{[]string{"run", "no/such/pkg"}, "no such package or binary: no/such/pkg"},
		{[]string{"run", "./testdata"}, "no such package or binary: ./testdata"},
		{[]string{"submit", "--connect-timeout", "0", "./testdata/fakejob"}, "cannot reach coordinator at nats://127.0.0.1:1: "},
		{[]string{"submit", "--connect-timeout", "0", "--coordinator", "nats://127.0.0.1:1", "/bin/true"}, "cannot reach coordinator at nats://127.0.0.1:1: "},
		{[]string{"apps"}, "cannot reach coordinator"},
		{[]string{"run", "/bin/true"}, "/bin/true is not a Spindle job binary"},
		{[]string{"run", "./testdata/fakejob", "--", "--bad"}, "spindle: --output is required"},
		{[]string{"submit", "--from-savepoint", "app_1", "./testdata/fakejob"}, `bad --from-savepoint "app_1": want APP/ID`},
		{[]string{"submit", "--from-savepoint", "app_1/x", "./testdata/fakejob"}, `bad --from-savepoint "app_1/x": want APP/ID`},
		{[]string{"savepoint"}, "missing APP"},
		{[]string{"savepoint", "a"}, "cannot reach coordinator"},
		{[]string{"kill", "--savepoint", "a"}, "cannot reach coordinator"},
	}
	for _, tt := range tests {
		r := spindle(t, tt.args...)
		lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
		if r.code != 2 || len(lines) != 1 || !strings.HasPrefix(r.stderr, "spindle: ") || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("spindle %q: exit %d, stderr %q; want exit 2 and one line with %q", tt.args, r.code, r.stderr, tt.want)
		}
		if r.stdout != "" {
			t.Errorf("spindle %q: stdout %q, want none", tt.args, r.stdout)
		}
		if r.took > 5*time.Second {
			t.Errorf("spindle %q took %v", tt.args, r.took)
		}
	}
}

func TestBuildFailure(t *testing.T) {
	r := spindle(t, "run", "./testdata/broken")
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	if r.code != 2 || lines[len(lines)-1] != "spindle: cannot build ./testdata/broken" {
		t.Errorf("exit %d, stderr %q; want 2 ending in the cannot-build line", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "undefinedFunction") {
		t.Errorf("stderr %q lacks the compiler's output", r.stderr)
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"run", "--help"}, {"submit", "-h"}} {
		r := spindle(t, args...)
		if r.code != 0 || !strings.Contains(r.stdout, "USAGE") {
			t.Errorf("spindle %q: exit %d, stdout %q", args, r.code, r.stdout)
		}
	}
}
