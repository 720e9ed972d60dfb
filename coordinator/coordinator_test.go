package coordinator

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"spindle/internal/proto"
)

const wait = 5 * time.Second

// startCoordinator runs a coordinator on dataDir and returns its NATS URL
// and a function that stops it and checks that Run returned nil.
func startCoordinator(t *testing.T, dataDir, httpAddr string) (string, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	urls := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Config{DataDir: dataDir, Listen: "127.0.0.1:0", HTTP: httpAddr, NodeTimeout: time.Second},
			func(url string) { urls <- url })
	}()
	select {
	case url := <-urls:
		return url, func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
		}
	case err := <-done:
		cancel()
		t.Fatalf("Run: %v", err)
	case <-time.After(15 * time.Second):
		cancel()
		t.Fatal("coordinator not ready")
	}
	return "", nil
}

func request[Rep any](t *testing.T, nc *nats.Conn, subj string, req any) Rep {
	t.Helper()
	data, ok := req.([]byte)
	if !ok {
		data, _ = json.Marshal(req)
	}
	msg, err := nc.Request(subj, data, wait)
	if err != nil {
		t.Fatalf("request %s: %v", subj, err)
	}
	var rep Rep
	if err := json.Unmarshal(msg.Data, &rep); err != nil {
		t.Fatalf("reply %s: %v", subj, err)
	}
	return rep
}

// fakeWorker acks launches and stops and records them.
func fakeWorker(t *testing.T, nc *nats.Conn, id string) (chan proto.LaunchRequest, chan proto.StopRequest) {
	launches, stops := make(chan proto.LaunchRequest, 10), make(chan proto.StopRequest, 10)
	nc.Subscribe(proto.WorkerLaunch(id), func(m *nats.Msg) {
		var req proto.LaunchRequest
		json.Unmarshal(m.Data, &req)
		launches <- req
		m.Respond([]byte(`{}`))
	})
	nc.Subscribe(proto.WorkerStop(id), func(m *nats.Msg) {
		var req proto.StopRequest
		json.Unmarshal(m.Data, &req)
		stops <- req
		m.Respond([]byte(`{}`))
	})
	rep := request[proto.RegisterReply](t, nc, proto.SubjRegister, proto.RegisterRequest{
		WorkerID: id, Host: "test", Capacity: proto.Resources{VCores: 4, MemoryBytes: 8 << 30}})
	if rep.Error != "" || rep.HeartbeatInterval != time.Second {
		t.Fatalf("register = %+v", rep)
	}
	return launches, stops
}

func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(wait):
		t.Fatalf("timed out waiting for %s", what)
	}
	var zero T
	return zero
}

