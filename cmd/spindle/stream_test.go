package main

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"spindle/internal/proto"
)

func streamReport() *proto.StreamReport {
	return &proto.StreamReport{Epoch: 3, Restarts: 2, Parallelism: 2, Restored: 12, Completed: 14, Failed: 1,
		Checkpoints: []proto.CheckpointSummary{
			{ID: 13, State: proto.CheckpointCompleted, Bytes: 2048, DurationMs: 40},
			{ID: 14, State: proto.CheckpointFailed},
			{ID: 15, State: proto.CheckpointCompleted, Bytes: 1024, DurationMs: 80, Savepoint: true},
			{ID: 16, State: proto.CheckpointInProgress},
		},
		Subtasks: map[string]proto.SubtaskMetrics{
			"events#10": {RecordsIn: 500, RecordsOut: 500, Source: true},
			"events#9":  {RecordsIn: 1500, RecordsOut: 1500, Source: true, Busy: 0.5, BackPressure: 0.25},
			"count#0":   {RecordsIn: 2000, Watermark: 1_700_000_000_000, LateDropped: 3},
		},
	}
}

func TestSubtaskOrder(t *testing.T) {
	got := subtaskOrder(streamReport().Subtasks)
	want := []string{"count#0", "events#9", "events#10"}
	if !slices.Equal(got, want) {
		t.Errorf("subtaskOrder = %q, want %q", got, want)
	}
}

func TestPrintStream(t *testing.T) {
	var b bytes.Buffer
	printStream(&b, streamReport())
	out := b.String()
	for _, want := range []string{
		"epoch          3", "restarts       2", "restored from  checkpoint 12", "checkpoints    14 completed, 1 failed",
		"13  COMPLETED    2 KiB  40ms      checkpoint", "14  FAILED       -", "15  COMPLETED    1 KiB  80ms      savepoint",
		"count#0    2000        0            2023-11-14 22:13:20.000  0%    0%             3",
		"events#9   1500        1500         -                        50%   25%",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("printStream lacks %q:\n%s", want, out)
		}
	}
	if i, j := strings.Index(out, "events#9 "), strings.Index(out, "events#10 "); i < 0 || j < i {
		t.Errorf("events#9 not before events#10:\n%s", out)
	}
}

func TestStreamSummary(t *testing.T) {
	got := streamSummary(streamReport(), 4*time.Second)
	want := []string{
		"stream: 2000 events read in 4s (500/s), 4000 records processed, 2 restarts",
		"checkpoints: 14 completed, 1 failed; size last 1 KiB, max 2 KiB; duration avg 60ms, max 80ms (of the latest 2)",
	}
	if !slices.Equal(got, want) {
		t.Errorf("streamSummary =\n%q\nwant\n%q", got, want)
	}
	none := streamSummary(&proto.StreamReport{}, 0)
	if none[1] != "checkpoints: 0 completed, 0 failed" {
		t.Errorf("no checkpoints: %q", none[1])
	}
}
