package jobmaster

import (
	"context"
	"errors"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"spindle/internal/natstest"
	"spindle/internal/proto"
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