func putBinary(t *testing.T, nc *nats.Conn, content string) string {
	t.Helper()
	js, _ := jetstream.New(nc)
	obs, err := js.ObjectStore(context.Background(), proto.BinaryBucket)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(content))
	hash := hex.EncodeToString(sum[:])
	if _, err := obs.PutBytes(context.Background(), hash, []byte(content)); err != nil {
		t.Fatal(err)
	}
	return hash
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func TestApplicationLifecycle(t *testing.T) {
	dir := t.TempDir()
	httpAddr := freeAddr(t)
	url, stop := startCoordinator(t, dir, httpAddr)
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	launches, stops := fakeWorker(t, nc, "w1")

	req := proto.SubmitRequest{BinaryHash: strings.Repeat("0", 64), Args: []string{"a"},
		Master: proto.Resources{VCores: 1, MemoryBytes: 1 << 30}, Executor: proto.Resources{VCores: 1, MemoryBytes: 1 << 30}}
	if rep := request[proto.SubmitReply](t, nc, proto.SubjSubmit, req); !strings.Contains(rep.Error, "not in the object store") {
		t.Errorf("submit of a missing binary: error = %q", rep.Error)
	}
	req.BinaryHash = putBinary(t, nc, "#!/bin/sh\n")
	sub := request[proto.SubmitReply](t, nc, proto.SubjSubmit, req)
	if sub.Error != "" {
		t.Fatalf("submit: %s", sub.Error)
	}
	jm := recv(t, launches, "job master launch").Spec
	if jm.Role != proto.RoleJobMaster || jm.AppID != sub.AppID || jm.BinaryHash != req.BinaryHash {
		t.Errorf("job master spec = %+v", jm)
	}
	events := make(chan proto.ContainerEvent, 10)
	nc.Subscribe(proto.AppEvents(sub.AppID), func(m *nats.Msg) {
		var ev proto.ContainerEvent
		json.Unmarshal(m.Data, &ev)
		events <- ev
	})
	nc.Flush()

	alloc := request[proto.AllocateReply](t, nc, proto.SubjAllocate, proto.AllocateRequest{AppID: sub.AppID, Count: 1})
	if alloc.Error != "" || alloc.ClusterVCores != 4 {
		t.Errorf("allocate = %+v", alloc)
	}
	ex := recv(t, launches, "executor launch").Spec
	if ev := recv(t, events, "executor event"); ev.Container.ID != ex.ContainerID {
		t.Errorf("event for %s, want %s", ev.Container.ID, ex.ContainerID)
	}
	nc.Publish(proto.SubjExit, mustJSON(proto.ContainerExit{WorkerID: "w1", AppID: sub.AppID, ContainerID: ex.ContainerID, ExitCode: 7}))
	if ev := recv(t, events, "exit event"); ev.Container.State != proto.ContainerExited || ev.Container.ExitCode != 7 {
		t.Errorf("exit event = %+v", ev.Container)
	}

	if ack := request[proto.Ack](t, nc, proto.SubjReport, proto.AppReport{AppID: sub.AppID, Stages: []proto.Stage{{Name: "s0"}}}); ack.Error != "" {
		t.Fatal(ack.Error)
	}
	st := request[proto.StatusReply](t, nc, proto.SubjStatus, proto.StatusRequest{AppID: sub.AppID})
	if st.App.State != proto.StateRunning || len(st.App.Stages) != 1 {
		t.Errorf("status = %s stages %v, want RUNNING with one stage", st.App.State, st.App.Stages)
	}
	var announced atomic.Int32
	nc.Subscribe(proto.AppState(sub.AppID), func(*nats.Msg) { announced.Add(1) })
	nc.Flush()
	request[proto.Ack](t, nc, proto.SubjReport, proto.AppReport{AppID: sub.AppID, Final: proto.StateFinished})
	if s := recv(t, stops, "stop"); s.AppID != sub.AppID {
		t.Errorf("stop = %+v", s)
	}
	// The job master's exit after the end saves the application again,
	// but its end is announced once. Replies come on the connection the
	// announcements come on, so once status shows the exit every
	// announcement of it has arrived.
	nc.Publish(proto.SubjExit, mustJSON(proto.ContainerExit{WorkerID: "w1", AppID: sub.AppID, ContainerID: jm.ContainerID, PeakRSS: 12345}))
	deadline := time.Now().Add(wait)
	for {
		st := request[proto.StatusReply](t, nc, proto.SubjStatus, proto.StatusRequest{AppID: sub.AppID})
		i := slices.IndexFunc(st.App.Containers, func(c proto.Container) bool { return c.ID == jm.ContainerID })
		if i >= 0 && st.App.Containers[i].PeakRSS == 12345 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the job master's exit never showed in status")
		}
	}
	if n := announced.Load(); n != 1 {
		t.Errorf("the end was announced %d times, want once", n)
	}

	checkErrors(t, nc)
	checkHTTP(t, "http://"+httpAddr, sub.AppID)
	stop()

	// A restarted coordinator lists the finished application.
	url, stop = startCoordinator(t, dir, "")
	defer stop()
	nc2, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc2.Close()
	apps := request[proto.AppsReply](t, nc2, proto.SubjApps, proto.AppsRequest{})
	if len(apps.Apps) != 1 || apps.Apps[0].ID != sub.AppID || apps.Apps[0].State != proto.StateFinished {
		t.Errorf("apps after restart = %+v", apps)
	}
}

func checkErrors(t *testing.T, nc *nats.Conn) {
	t.Helper()
	if st := request[proto.StatusReply](t, nc, proto.SubjStatus, proto.StatusRequest{AppID: "x"}); st.Error != `unknown application "x"` {
		t.Errorf("status of unknown app: error = %q", st.Error)
	}
	if k := request[proto.KillReply](t, nc, proto.SubjKill, []byte(`{"app_id":`)); !strings.HasPrefix(k.Error, "bad request") {
		t.Errorf("kill with bad JSON: error = %q", k.Error)
	}
	if n := request[proto.NodesReply](t, nc, proto.SubjNodes, proto.NodesRequest{}); len(n.Nodes) != 1 || n.Nodes[0].State != proto.NodeRunning {
		t.Errorf("nodes = %+v", n)
	}
}

func checkHTTP(t *testing.T, base, appID string) {
	t.Helper()
	for path, want := range map[string]string{
		"/api/v1/apps":          appID,
		"/api/v1/apps/" + appID: `"state": "FINISHED"`,
		"/api/v1/nodes":         `"id": "w1"`,
		"/":                     "<table>",
		"/metrics":              "spindle_coordinator_nodes_running",
		"/api/v1/coordinator":   `"role": "leader"`,
	} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), want) {
			t.Errorf("GET %s = %d %q, want 200 containing %q", path, resp.StatusCode, body, want)
		}
	}
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !regexp.MustCompile(`(?m)^spindle_coordinator_leader 1$`).Match(body) ||
		!regexp.MustCompile(`(?m)^spindle_coordinator_epoch [1-9]`).Match(body) {
		t.Errorf("/metrics does not say this coordinator leads, with its epoch:\n%s", body)
	}
	if resp, err := http.Get(base + "/api/v1/apps/nope"); err != nil || resp.StatusCode != 404 {
		t.Errorf("GET unknown app: %v %v", resp.StatusCode, err)
	}
}

func mustJSON(v any) []byte {
	data, _ := json.Marshal(v)
	return data
}
