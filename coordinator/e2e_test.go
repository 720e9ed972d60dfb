package coordinator_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"spindle/coordinator"
	"spindle/internal/proto"
	"spindle/worker"
)

// TestWithRealWorker submits a script whose job master fails, and checks
// that the application fails with its exit code and that its logs are
// kept by the worker.
func TestWithRealWorker(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	urls, coordDone, workerDone := make(chan string, 1), make(chan error, 1), make(chan error, 1)
	go func() {
		coordDone <- coordinator.Run(ctx, coordinator.Config{DataDir: t.TempDir(), Listen: "127.0.0.1:0"},
			func(url string) { urls <- url })
	}()
	url := <-urls
	go func() {
		workerDone <- worker.Run(ctx, worker.Config{NATSURL: url, DataDir: t.TempDir(), WorkerID: "w1",
			Capacity: proto.Resources{VCores: 2, MemoryBytes: 1 << 30}})
	}()
	defer func() {
		cancel()
		if err := <-workerDone; err != nil {
			t.Errorf("worker: %v", err)
		}
		if err := <-coordDone; err != nil {
			t.Errorf("coordinator: %v", err)
		}
	}()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()

	script := []byte("#!/bin/sh\necho \"hello from $SPINDLE_ROLE\"\nexit 4\n")
	sum := sha256.Sum256(script)
	hash := hex.EncodeToString(sum[:])
	js, _ := jetstream.New(nc)
	obs, err := js.ObjectStore(ctx, proto.BinaryBucket)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := obs.PutBytes(ctx, hash, script); err != nil {
		t.Fatal(err)
	}
	one := proto.Resources{VCores: 1, MemoryBytes: 1 << 20}
	var sub proto.SubmitReply
	call(t, nc, proto.SubjSubmit, proto.SubmitRequest{BinaryHash: hash, Master: one, Executor: one}, &sub)
	if sub.Error != "" {
		t.Fatal(sub.Error)
	}

	var st proto.StatusReply
	deadline := time.Now().Add(10 * time.Second)
	for ; time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		call(t, nc, proto.SubjStatus, proto.StatusRequest{AppID: sub.AppID}, &st)
		if proto.Final(st.App.State) {
			break
		}
	}
	if st.App.State != proto.StateFailed || st.App.Diagnostics != "job master exited with code 4 (attempt 2 of 2)" {
		t.Fatalf("app = %s %q, want FAILED with the job master's exit code", st.App.State, st.App.Diagnostics)
	}
	var logs proto.LogsReply
	call(t, nc, proto.WorkerLogs("w1"), proto.LogsRequest{AppID: sub.AppID}, &logs)
	if len(logs.Logs) != 2 || logs.Logs[0].Stdout != "hello from jobmaster\n" || logs.Logs[1].Stdout != "hello from jobmaster\n" {
		t.Errorf("logs = %+v, want both job master attempts'", logs)
	}
	var nodes proto.NodesReply
	call(t, nc, proto.SubjNodes, proto.NodesRequest{}, &nodes)
	if len(nodes.Nodes) != 1 || nodes.Nodes[0].Used != (proto.Resources{}) {
		t.Errorf("nodes = %+v, want w1 with nothing used", nodes.Nodes)
	}
}

func call(t *testing.T, nc *nats.Conn, subj string, req, reply any) {
	t.Helper()
	data, _ := json.Marshal(req)
	msg, err := nc.Request(subj, data, 5*time.Second)
	if err != nil {
		t.Fatalf("%s: %v", subj, err)
	}
	if err := json.Unmarshal(msg.Data, reply); err != nil {
		t.Fatal(err)
	}
}
