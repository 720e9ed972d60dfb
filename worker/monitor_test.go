package worker

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"spindle/internal/proto"
)

const mb = int64(1 << 20)

func TestMemoryPolicyLimit(t *testing.T) {
	for _, tc := range []struct {
		ratio float64
		grant int64
		want  int64
	}{
		{1.2, 32 * mb, 96 * mb},      // slack dominates a small grant
		{1.2, 256 * mb, 320 * mb},    // 307.2 < 320
		{1.2, 320 * mb, 384 * mb},    // where they meet
		{1.2, 1024 * mb, 1288490188}, // ratio dominates a large grant: 1.2 GiB, rounded down
		{2, 1024 * mb, 2048 * mb},
		{1, 1024 * mb, 1088 * mb},
	} {
		if got := (memoryPolicy{ratio: tc.ratio}).limit(tc.grant); got != tc.want {
			t.Errorf("limit(ratio %v, grant %d MiB) = %d, want %d", tc.ratio, tc.grant/mb, got, tc.want)
		}
	}
}

func TestMemoryPolicyOverLimit(t *testing.T) {
	s := func(id string, rssMiB, grantMiB int64) memSample {
		return memSample{containerID: id, rss: rssMiB * mb, grant: grantMiB * mb}
	}
	for _, tc := range []struct {
		name    string
		ratio   float64
		samples []memSample
		want    []string
	}{
		{"nothing runs", 1.2, nil, nil},
		{"within the grant", 1.2, []memSample{s("c1", 20, 32)}, nil},
		{"above the grant, within the slack", 1.2, []memSample{s("c1", 90, 32)}, nil},
		{"at the limit", 1.2, []memSample{s("c1", 96, 32)}, nil},
		{"above the slack", 1.2, []memSample{s("c1", 97, 32)}, []string{"c1"}},
		{"large grant within the ratio", 1.2, []memSample{s("c1", 1200, 1024)}, nil},
		{"large grant above the ratio", 1.2, []memSample{s("c1", 1300, 1024)}, []string{"c1"}},
		{"unknown grant", 1.2, []memSample{s("c1", 4096, 0)}, nil},
		{"disabled", 0, []memSample{s("c1", 4096, 32)}, nil},
		{"only the offenders, in order", 1.2,
			[]memSample{s("c3", 500, 32), s("c1", 10, 32), s("c2", 1100, 1024), s("c4", 1300, 1024)},
			[]string{"c3", "c4"}},
	} {
		var got []string
		for _, k := range (memoryPolicy{ratio: tc.ratio}).overLimit(tc.samples) {
			got = append(got, k.containerID)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: kill %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestMemKillReason(t *testing.T) {
	k := memKill{containerID: "c1", rss: 612 * mb, grant: 256 * mb, limit: 320 * mb}
	got := k.reason("w-1")
	want := "killed by worker w-1: resident memory 612 MiB exceeded the 256 MiB grant (limit 320 MiB)"
	if got != want {
		t.Errorf("reason = %q, want %q", got, want)
	}
}

func TestParseStat(t *testing.T) {
	tail := " 0 0 0 0 0 0 0 20 0 1 0 191299 3133440 387 18446744073709551615 0 0"
	for _, tc := range []struct {
		name  string
		line  string
		pgrp  int
		pages int64
		bad   bool
	}{
		{"plain", "14746 (cat) R 14736 14736 13010 0 -1 4194304 99" + tail, 14736, 387, false},
		{"name with spaces and parens", "7 (a) b (c)) S 1 42 42 0 -1 0 0" + tail, 42, 387, false},
		{"no name", "7 S 1 42 42", 0, 0, true},
		{"short", "7 (x) S 1 42 42 0", 0, 0, true},
		{"not a number", "7 (x) S 1 x 42 0 -1 0 0" + tail, 0, 0, true},
	} {
		pgrp, pages, err := parseStat([]byte(tc.line + "\n"))
		if (err != nil) != tc.bad || pgrp != tc.pgrp || pages != tc.pages {
			t.Errorf("%s: parseStat = %d, %d, %v; want %d, %d, bad %v", tc.name, pgrp, pages, err, tc.pgrp, tc.pages, tc.bad)
		}
	}
}

// TestGroupRSS sums a fake /proc by process group.
func TestGroupRSS(t *testing.T) {
	root := t.TempDir()
	stat := func(pid, pgrp, pages string) string {
		return pid + " (job) S 1 " + pgrp + " " + pgrp + " 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 100 2000 " + pages + " 0\n"
	}
	for dir, content := range map[string]string{
		"10":   stat("10", "10", "100"),
		"11":   stat("11", "10", "50"), // a child of the container
		"12":   stat("12", "12", "7"),  // another group
		"13":   "garbage",
		"self": stat("10", "10", "100"), // not a pid: skipped
	} {
		os.Mkdir(filepath.Join(root, dir), 0o755)
		os.WriteFile(filepath.Join(root, dir, "stat"), []byte(content), 0o644)
	}
	os.Mkdir(filepath.Join(root, "14"), 0o755) // exited: no stat
	got, err := groupRSS(root, []int{10, 99})
	page := int64(os.Getpagesize())
	if err != nil || len(got) != 1 || got[10] != 150*page {
		t.Errorf("groupRSS = %v, %v; want map[10:%d]", got, err, 150*page)
	}
	if _, err := groupRSS(filepath.Join(root, "missing"), []int{10}); err == nil {
		t.Error("groupRSS of a missing root: no error")
	}
}

// TestGroupRSSOfThisProcess reads the real /proc.
func TestGroupRSSOfThisProcess(t *testing.T) {
	data, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		t.Skip("no /proc:", err)
	}
	_, pages, err := parseStat(data)
	if err != nil {
		t.Fatal(err)
	}
	pgrp := syscall.Getpgrp()
	got, err := groupRSS("/proc", []int{pgrp})
	if err != nil || got[pgrp] < pages*int64(os.Getpagesize())/2 {
		t.Errorf("groupRSS(own group %d) = %v, %v; want at least about this process's %d pages", pgrp, got, err, pages)
	}
}

func TestConfigMemoryLimitRatio(t *testing.T) {
	for _, tc := range []struct {
		ratio float64
		ok    bool
	}{{0, true}, {1, true}, {1.2, true}, {0.5, false}, {-1, false}} {
		cfg, err := withDefaults(Config{DataDir: t.TempDir(), MemoryLimitRatio: tc.ratio,
			Capacity: proto.Resources{VCores: 1, MemoryBytes: 1 << 30}})
		if (err == nil) != tc.ok || (err != nil && !strings.Contains(err.Error(), "memory limit ratio")) {
			t.Errorf("ratio %v: err = %v, want ok %v", tc.ratio, err, tc.ok)
		}
		if err == nil && cfg.MonitorInterval != defaultMonitorInterval {
			t.Errorf("ratio %v: interval %v, want the default", tc.ratio, cfg.MonitorInterval)
		}
	}
}
