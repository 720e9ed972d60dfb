package client

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"spindle/internal/natstest"
	"spindle/internal/proto"
)

// TestSavepoint checks how Savepoint tells the cases apart, against a fake
// coordinator with fixed applications and a fake streaming job master.
func TestSavepoint(t *testing.T) {
	url := natstest.Server(t).ClientURL()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	apps := map[string]proto.App{
		"stream":  {ID: "stream", State: proto.StateRunning, Stream: &proto.StreamReport{}},
		"refuses": {ID: "refuses", State: proto.StateRunning, Stream: &proto.StreamReport{}},
		"batch":   {ID: "batch", State: proto.StateRunning},
		"done":    {ID: "done", State: proto.StateFinished, Stream: &proto.StreamReport{}},
	}
	handle(t, nc, proto.SubjStatus, func(r proto.StatusRequest) any {
		if a, ok := apps[r.AppID]; ok {
			return proto.StatusReply{App: a}
		}
		return proto.StatusReply{Error: "unknown application " + r.AppID}
	})
	var gotStop atomic.Bool
	handle(t, nc, proto.JobMasterSavepoint("stream"), func(r proto.SavepointRequest) any {
		gotStop.Store(r.Stop)
		return proto.SavepointReply{Path: "stream/7"}
	})
	handle(t, nc, proto.JobMasterSavepoint("refuses"), func(proto.SavepointRequest) any {
		return proto.SavepointReply{Error: "the job is not running"}
	})
	c, err := Dial(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()

	if path, err := c.Savepoint(ctx, "stream", true); path != "stream/7" || err != nil || !gotStop.Load() {
		t.Errorf("Savepoint(stream) = %q, %v (stop sent: %v); want stream/7 with stop", path, err, gotStop.Load())
	}
	for _, tc := range []struct {
		app  string
		want error
		text string
	}{
		{"nosuch", ErrUnknownApp, "unknown application"},
		{"done", ErrNotRunning, "FINISHED"},
		{"batch", ErrNotStreaming, "no savepoints"},
		{"refuses", nil, "job master: the job is not running"},
	} {
		_, err := c.Savepoint(ctx, tc.app, false)
		if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) || !strings.Contains(err.Error(), tc.text) {
			t.Errorf("Savepoint(%s) error = %v, want %v containing %q", tc.app, err, tc.want, tc.text)
		}
	}
}

func TestCheckSavepoint(t *testing.T) {
	url := natstest.Server(t).ClientURL()
	c, err := Dial(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := t.Context()
	if err := c.CheckSavepoint(ctx, "app/1"); !errors.Is(err, ErrNoSavepoint) {
		t.Errorf("no bucket: error = %v, want ErrNoSavepoint", err)
	}
	js, _ := jetstream.New(c.nc)
	kv, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: proto.SavepointsBucket})
	if err != nil {
		t.Fatal(err)
	}
	kv.Put(ctx, "app.3", []byte(`{"id":3}`))
	for path, ok := range map[string]bool{"app/3": true, "app/4": false, "app": false, "app/x": false} {
		err := c.CheckSavepoint(ctx, path)
		if ok != (err == nil) || (err != nil && !errors.Is(err, ErrNoSavepoint)) {
			t.Errorf("CheckSavepoint(%q) = %v, want found %v", path, err, ok)
		}
	}
}
