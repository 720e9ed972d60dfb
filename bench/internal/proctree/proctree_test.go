//go:build linux

package proctree

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// The test binary doubles as a dummy process tree: with PROCTREE_HELPER set
// to "MIB CHILDREN" it touches MIB MiB, starts CHILDREN copies of itself
// that touch as much, prints "ready" once all are resident, and lives until
// its stdin closes (or 30 s pass, so nothing outlives a crashed test).
func TestMain(m *testing.M) {
	if spec := os.Getenv("PROCTREE_HELPER"); spec != "" {
		helper(spec)
		return
	}
	os.Exit(m.Run())
}

func helper(spec string) {
	var mib, children int
	fmt.Sscan(spec, &mib, &children)
	mem := make([]byte, mib<<20)
	for i := range mem {
		mem[i] = 1
	}
	for range children {
		cmd, ready := startHelper(mib, 0)
		if err := ready(); err != nil {
			panic(err)
		}
		defer cmd.Process.Kill()
	}
	fmt.Println("ready")
	done := make(chan struct{})
	go func() { bufio.NewReader(os.Stdin).ReadString(0); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
	}
	mem[0]++ // keep mem alive
}

// startHelper starts a helper process; ready waits for its "ready" line.
// Closing its stdin (cmd.Process.Kill or Wait after closing) ends it.
func startHelper(mib, children int) (*exec.Cmd, func() error) {
	self, _ := os.Executable()
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), "PROCTREE_HELPER="+strconv.Itoa(mib)+" "+strconv.Itoa(children))
	out, _ := cmd.StdoutPipe()
	if _, err := cmd.StdinPipe(); err != nil {
		panic(err)
	}
	if err := cmd.Start(); err != nil {
		panic(err)
	}
	return cmd, func() error {
		line, err := bufio.NewReader(out).ReadString('\n')
		if err != nil || line != "ready\n" {
			return fmt.Errorf("helper: got %q, %v; want ready", line, err)
		}
		return nil
	}
}

func TestTreeRSS(t *testing.T) {
	const mib, children = 32, 2
	cmd, ready := startHelper(mib, children)
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	if err := ready(); err != nil {
		t.Fatal(err)
	}
	m, err := Tree(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if m.Procs != 1+children {
		t.Errorf("processes: got %d, want %d", m.Procs, 1+children)
	}
	if want := int64((1 + children) * mib << 20); m.Sum < want || m.Sum > 2*want {
		t.Errorf("rss: got %d MiB, want between %d and %d MiB", m.Sum>>20, want>>20, 2*want>>20)
	}
	if want := int64(mib << 20); m.Largest < want || m.Largest > 2*want {
		t.Errorf("largest: got %d MiB, want between %d and %d MiB", m.Largest>>20, want>>20, 2*want>>20)
	}
}

func TestSamplerPeak(t *testing.T) {
	// A shell that runs a helper tree, waits until it is resident, holds
	// it for 20 sampling periods, then ends it by closing its stdin (a
	// FIFO: a background job's stdin would be /dev/null, and the helper
	// would exit the moment it is ready).
	self, _ := os.Executable()
	dir := t.TempDir()
	script := fmt.Sprintf(`mkfifo %[2]q/in
PROCTREE_HELPER='24 2' %[1]q <%[2]q/in >%[2]q/out &
exec 3>%[2]q/in
until grep -q ready %[2]q/out; do sleep 0.02; done
sleep 1
exec 3>&-
wait`, self, dir)
	cmd := exec.Command("sh", "-c", script)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := Start(os.Getpid(), 50*time.Millisecond)
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	m, err := s.Stop()
	if err != nil {
		t.Fatal(err)
	}
	if min := int64(3 * 24 << 20); m.Sum < min {
		t.Errorf("peak: got %d MiB, want at least %d MiB", m.Sum>>20, min>>20)
	}
	if min := int64(24 << 20); m.Largest < min || m.Largest >= m.Sum {
		t.Errorf("largest process: got %d MiB, want at least %d MiB and below the sum %d MiB", m.Largest>>20, min>>20, m.Sum>>20)
	}
}

func TestParseStat(t *testing.T) {
	tests := []struct {
		stat     string
		ppid     int
		rssPages int64
		ok       bool
	}{
		{"42 (sh) S 7 42 42 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 100 2000000 150 18446744073709551615", 7, 150, true},
		{"43 (a (b) c) R 1 43 43 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 100 2000000 9 0", 1, 9, true},
		{"44 (x) S 1 2", 0, 0, false},
		{"garbage", 0, 0, false},
	}
	for _, tt := range tests {
		got, err := parseStat([]byte(tt.stat))
		if (err == nil) != tt.ok {
			t.Errorf("parseStat(%q): got error %v, want ok=%v", tt.stat, err, tt.ok)
			continue
		}
		if want := (procInfo{ppid: tt.ppid, rss: tt.rssPages * pageSize}); tt.ok && got != want {
			t.Errorf("parseStat(%q): got %+v, want %+v", tt.stat, got, want)
		}
	}
}
