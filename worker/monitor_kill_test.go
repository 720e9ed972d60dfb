package worker

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"spindle/internal/natstest"
	"spindle/internal/proto"
)

// Environment of the helper process.
const (
	envHoldMiB = "SPINDLE_TEST_HOLD_MIB" // MiB to hold
	envRelease = "SPINDLE_TEST_RELEASE"  // exit 0 once this file exists
)

// TestMemoryHelperProcess is no test: it is the process the memory tests
// run in their containers (the test binary re-executed with envHoldMiB
// set).
func TestMemoryHelperProcess(t *testing.T) {
	n, err := strconv.Atoi(os.Getenv(envHoldMiB))
	if err != nil {
		t.Skip("run by TestWorkerKillsContainerOverItsMemory")
	}
	os.Exit(holdMemory(n<<20, os.Getenv(envRelease)))
}

// holdMemory maps n bytes outside the Go heap (so that neither the
// collector nor the race detector's shadow memory changes the amount),
// touches every page, prints "holding", and waits until the file release
// exists, for at most half a minute.
func holdMemory(n int, release string) int {
	if n > 0 {
		mem, err := syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
		if err != nil {
			fmt.Fprintln(os.Stderr, "mmap:", err)
			return 2
		}
		for i := 0; i < n; i += os.Getpagesize() {
			mem[i] = 1
		}
	}
	fmt.Println("holding")
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
		if _, err := os.Stat(release); err == nil {
			return 0
		}
		time.Sleep(10 * time.Millisecond) // the helper's own pace; no test waits on it
	}
	return 3
}

// helperScript is a container binary that runs procs helper processes
// holding mib MiB each in its process group, until release exists.
func helperScript(t *testing.T, procs, mib int, release string) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "#!/bin/sh\nexport %s=%d %s=%q\n", envHoldMiB, mib, envRelease, release)
	for range procs {
		fmt.Fprintf(&b, "%q -test.run='^TestMemoryHelperProcess$' &\n", exe)
	}
	b.WriteString("wait\n")
	return b.String()
}

// startMonitoredWorker runs worker w1 with a fast monitor until the test
// ends.
func startMonitoredWorker(t *testing.T) *fakeCoordinator {
	t.Helper()
	srv := natstest.Server(t)
	coord := newFakeCoordinator(t, srv.ClientURL())
	t.Cleanup(runWorker(t, Config{NATSURL: srv.ClientURL(), DataDir: t.TempDir(), WorkerID: "w1",
		Capacity:         proto.Resources{VCores: 4, MemoryBytes: 4 << 30},
		MemoryLimitRatio: DefaultMemoryLimitRatio, MonitorInterval: 20 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(t.Output(), nil))}))
	<-coord.registered
	return coord
}

// launchHelper launches a helper container with a memory grant and returns
// its process group.
func launchHelper(t *testing.T, coord *fakeCoordinator, id string, grant int64, script string) int {
	t.Helper()
	spec := proto.ContainerSpec{ContainerID: id, AppID: "app1", WorkerID: "w1", Role: proto.RoleExecutor,
		BinaryHash: coord.putScript(t, script), Resources: proto.Resources{VCores: 1, MemoryBytes: grant}}
	var reply proto.LaunchReply
	coord.request(t, proto.WorkerLaunch("w1"), proto.LaunchRequest{Spec: spec}, &reply)
	if reply.Error != "" {
		t.Fatalf("launch %s: %s", id, reply.Error)
	}
	return reply.PID
}

// waitHolding waits until a container's helpers all print "holding".
func waitHolding(t *testing.T, coord *fakeCoordinator, id string, procs int) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for strings.Count(containerStdout(t, coord, id), "holding") < procs {
		if time.Now().After(deadline) {
			t.Fatalf("%s: helpers never held their memory", id)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A container whose process group holds more than its limit is killed
// with the reason in its exit report; one within its grant runs on.
func TestWorkerKillsContainerOverItsMemory(t *testing.T) {
	coord := startMonitoredWorker(t)
	release := filepath.Join(t.TempDir(), "release")
	policy := memoryPolicy{ratio: DefaultMemoryLimitRatio}

	// The resident memory of an idle helper (the test binary, with or
	// without the race detector) sets the grants below.
	pid0 := launchHelper(t, coord, "c0", 1<<30, helperScript(t, 1, 0, release+"0"))
	waitHolding(t, coord, "c0", 1)
	rss, err := groupRSS("/proc", []int{pid0})
	base := rss[pid0]
	if err != nil || base <= 0 {
		t.Fatalf("resident memory of an idle helper: %v, %v", rss, err)
	}
	os.WriteFile(release+"0", nil, 0o644)
	coord.exit(t, "c0")

	// c2: one helper holding 16 MiB, granted 32 MiB more than an idle
	// helper uses.
	okGrant := base + 48*mb
	launchHelper(t, coord, "c2", okGrant, helperScript(t, 1, 16, release))
	waitHolding(t, coord, "c2", 1)

	// c1: three helpers holding 64 MiB each, granted what one of them
	// uses; each is under the limit, their group far above it.
	hogGrant := base + 64*mb
	pid1 := launchHelper(t, coord, "c1", hogGrant, helperScript(t, 3, 64, ""))
	ex := coord.exit(t, "c1")
	wantEnd := fmt.Sprintf("exceeded the %s grant (limit %s)", mib(hogGrant), mib(policy.limit(hogGrant)))
	if ex.ExitCode != -1 || !strings.HasPrefix(ex.Error, "killed by worker w1: resident memory ") ||
		!strings.HasSuffix(ex.Error, wantEnd) {
		t.Errorf("c1 over its limit: exit = %+v, want an error ending %q", ex, wantEnd)
	}
	if ex.PeakRSS <= policy.limit(hogGrant) {
		t.Errorf("c1: peak %d, want above the limit %d", ex.PeakRSS, policy.limit(hogGrant))
	}
	waitGroupGone(t, pid1)

	// c2 was measured while c1 was: it held its memory throughout.
	os.WriteFile(release, nil, 0o644)
	ex = coord.exit(t, "c2")
	if ex.ExitCode != 0 || ex.Error != "" || ex.PeakRSS < base+12*mb || ex.PeakRSS > policy.limit(okGrant) {
		t.Errorf("c2 within its grant: exit = %+v, want code 0 and a peak of about %d", ex, base+16*mb)
	}
}

// waitGroupGone waits until the processes of group pgid hold no memory
// (they are gone, or zombies waiting for init to reap them).
func waitGroupGone(t *testing.T, pgid int) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		rss, err := groupRSS("/proc", []int{pgid})
		if err == nil && rss[pgid] == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("process group %d still holds %d bytes", pgid, rss[pgid])
		}
		time.Sleep(10 * time.Millisecond)
	}
}
