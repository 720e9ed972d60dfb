package worker

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"spindle/internal/proto"
)

func writeContainer(t *testing.T, dir, app, ctr, role, stdout, stderr string) {
	t.Helper()
	cdir := filepath.Join(dir, app, ctr)
	os.MkdirAll(cdir, 0o755)
	spec, _ := json.Marshal(proto.ContainerSpec{ContainerID: ctr, AppID: app, Role: role})
	os.WriteFile(filepath.Join(cdir, "spec.json"), spec, 0o644)
	os.WriteFile(filepath.Join(cdir, "stdout"), []byte(stdout), 0o644)
	os.WriteFile(filepath.Join(cdir, "stderr"), []byte(stderr), 0o644)
}

func TestReadLogs(t *testing.T) {
	dir := t.TempDir()
	writeContainer(t, dir, "app1", "c2", "executor", "0123456789", "")
	writeContainer(t, dir, "app1", "c1", "jobmaster", "out", "err")
	logs, err := readLogs(dir, "w1", "app1", 4)
	if err != nil {
		t.Fatal(err)
	}
	want := []proto.ContainerLog{
		{ContainerID: "c1", WorkerID: "w1", Role: "jobmaster", Stdout: "out", Stderr: "err"},
		{ContainerID: "c2", WorkerID: "w1", Role: "executor", Stdout: truncatedMark + "6789"},
	}
	if len(logs) != len(want) || logs[0] != want[0] || logs[1] != want[1] {
		t.Errorf("logs = %+v, want %+v", logs, want)
	}
	if logs, err := readLogs(dir, "w1", "other", 4); err != nil || len(logs) != 0 {
		t.Errorf("unknown app: %v, %v; want no logs", logs, err)
	}
	if _, err := readLogs(dir, "w1", "../x", 4); err == nil {
		t.Errorf("path traversal accepted")
	}
}

func TestLogsReplyFitsPayload(t *testing.T) {
	dir := t.TempDir()
	big := strings.Repeat("x", 700<<10)
	writeContainer(t, dir, "app", "c1", "executor", big, big)
	writeContainer(t, dir, "app", "c2", "executor", big, "")
	data := logsReply(dir, "w1", "app", 1<<20)
	if len(data) > 1<<20 {
		t.Fatalf("reply is %d bytes, over 1 MiB", len(data))
	}
	var rep proto.LogsReply
	if err := json.Unmarshal(data, &rep); err != nil || rep.Error != "" || len(rep.Logs) != 2 {
		t.Fatalf("reply: %v %q %d logs", err, rep.Error, len(rep.Logs))
	}
	if !strings.HasPrefix(rep.Logs[0].Stdout, truncatedMark) || !strings.HasSuffix(rep.Logs[0].Stdout, "xxx") {
		t.Errorf("stdout not cut to its tail: starts %q", rep.Logs[0].Stdout[:40])
	}
}
