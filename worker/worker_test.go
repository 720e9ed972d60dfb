package worker

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"spindle/internal/natstest"
	"spindle/internal/proto"
)

const wait = 10 * time.Second

// fakeCoordinator accepts registrations and collects heartbeats and exits.
type fakeCoordinator struct {
	nc         *nats.Conn
	registered chan proto.RegisterRequest
	heartbeats chan proto.Heartbeat
	exits      chan proto.ContainerExit
}

func newFakeCoordinator(t *testing.T, url string) *fakeCoordinator {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	f := &fakeCoordinator{nc: nc, registered: make(chan proto.RegisterRequest, 100),
		heartbeats: make(chan proto.Heartbeat, 1000), exits: make(chan proto.ContainerExit, 10)}
	nc.Subscribe(proto.SubjRegister, func(m *nats.Msg) {
		var req proto.RegisterRequest
		json.Unmarshal(m.Data, &req)
		f.registered <- req
		data, _ := json.Marshal(proto.RegisterReply{HeartbeatInterval: 50 * time.Millisecond})
		m.Respond(data)
	})
	nc.Subscribe(proto.SubjHeartbeat, func(m *nats.Msg) {
		var hb proto.Heartbeat
		json.Unmarshal(m.Data, &hb)
		f.heartbeats <- hb
	})
	nc.Subscribe(proto.SubjExit, func(m *nats.Msg) {
		var ex proto.ContainerExit
		json.Unmarshal(m.Data, &ex)
		f.exits <- ex
	})
	nc.Flush()
	return f
}

// putScript stores a shell script as a job binary and returns its hash.
func (f *fakeCoordinator) putScript(t *testing.T, script string) string {
	t.Helper()
	ctx := context.Background()
	js, _ := jetstream.New(f.nc)
	obs, err := js.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{Bucket: proto.BinaryBucket})
	if err != nil {
		t.Fatal(err)
	}
	hash := hashOf([]byte(script))
	if _, err := obs.PutBytes(ctx, hash, []byte(script)); err != nil {
		t.Fatal(err)
	}
	return hash
}

func (f *fakeCoordinator) request(t *testing.T, subj string, req, reply any) {
	t.Helper()
	data, _ := json.Marshal(req)
	msg, err := f.nc.Request(subj, data, wait)
	if err != nil {
		t.Fatalf("%s: %v", subj, err)
	}
	if err := json.Unmarshal(msg.Data, reply); err != nil {
		t.Fatalf("%s reply: %v", subj, err)
	}
}

func (f *fakeCoordinator) launch(t *testing.T, workerID string, spec proto.ContainerSpec) {
	t.Helper()
	var ack proto.Ack
	f.request(t, proto.WorkerLaunch(workerID), proto.LaunchRequest{Spec: spec}, &ack)
	if ack.Error != "" {
		t.Fatalf("launch %s: %s", spec.ContainerID, ack.Error)
	}
}

func (f *fakeCoordinator) exit(t *testing.T, containerID string) proto.ContainerExit {
	t.Helper()
	deadline := time.After(wait)
	for {
		select {
		case ex := <-f.exits:
			if ex.ContainerID == containerID {
				return ex
			}
		case <-deadline:
			t.Fatalf("no exit for %s", containerID)
		}
	}
}

// waitHeartbeat waits for a heartbeat that satisfies ok.
func (f *fakeCoordinator) waitHeartbeat(t *testing.T, what string, ok func(proto.Heartbeat) bool) {
	t.Helper()
	deadline := time.After(wait)
	for {
		select {
		case hb := <-f.heartbeats:
			if ok(hb) {
				return
			}
		case <-deadline:
			t.Fatalf("no heartbeat %s", what)
		}
	}
}

const (
	echoScript     = "#!/bin/sh\necho \"$SPINDLE_ROLE $SPINDLE_VCORES $SPINDLE_MEMORY_BYTES $1\"\npwd >&2\nexit 3\n"
	sleepScript    = "#!/bin/sh\nsleep 30\n"
	stubbornScript = "#!/bin/sh\ntrap '' TERM\necho ready\nsleep 30\n"
)

// runWorker starts Run with cfg and returns the function that stops it
// and checks that it returned nil; calling it again does nothing.
func runWorker(t *testing.T, cfg Config) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, cfg) }()
	return sync.OnceFunc(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
}

