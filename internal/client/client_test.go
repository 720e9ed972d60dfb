package client

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"spindle/internal/natstest"
	"spindle/internal/proto"
)

// fakeCoord answers the client subjects from an in-memory app table.
type fakeCoord struct {
	mu    sync.Mutex // protects following fields
	apps  map[string]proto.App
	polls int
}

func (f *fakeCoord) serve(t *testing.T, url string) {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	handle(t, nc, proto.SubjSubmit, func(r proto.SubmitRequest) any {
		f.mu.Lock()
		defer f.mu.Unlock()
		id := "app-1"
		f.apps[id] = proto.App{ID: id, Name: r.Name, State: proto.StateSubmitted, BinaryHash: r.BinaryHash,
			Containers: []proto.Container{{ID: "c1", WorkerID: "w1"}, {ID: "c2", WorkerID: "w2"}}}
		return proto.SubmitReply{AppID: id}
	})
	handle(t, nc, proto.SubjStatus, func(r proto.StatusRequest) any {
		f.mu.Lock()
		defer f.mu.Unlock()
		app, ok := f.apps[r.AppID]
		if !ok {
			return proto.StatusReply{Error: "unknown application " + r.AppID}
		}
		f.polls++
		if f.polls >= 3 {
			app.State = proto.StateFinished
		}
		return proto.StatusReply{App: app}
	})
	handle(t, nc, proto.WorkerLogs("w1"), func(r proto.LogsRequest) any {
		return proto.LogsReply{Logs: []proto.ContainerLog{{ContainerID: "c1", WorkerID: "w1", Stdout: "hi"}}}
	})
}

func handle[Req any](t *testing.T, nc *nats.Conn, subj string, fn func(Req) any) {
	_, err := nc.Subscribe(subj, func(m *nats.Msg) {
		var req Req
		if err := json.Unmarshal(m.Data, &req); err != nil {
			t.Errorf("%s: %v", subj, err)
		}
		data, _ := json.Marshal(fn(req))
		m.Respond(data)
	})
	if err != nil {
		t.Fatal(err)
	}
	nc.Flush()
}

func TestDialUnreachable(t *testing.T) {
	start := time.Now()
	_, err := Dial(t.Context(), "nats://127.0.0.1:1")
	if !errors.Is(err, ErrUnreachable) {
		t.Fatalf("Dial error = %v, want ErrUnreachable", err)
	}
	if !strings.HasPrefix(err.Error(), "cannot reach coordinator at nats://127.0.0.1:1: ") {
		t.Errorf("Dial error text = %q", err)
	}
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("Dial took %v", d)
	}
}

func TestNoCoordinator(t *testing.T) {
	c, err := Dial(t.Context(), natstest.Server(t).ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Apps(t.Context()); !errors.Is(err, ErrUnreachable) {
		t.Errorf("Apps error = %v, want ErrUnreachable", err)
	}
}

func TestSubmitWaitLogs(t *testing.T) {
	url := natstest.Server(t).ClientURL()
	f := &fakeCoord{apps: map[string]proto.App{}}
	f.serve(t, url)
	c, err := Dial(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()

	bin := filepath.Join(t.TempDir(), "job")
	os.WriteFile(bin, []byte("not really a binary"), 0o755)
	hash, err := c.UploadBinary(ctx, bin)
	if err != nil || len(hash) != 64 {
		t.Fatalf("UploadBinary = %q, %v", hash, err)
	}
	if again, err := c.UploadBinary(ctx, bin); err != nil || again != hash {
		t.Fatalf("second UploadBinary = %q, %v; want %q", again, err, hash)
	}

	id, err := c.Submit(ctx, proto.SubmitRequest{Name: "wc", BinaryHash: hash})
	if err != nil || id != "app-1" {
		t.Fatalf("Submit = %q, %v", id, err)
	}
	var updates int
	app, err := c.Wait(ctx, id, func(proto.App) { updates++ })
	if err != nil || app.State != proto.StateFinished || updates != 3 {
		t.Fatalf("Wait = %s, %v after %d updates; want FINISHED after 3", app.State, err, updates)
	}

	logs, err := c.Logs(ctx, id)
	if len(logs) != 1 || logs[0].Stdout != "hi" {
		t.Errorf("Logs = %+v", logs)
	}
	if err == nil || !strings.Contains(err.Error(), "worker w2") {
		t.Errorf("Logs error = %v, want one naming worker w2", err)
	}

	if _, err := c.Status(ctx, "nope"); !errors.Is(err, ErrUnknownApp) {
		t.Errorf("Status(nope) error = %v, want ErrUnknownApp", err)
	}
}
