package coordinator

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"spindle/internal/proto"
)

// TestQueuesAndReload: the coordinator serves its queue file on
// SubjQueues, refuses submissions to unknown queues, and re-reads the
// file on Reload (keeping the old one when the new one is bad).
func TestQueuesAndReload(t *testing.T) {
	dir := t.TempDir()
	qfile := filepath.Join(dir, "queues.yaml")
	os.WriteFile(qfile, []byte("queues:\n  - name: prod\n    capacity: 60\n  - name: dev\n    capacity: 40\n"), 0o644)
	reload := make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	urls, done := make(chan string, 1), make(chan error, 1)
	go func() {
		done <- Run(ctx, Config{DataDir: dir, Listen: "127.0.0.1:0", QueuesFile: qfile, Reload: reload, Placement: "pack"},
			func(url string) { urls <- url })
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	nc, err := nats.Connect(<-urls)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	rep := request[proto.QueuesReply](t, nc, proto.SubjQueues, proto.QueuesRequest{})
	if got := queueNames(rep); got != "root prod dev" || rep.Placement != "pack" || rep.Queues[1].Guaranteed != 60 {
		t.Fatalf("queues = %s placement %s (%+v)", got, rep.Placement, rep.Queues)
	}
	sub := request[proto.SubmitReply](t, nc, proto.SubjSubmit, proto.SubmitRequest{Queue: "default",
		BinaryHash: putBinary(t, nc, "x"), Master: proto.Resources{VCores: 1, MemoryBytes: 1}, Executor: proto.Resources{VCores: 1, MemoryBytes: 1}})
	if sub.Error != `unknown queue "default" (this cluster has: prod, dev)` {
		t.Errorf("submit to default: error %q", sub.Error)
	}
	os.WriteFile(qfile, []byte("queues:\n  - name: prod\n    capacity: 50\n  - name: dev\n    capacity: 50\n  - name: x\n    capacity: 1\n"), 0o644)
	reload <- struct{}{}
	reload <- struct{}{} // taken only once the first reload was handled: the bad file was read by now
	if got := queueNames(request[proto.QueuesReply](t, nc, proto.SubjQueues, proto.QueuesRequest{})); got != "root prod dev" {
		t.Errorf("after a bad file: queues = %s, want the old root prod dev kept", got)
	}
	os.WriteFile(qfile, []byte("queues:\n  - name: prod\n    capacity: 100\n    queues:\n      - name: a\n        capacity: 100\n"), 0o644)
	reload <- struct{}{}
	deadline := time.Now().Add(5 * time.Second)
	for queueNames(rep) != "root prod a" && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		rep = request[proto.QueuesReply](t, nc, proto.SubjQueues, proto.QueuesRequest{})
	}
	if got := queueNames(rep); got != "root prod a" {
		t.Errorf("after reload: queues = %s, want root prod a", got)
	}
}

func queueNames(rep proto.QueuesReply) string {
	var names []string
	for _, q := range rep.Queues {
		names = append(names, q.Name)
	}
	return strings.Join(names, " ")
}