func TestWorkerRunsContainers(t *testing.T) {
	killAfter = 300 * time.Millisecond
	defer func() { killAfter = 5 * time.Second }()
	srv := natstest.Server(t)
	coord := newFakeCoordinator(t, srv.ClientURL())
	stop := runWorker(t, Config{NATSURL: srv.ClientURL(), DataDir: t.TempDir(), WorkerID: "w1",
		Capacity: proto.Resources{VCores: 2, MemoryBytes: 1 << 30}})
	defer stop()
	if reg := <-coord.registered; reg.WorkerID != "w1" || reg.Capacity.VCores != 2 {
		t.Fatalf("registered %+v", reg)
	}

	spec := func(id, role, hash string) proto.ContainerSpec {
		return proto.ContainerSpec{ContainerID: id, AppID: "app1", WorkerID: "w1", Role: role, BinaryHash: hash,
			Args: []string{"arg1"}, Resources: proto.Resources{VCores: 1, MemoryBytes: 1000}}
	}
	wd := t.TempDir()
	jm := spec("c1", proto.RoleJobMaster, coord.putScript(t, echoScript))
	jm.WorkDir = wd
	coord.launch(t, "w1", jm)
	if ex := coord.exit(t, "c1"); ex.ExitCode != 3 || ex.Error != "" || ex.AppID != "app1" || ex.WorkerID != "w1" {
		t.Errorf("exit = %+v, want code 3", ex)
	}
	var logs proto.LogsReply
	coord.request(t, proto.WorkerLogs("w1"), proto.LogsRequest{AppID: "app1"}, &logs)
	if len(logs.Logs) != 1 || logs.Logs[0].Stdout != "jobmaster 1 1000 arg1\n" || logs.Logs[0].Stderr != wd+"\n" ||
		logs.Logs[0].Role != proto.RoleJobMaster {
		t.Errorf("logs = %+v", logs)
	}

	var ack proto.Ack
	coord.request(t, proto.WorkerLaunch("w1"), proto.LaunchRequest{Spec: spec("c9", proto.RoleExecutor, strings.Repeat("0", 64))}, &ack)
	if !strings.Contains(ack.Error, "fetch binary") {
		t.Errorf("launch of a missing binary: ack = %+v", ack)
	}

	coord.launch(t, "w1", spec("c2", proto.RoleExecutor, coord.putScript(t, sleepScript)))
	coord.launch(t, "w1", spec("c3", proto.RoleExecutor, coord.putScript(t, stubbornScript)))
	coord.waitHeartbeat(t, "listing c2 and c3", func(hb proto.Heartbeat) bool {
		return strings.Join(hb.Containers, ",") == "c2,c3"
	})
	// c3 ignores SIGTERM only once its shell has set the trap.
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(containerStdout(t, coord, "c3"), "ready") {
		if time.Now().After(deadline) {
			t.Fatal("c3 never set its trap")
		}
		time.Sleep(20 * time.Millisecond)
	}
	coord.request(t, proto.WorkerStop("w1"), proto.StopRequest{AppID: "app1", ContainerID: "c2"}, &ack)
	if ex := coord.exit(t, "c2"); ex.Error != "killed by signal SIGTERM" {
		t.Errorf("stopped c2: exit = %+v", ex)
	}
	coord.request(t, proto.WorkerStop("w1"), proto.StopRequest{AppID: "app1"}, &ack)
	if ex := coord.exit(t, "c3"); ex.Error != "killed by signal SIGKILL" {
		t.Errorf("stopped c3 (ignores TERM): exit = %+v", ex)
	}

	// A launch for the stopped application (one that was still fetching
	// its binary when the application ended) starts nothing.
	late := spec("c5", proto.RoleExecutor, coord.putScript(t, sleepScript))
	coord.request(t, proto.WorkerLaunch("w1"), proto.LaunchRequest{Spec: late}, &ack)
	if !strings.Contains(ack.Error, "already ended") {
		t.Errorf("launch for an ended application: ack = %+v", ack)
	}

	// Requests from a deposed coordinator (an older epoch than one seen)
	// are refused; epoch 0 takes no part in fencing.
	c6 := spec("c6", proto.RoleExecutor, coord.putScript(t, sleepScript))
	c6.AppID = "app4"
	coord.launch(t, "w1", c6)
	ack = proto.Ack{}
	coord.request(t, proto.WorkerStop("w1"), proto.StopRequest{AppID: "app4", ContainerID: "c6", Epoch: 7}, &ack)
	if ex := coord.exit(t, "c6"); ex.Error != "killed by signal SIGTERM" || ack.Error != "" {
		t.Errorf("stop at epoch 7: ack = %+v, exit = %+v", ack, ex)
	}
	zombie := spec("c7", proto.RoleExecutor, coord.putScript(t, sleepScript))
	zombie.AppID = "app3"
	coord.request(t, proto.WorkerLaunch("w1"), proto.LaunchRequest{Spec: zombie, Epoch: 6}, &ack)
	if ack.Error != "worker: stale coordinator epoch 6: epoch 7 leads" {
		t.Errorf("launch at epoch 6 after 7: ack = %+v", ack)
	}
	coord.request(t, proto.WorkerStop("w1"), proto.StopRequest{AppID: "app2", Epoch: 6}, &ack)
	if !strings.Contains(ack.Error, "stale coordinator epoch 6") {
		t.Errorf("stop at epoch 6 after 7: ack = %+v", ack)
	}

	// Shutting down stops what still runs and reports it.
	c4 := spec("c4", proto.RoleExecutor, coord.putScript(t, sleepScript))
	c4.AppID = "app2"
	coord.launch(t, "w1", c4)
	stop()
	if ex := coord.exit(t, "c4"); ex.Error != "killed by signal SIGTERM" {
		t.Errorf("c4 at shutdown: exit = %+v", ex)
	}
}

func TestRunFailsFastWithoutNATS(t *testing.T) {
	start := time.Now()
	err := Run(context.Background(), Config{NATSURL: "nats://127.0.0.1:1", DataDir: t.TempDir()})
	if err == nil || !strings.HasPrefix(err.Error(), "worker: cannot reach coordinator at nats://127.0.0.1:1: ") {
		t.Errorf("err = %v", err)
	}
	if d := time.Since(start); d > 6*time.Second {
		t.Errorf("took %v to fail", d)
	}
}

// containerStdout returns what a container printed so far.
func containerStdout(t *testing.T, coord *fakeCoordinator, id string) string {
	t.Helper()
	var logs proto.LogsReply
	coord.request(t, proto.WorkerLogs("w1"), proto.LogsRequest{AppID: "app1"}, &logs)
	for _, l := range logs.Logs {
		if l.ContainerID == id {
			return l.Stdout
		}
	}
	return ""
}
