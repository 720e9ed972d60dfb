package jobmaster

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"spindle/dataflow"
	"spindle/internal/natstest"
	"spindle/internal/proto"
	"spindle/internal/rpc"
)

// Two attempts of a streaming job master alive at once (the first froze
// and woke up after the coordinator started the second): only the one
// that read the record last can write it, so the zombie can neither
// record progress nor commit.
func TestStreamRecordIsFenced(t *testing.T) {
	ctx := context.Background()
	js, err := jetstream.New(natstest.Start(t))
	if err != nil {
		t.Fatal(err)
	}
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: proto.JobsBucket})
	if err != nil {
		t.Fatal(err)
	}
	attempt := func() *streamMaster {
		return &streamMaster{cfg: Config{AppID: "app"}, kv: kv, state: windowedCount(t)}
	}
	first := attempt()
	if err := first.persist(ctx); err != nil {
		t.Fatalf("first attempt's first record: %v", err)
	}
	if err := first.persist(ctx); err != nil {
		t.Fatalf("first attempt's second record: %v", err)
	}
	second := attempt()
	if _, fresh, err := second.load(ctx); err != nil || fresh {
		t.Fatalf("second attempt's load: fresh %v, err %v; want the first's record", fresh, err)
	}
	if err := second.persist(ctx); err != nil {
		t.Fatalf("second attempt's record: %v", err)
	}
	if err := first.persist(ctx); !errors.Is(err, ErrFenced) {
		t.Errorf("the zombie first attempt wrote its record: err %v, want ErrFenced", err)
	}
	if err := second.persist(ctx); err != nil {
		t.Errorf("second attempt after the zombie tried: %v", err)
	}
	if err := attempt().persist(ctx); !errors.Is(err, ErrFenced) {
		t.Errorf("an attempt that never read the record created it again: err %v, want ErrFenced", err)
	}
}

// An executor whose deploy request timed out before the job master
// answered it (the job master was held up by a save stalled through a
// NATS node's loss, seen in TestHAKillLeaderStreaming) asks again without
// having run anything: it must get its part of the epoch the gang
// formed with it, or that epoch waits for it for ever while it asks for
// ever.
func TestStreamDeploymentSentAgainWhenItsReplyWasLost(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	nc := natstest.Start(t)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: proto.JobsBucket})
	if err != nil {
		t.Fatal(err)
	}
	s := windowedCount(t)
	m := &streamMaster{cfg: Config{AppID: "app", NC: nc, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))},
		kv: kv, state: s, plan: &dataflow.Plan{Fingerprint: "fp"}, waitSave: map[int64]*nats.Msg{},
		deploy: make(chan *nats.Msg, 16), events: make(chan *nats.Msg, 16), points: make(chan *nats.Msg, 16), cevents: make(chan *nats.Msg, 16)}
	if err := m.persist(ctx); err != nil {
		t.Fatal(err)
	}
	if err := m.subscribe(); err != nil {
		t.Fatal(err)
	}
	defer m.stop()
	done := make(chan error, 1)
	go func() { done <- m.loop(ctx) }()

	ask := func(c string, timeout time.Duration) (proto.DeployReply, error) {
		var reply proto.DeployReply
		err := rpc.Call(ctx, nc, proto.JobMasterDeploy("app"), proto.DeployRequest{ContainerID: c}, &reply, timeout)
		return reply, err
	}
	// c1's request reaches the job master, but c1 stops waiting for the
	// answer before the gang forms.
	if _, err := ask("c1", time.Millisecond); err == nil {
		t.Fatal("c1's first request was answered at once; the gang cannot have formed")
	}
	second, err := ask("c2", 5*time.Second)
	if err != nil || second.Deployment == nil {
		t.Fatalf("c2: deployment %+v, err %v; want the gang formed with c1", second.Deployment, err)
	}
	again, err := ask("c1", 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	d := again.Deployment
	if d == nil {
		t.Fatal("c1 asked again and got no deployment: epoch 1 waits for it for ever")
	}
	if d.Epoch != second.Deployment.Epoch || d.Index == second.Deployment.Index {
		t.Errorf("c1 got epoch %d index %d; c2 runs epoch %d index %d", d.Epoch, d.Index, second.Deployment.Epoch, second.Deployment.Index)
	}
	cancel()
	<-done
}
