package integration

import (
	"context"
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"spindle/internal/proto"
)

// A map task killed after its first checkpoint is resumed by its next
// attempt, which reads only the rest of the split.
func TestCheckpointRestoreAfterKill(t *testing.T) {
	c := startCluster(t, 2)
	info, err := os.Stat(faultInput)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir() + "/out"
	r := spindle(t, time.Minute, "submit", "--detach", "--coordinator", c.url, faultyBin(t), "--",
		"--input", faultInput, "--output", out, "--split-size", "1073741824", "--reducers", "2",
		"--map-sleep", "1ms", "--checkpoint-interval", "500ms")
	if r.code != 0 {
		t.Fatalf("submit: exit %d: %s", r.code, r.stderr)
	}
	app := strings.TrimSpace(r.stdout)
	a := c.running(t, app, "s0", false)
	c.waitFor(t, 30*time.Second, "the first checkpoint", func() bool { return hasCheckpoint(t, c.url, app) })
	syscall.Kill(containerPID(t, a.ContainerID), syscall.SIGKILL)
	st := c.finish(t, app, out)
	var restored *proto.Attempt
	for i, x := range st.Tasks {
		if x.Task == "s0-t0" && x.Attempt > 1 && x.State == proto.AttemptSucceeded {
			restored = &st.Tasks[i]
		}
	}
	if restored == nil {
		t.Fatalf("no later attempt of s0-t0 succeeded: %+v", st.Tasks)
	}
	off, read := restored.Counters["restored_offset"], restored.Counters["bytes_read"]
	t.Logf("attempt %d restored at byte %d and read %d of %d bytes", restored.Attempt, off, read, info.Size())
	if off <= 0 || read >= info.Size() || off+read != info.Size() {
		t.Errorf("attempt %d: restored_offset %d, bytes_read %d, split %d: want a restore that reads only the rest",
			restored.Attempt, off, read, info.Size())
	}
}

// hasCheckpoint reports whether the cluster holds a checkpoint of the
// application's first map task.
func hasCheckpoint(t *testing.T, url, app string) bool {
	t.Helper()
	js, done := jetStream(t, url)
	defer done()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	obj, err := js.ObjectStore(ctx, proto.CheckpointBucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	_, err = obj.GetInfo(ctx, proto.CheckpointName(app, 0, 0))
	return err == nil
}
