package main

import (
	"context"

	"spindle/bench/internal/harness"
)

// measure runs argv, timed and its memory sampled, with its output in
// logPath.
func measure(ctx context.Context, argv []string, logPath string) (harness.Run, error) {
	return harness.Measure(ctx, "etlbench", argv, logPath)
}
