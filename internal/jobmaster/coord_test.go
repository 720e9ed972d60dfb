package jobmaster

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"spindle/internal/natstest"
	"spindle/internal/proto"
	"spindle/internal/rpc"
)

func TestEpochs(t *testing.T) {
	var e epochs
	for _, c := range []struct {
		epoch          uint64
		stale, changed bool
	}{
		{0, false, false}, // no fencing
		{5, false, false}, // the first leader seen
		{5, false, false},
		{3, true, false}, // a deposed leader
		{0, false, false},
		{9, false, true}, // a new leader after another
		{5, true, false},
	} {
		stale, changed := e.see(c.epoch)
		if stale != c.stale || changed != c.changed {
			t.Errorf("see(%d) = %v, %v; want %v, %v", c.epoch, stale, changed, c.stale, c.changed)
		}
	}
}

// The final report survives a coordinator failover: nobody answers for
// a while, then the new leader does. An answer with an error is final.
func TestReportFinalRetriesThroughFailover(t *testing.T) {
	nc := natstest.Start(t)
	retried := make(chan struct{}, 16)
	log := slog.New(signalHandler{retried})
	var got atomic.Int32
	done := make(chan error, 1)
	go func() {
		done <- reportFinal(context.Background(), nc, proto.AppReport{AppID: "app1", Final: proto.StateFinished}, log)
	}()
	select { // it failed on no responders and will try again
	case <-retried:
	case <-time.After(10 * time.Second):
		t.Fatal("no retry logged")
	}
	sub, err := nc.Subscribe(proto.SubjReport, func(m *nats.Msg) {
		var r proto.AppReport
		if json.Unmarshal(m.Data, &r) == nil && r.AppID == "app1" {
			got.Add(1)
		}
		rpc.Respond(m, proto.Ack{})
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	select {
	case err := <-done:
		if err != nil || got.Load() == 0 {
			t.Fatalf("reportFinal = %v, reports received %d", err, got.Load())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("report not delivered after the leader came back")
	}
	sub.Unsubscribe()

	log = slog.New(slog.DiscardHandler)
	var refused atomic.Int32
	errSub, _ := nc.Subscribe(proto.SubjReport, func(m *nats.Msg) {
		refused.Add(1)
		rpc.Respond(m, proto.Ack{Error: "unknown application app2"})
	})
	defer errSub.Unsubscribe()
	err = reportFinal(context.Background(), nc, proto.AppReport{AppID: "app2"}, log)
	if err == nil || !strings.Contains(err.Error(), "unknown application") || refused.Load() != 1 {
		t.Errorf("reportFinal to a coordinator that refuses = %v after %d requests, want its error after 1", err, refused.Load())
	}
}

// signalHandler signals c on every log record.
type signalHandler struct{ c chan struct{} }

func (h signalHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h signalHandler) Handle(context.Context, slog.Record) error {
	select {
	case h.c <- struct{}{}:
	default:
	}
	return nil
}
func (h signalHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h signalHandler) WithGroup(string) slog.Handler      { return h }
