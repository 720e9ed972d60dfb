package lease

import (
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// A newer epoch's claim makes the store refuse the older epoch's writes
// and claims; the newer one writes on.
func TestFence(t *testing.T) {
	js, _ := setup(t)
	ctx := t.Context()
	kv, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "state"})
	if err != nil {
		t.Fatal(err)
	}
	old, err := Claim(ctx, js, kv, 5, "a")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.Put(ctx, "app.1", []byte("v1")); err != nil {
		t.Fatalf("write by the only epoch: %v", err)
	}
	next, err := Claim(ctx, js, kv, 9, "b")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.Put(ctx, "app.1", []byte("zombie")); !errors.Is(err, ErrFenced) {
		t.Fatalf("write by the deposed epoch: %v, want ErrFenced", err)
	}
	if err := old.Delete(ctx, "app.1"); !errors.Is(err, ErrFenced) {
		t.Fatalf("delete by the deposed epoch: %v, want ErrFenced", err)
	}
	if _, err := Claim(ctx, js, kv, 5, "a"); !errors.Is(err, ErrFenced) {
		t.Fatalf("claim by a lower epoch: %v, want ErrFenced", err)
	}
	if _, err := next.Put(ctx, "app.1", []byte("v2")); err != nil {
		t.Fatalf("write by the new epoch: %v", err)
	}
	e, err := kv.Get(ctx, "app.1")
	if err != nil || string(e.Value()) != "v2" {
		t.Fatalf("app.1 = %v, %v; want v2", e, err)
	}
	if err := next.Delete(ctx, "app.1"); err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Get(ctx, "app.1"); !errors.Is(err, jetstream.ErrKeyNotFound) {
		t.Fatalf("after a fenced delete: %v, want not found", err)
	}
	if _, err := next.Put(ctx, FenceKey, []byte("x")); err == nil {
		t.Fatal("a Put of the fence key itself was accepted")
	}
}

// Takeover replaces a live holder with a higher epoch; the old holder's
// renewal is refused and Holder names the new one.
func TestTakeover(t *testing.T) {
	js, kv := setup(t)
	ctx := t.Context()
	old, err := Acquire(ctx, candidate(js, kv, "old"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := candidate(js, kv, "new")
	cfg.TTL = 2 * time.Second
	next, err := Takeover(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if next.Epoch <= old.Epoch {
		t.Fatalf("takeover epoch %d, not above %d", next.Epoch, old.Epoch)
	}
	if err := old.Renew(ctx); !errors.Is(err, ErrLost) {
		t.Fatalf("old holder's renewal: %v, want ErrLost", err)
	}
	holder, epoch, _, ok, err := Holder(ctx, kv, "coordinator")
	if err != nil || !ok || holder != "new" || epoch != next.Epoch {
		t.Fatalf("Holder = %q %d %v %v; want new %d", holder, epoch, ok, err, next.Epoch)
	}
	// On a free lease, Takeover is an Acquire.
	if err := next.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if _, _, _, ok, _ := Holder(ctx, kv, "coordinator"); ok {
		t.Fatal("released lease still held")
	}
	if _, err := Takeover(ctx, cfg); err != nil {
		t.Fatal(err)
	}
}
