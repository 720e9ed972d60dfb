package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"spindle/internal/proto"
)

func runCLI(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := cliMain(context.Background(), append([]string{"spindle"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

func TestSimJSON(t *testing.T) {
	q := filepath.Join(t.TempDir(), "q.yaml")
	os.WriteFile(q, []byte("queues:\n  - name: prod\n    capacity: 70\n  - name: dev\n    capacity: 30\n"), 0o644)
	code, out, stderr := runCLI("sim", "--nodes", "10", "--apps", "6", "--tasks-per-app", "5", "--queues", q, "--json")
	if code != 0 {
		t.Fatalf("sim: exit %d: %s", code, stderr)
	}
	var rep struct {
		Allocations int     `json:"allocations"`
		PerSecond   float64 `json:"allocations_per_second"`
		Utilization float64 `json:"utilization"`
		Queues      []struct {
			Name       string  `json:"name"`
			Guaranteed float64 `json:"guaranteed"`
			Share      float64 `json:"share"`
		} `json:"queues"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("sim --json: %v\n%s", err, out)
	}
	if rep.Allocations != 36 || rep.PerSecond <= 0 || len(rep.Queues) != 2 || rep.Queues[0].Guaranteed != 0.7 {
		t.Errorf("sim report = %+v", rep)
	}
}

func TestSchedulerFlagErrors(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("queues:\n  - name: a\n    capacity: 100\n    colour: red\n"), 0o644)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"sim", "--policy", "random"}, `bad --policy "random"`},
		{[]string{"sim", "--queues", bad}, `line 4: unknown key "colour"`},
		{[]string{"coordinator", "--placement", "spread"}, `bad --placement "spread"`},
		{[]string{"up", "--queues", bad}, `line 4: unknown key "colour"`},
	} {
		code, _, stderr := runCLI(tt.args...)
		if code != exitUsage || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args, code, stderr, tt.want)
		}
	}
}

func TestPrintQueues(t *testing.T) {
	var b bytes.Buffer
	printQueues(&b, []proto.QueueInfo{
		{Name: "root", Path: "root", Guaranteed: 100, Maximum: 100},
		{Name: "prod", Path: "root.prod", Guaranteed: 70, Maximum: 100, Used: 25, RunningApps: 1, Ordering: "fair"},
		{Name: "etl", Path: "root.prod.etl", Guaranteed: 35, Maximum: 50, Ordering: "fifo", PendingApps: 2},
	}, "pack")
	want := "QUEUE  GUARANTEED  MAXIMUM  USED   RUNNING  PENDING  CONTAINERS WAITING  ORDERING\n" +
		"prod   70.0%       100.0%   25.0%  1        0        0                   fair\n" +
		"  etl  35.0%       50.0%    0.0%   0        2        0                   fifo\n" +
		"placement: pack\n"
	if b.String() != want {
		t.Errorf("printQueues =\n%s\nwant\n%s", b.String(), want)
	}
}
