package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// --nats-cluster takes 1 or 3; anything else is refused before up
// creates its directory or starts a process.
func TestUpNATSClusterFlag(t *testing.T) {
	for _, n := range []string{"0", "2", "4", "5", "-1"} {
		dir := filepath.Join(t.TempDir(), "data")
		code, stdout, stderr := runCLI("up", "--nats-cluster", n, "--data-dir", dir)
		want := "spindle: --nats-cluster " + n + ": want 1, or 3 for high availability (a Raft quorum that tolerates the loss of one node needs 3"
		if code != exitUsage || !strings.HasPrefix(stderr, want) || strings.Count(stderr, "\n") != 1 || stdout != "" {
			t.Errorf("up --nats-cluster %s: exit %d, stdout %q, stderr %q; want 2 and one line starting %q", n, code, stdout, stderr, want)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("up --nats-cluster %s created %s (%v)", n, dir, err)
		}
	}
}

func TestPortRange(t *testing.T) {
	tests := []struct {
		addr    string
		want    []string
		wantErr string
	}{
		{"127.0.0.1:4222", []string{"127.0.0.1:4222", "127.0.0.1:4223", "127.0.0.1:4224"}, ""},
		{":8088", []string{":8088", ":8089", ":8090"}, ""},
		{"127.0.0.1:65533", []string{"127.0.0.1:65533", "127.0.0.1:65534", "127.0.0.1:65535"}, ""},
		{"127.0.0.1:65534", nil, "want a port from 0 to 65533"},
		{"127.0.0.1:x", nil, "want a port from 0 to 65533"},
		{"nowhere", nil, "missing port in address"},
	}
	for _, tt := range tests {
		var f freePorts
		got, err := f.portRange(tt.addr, 3)
		f.release()
		if !slices.Equal(got, tt.want) || (err == nil) != (tt.wantErr == "") || err != nil && !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("portRange(%q) = %q, %v; want %q, error %q", tt.addr, got, err, tt.want, tt.wantErr)
		}
	}
}

// Port 0 picks distinct free ports, held until release.
func TestPortRangeFree(t *testing.T) {
	var f freePorts
	got, err := f.portRange("127.0.0.1:0", 3)
	if err != nil {
		t.Fatal(err)
	}
	route, err := f.addr("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	all := append(got, route)
	slices.Sort(all)
	if len(slices.Compact(all)) != 4 || strings.HasSuffix(all[0], ":0") {
		t.Errorf("free ports %q, want 4 distinct", append(got, route))
	}
	f.release()
	for _, a := range append(got, route) {
		l, err := net.Listen("tcp", a)
		if err != nil {
			t.Errorf("after release %s is not free: %v", a, err)
			continue
		}
		l.Close()
	}
}

func TestNATSURL(t *testing.T) {
	tests := []struct{ addr, want string }{
		{"127.0.0.1:4222", "nats://127.0.0.1:4222"},
		{"0.0.0.0:4222", "nats://127.0.0.1:4222"},
		{":4222", "nats://127.0.0.1:4222"},
		{"[::]:4222", "nats://127.0.0.1:4222"},
		{"[::1]:4222", "nats://[::1]:4222"},
		{"example.com:4222", "nats://example.com:4222"},
	}
	for _, tt := range tests {
		if got := natsURL(tt.addr); got != tt.want {
			t.Errorf("natsURL(%q) = %q, want %q", tt.addr, got, tt.want)
		}
	}
}

// Each coordinator routes to the other two, and keeps its state in three
// fsynced replicas.
func TestCoordArgs(t *testing.T) {
	c := &cluster{cfg: clusterConfig{dir: "d", natsCluster: 3, queues: "q.yaml", logLevel: "debug"}}
	for i := range 3 {
		c.coords = append(c.coords, &haCoord{name: coordName(i + 1),
			client: fmt.Sprintf("127.0.0.1:%d", 1+i), route: fmt.Sprintf("127.0.0.1:%d", 4+i)})
	}
	got := strings.Join(c.coordArgs(c.coords[1]), " ")
	want := "coordinator --ha --name coordinator-2 --server-name coordinator-2 --listen 127.0.0.1:2 --cluster-listen 127.0.0.1:5 " +
		"--routes nats://127.0.0.1:4,nats://127.0.0.1:6 --replicas 3 --sync-always --http  --data-dir d/coordinator-2 " +
		"--queues q.yaml --log-level debug"
	if got != want {
		t.Errorf("coordArgs =\n%s\nwant\n%s", got, want)
	}
	if u := haURL(c.coords); u != "nats://127.0.0.1:1,nats://127.0.0.1:2,nats://127.0.0.1:3" {
		t.Errorf("haURL = %q", u)
	}
}

// A coordinator that cannot start fails up at once, naming its log and
// why, and up stops the other two.
func TestUpHACoordinatorFails(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	dir := t.TempDir()
	r := spindle(t, "up", "--nats-cluster", "3", "--listen", l.Addr().String(), "--http", "", "--data-dir", dir)
	log := filepath.Join(dir, "coordinator-1.log")
	want := "spindle: coordinator-1 exited (exit status 2): spindle: coordinator: cannot listen on " + l.Addr().String() +
		": address already in use (log: " + log + ")\n"
	if r.code != exitUsage || r.stderr != want || r.stdout != "" {
		t.Errorf("exit %d, stdout %q, stderr %q; want 2 and %q", r.code, r.stdout, r.stderr, want)
	}
}
