package checkpoint

import (
	"context"
	"reflect"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"spindle/internal/natstest"
	"spindle/internal/proto"
)

func TestSaveLoadAcrossWorkers(t *testing.T) {
	nc := natstest.Start(t)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	here, err := Open(ctx, t.TempDir(), js, "app1")
	if err != nil {
		t.Fatal(err)
	}
	defer here.Close()
	if _, ok, err := here.Load(ctx, 0, 3); ok || err != nil {
		t.Fatalf("Load before any Save: ok %v err %v", ok, err)
	}
	rec := Record{Stage: 0, Index: 3, Attempt: "s0-t3-a1", Offset: 4096,
		Prefixes: []proto.Prefix{{Attempt: "s0-t3-a1", Shuffle: 2, Counts: []int{1, 0, 2}}}}
	if err := here.Save(ctx, rec); err != nil {
		t.Fatal(err)
	}
	if got, ok, err := here.Load(ctx, 0, 3); !ok || err != nil || !reflect.DeepEqual(got, rec) {
		t.Errorf("local Load: got %+v %v %v, want %+v", got, ok, err, rec)
	}
	// Another worker has an empty local database: it finds the copy.
	there, err := Open(ctx, t.TempDir(), js, "app1")
	if err != nil {
		t.Fatal(err)
	}
	defer there.Close()
	if got, ok, err := there.Load(ctx, 0, 3); !ok || err != nil || !reflect.DeepEqual(got, rec) {
		t.Errorf("remote Load: got %+v %v %v, want %+v", got, ok, err, rec)
	}
	obj, _ := Bucket(ctx, js)
	if err := Delete(ctx, obj, "app1"); err != nil {
		t.Fatal(err)
	}
	fresh, err := Open(ctx, t.TempDir(), js, "app1")
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	if _, ok, _ := fresh.Load(ctx, 0, 3); ok {
		t.Errorf("checkpoint still in the cluster after Delete")
	}
}
