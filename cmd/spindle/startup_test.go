package main

import (
	"errors"
	"net"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestListenInUse checks that a coordinator told to listen where another
// process does exits 2 at once, with one line naming the address.
func TestListenInUse(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	taken := l.Addr().String()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"nats", []string{"--listen", taken, "--http", ""}, "spindle: coordinator: cannot listen on " + taken + ": address already in use\n"},
		{"http", []string{"--listen", "127.0.0.1:0", "--http", taken}, "spindle: coordinator: cannot listen on " + taken + " (HTTP): address already in use\n"},
		{"bad address", []string{"--listen", "nowhere", "--http", ""}, `spindle: coordinator: cannot listen on "nowhere": address nowhere: missing port in address` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := spindle(t, append([]string{"coordinator", "--data-dir", filepath.Join(t.TempDir(), "coord")}, tt.args...)...)
			if r.code != 2 || r.stderr != tt.want {
				t.Errorf("exit %d, stderr %q; want 2 and %q", r.code, r.stderr, tt.want)
			}
			if r.took > 5*time.Second {
				t.Errorf("took %v to fail", r.took)
			}
		})
	}
}

// TestSubmitWaitsForCoordinator checks that submit retries for
// --connect-timeout, one stderr line per retry, and then gives up with
// one line saying for how long it tried.
func TestSubmitWaitsForCoordinator(t *testing.T) {
	r := spindle(t, "submit", "--connect-timeout", "1s", "./testdata/fakejob")
	lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
	last := lines[len(lines)-1]
	if r.code != 2 || !strings.HasPrefix(last, "spindle: cannot reach coordinator at nats://127.0.0.1:1: ") ||
		!strings.Contains(last, "attempts in 1s)") {
		t.Errorf("exit %d, last stderr line %q; want 2 and how long it tried", r.code, last)
	}
	if len(lines) < 2 || !strings.HasPrefix(lines[0], "waiting for the coordinator: attempt 1: cannot reach coordinator") {
		t.Errorf("stderr %q: want a line per retry", r.stderr)
	}
	if r.took < time.Second || r.took > 6*time.Second {
		t.Errorf("gave up after %v, want about 1s", r.took)
	}
}

func TestUserName(t *testing.T) {
	tests := []struct {
		u    *user.User
		err  error
		want string
	}{
		{&user.User{Username: "ada", Uid: "1000"}, nil, "ada"},
		{&user.User{Uid: "1000"}, nil, "1000"},
		{nil, user.UnknownUserIdError(1234), "1234"},
		{nil, errors.New("no passwd"), "1234"},
	}
	for _, tt := range tests {
		if got := userNameOf(tt.u, tt.err, 1234); got != tt.want {
			t.Errorf("userNameOf(%+v, %v) = %q, want %q", tt.u, tt.err, got, tt.want)
		}
	}
	if got := userName(); got == "" || got == "unknown" {
		t.Errorf("userName() = %q", got)
	}
}
