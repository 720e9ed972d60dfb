package lease

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"spindle/internal/natstest"
)

func setup(t *testing.T) (jetstream.JetStream, jetstream.KeyValue) {
	t.Helper()
	js, err := jetstream.New(natstest.Start(t))
	if err != nil {
		t.Fatal(err)
	}
	kv, err := Bucket(t.Context(), js, "leases", 1)
	if err != nil {
		t.Fatal(err)
	}
	return js, kv
}

func candidate(js jetstream.JetStream, kv jetstream.KeyValue, name string) Config {
	return Config{JS: js, KV: kv, Key: "coordinator", Holder: name, TTL: time.Second}
}

// Candidates racing for a free lease: exactly one wins, the others are
// told who holds it.
func TestOneWinner(t *testing.T) {
	js, kv := setup(t)
	for round := range 20 {
		key := fmt.Sprintf("election-%d", round)
		var wg sync.WaitGroup
		terms := make([]*Term, 3)
		errs := make([]error, 3)
		for i := range 3 {
			wg.Go(func() {
				cfg := candidate(js, kv, fmt.Sprintf("c%d", i))
				cfg.Key = key
				terms[i], errs[i] = Acquire(t.Context(), cfg)
			})
		}
		wg.Wait()
		winners := 0
		for i := range 3 {
			switch {
			case errs[i] == nil:
				winners++
			case !errors.Is(errs[i], ErrHeld) || !strings.Contains(errs[i].Error(), "by c"):
				t.Errorf("round %d: candidate %d: %v, want ErrHeld naming the holder", round, i, errs[i])
			}
		}
		if winners != 1 {
			t.Fatalf("round %d: %d winners, want 1 (errors %v)", round, winners, errs)
		}
	}
}

// A renewed lease outlives its TTL; once its holder stops renewing, the
// server expires it, a standby takes it with a higher epoch, and the old
// holder's renewal is refused by the store (the zombie is fenced).
func TestRenewExpireTakeover(t *testing.T) {
	js, kv := setup(t)
	a, err := Acquire(t.Context(), candidate(js, kv, "a"))
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2500 * time.Millisecond) // 2.5 TTLs
	for time.Now().Before(deadline) {
		if err := a.Renew(t.Context()); err != nil {
			t.Fatalf("renew: %v", err)
		}
		if !a.Valid() {
			t.Fatal("just renewed, but not valid")
		}
		if _, err := Acquire(t.Context(), candidate(js, kv, "b")); !errors.Is(err, ErrHeld) {
			t.Fatalf("standby while a renews: %v, want ErrHeld", err)
		}
		time.Sleep(200 * time.Millisecond) // the renewal interval, not a wait for an event
	}
	// a stops renewing: b gets the lease once the server expired it.
	var b *Term
	wait := time.Now().Add(10 * time.Second)
	for b == nil {
		if b, err = Acquire(t.Context(), candidate(js, kv, "b")); err != nil && !errors.Is(err, ErrHeld) {
			t.Fatal(err)
		}
		if time.Now().After(wait) {
			t.Fatal("the lease never expired")
		}
		if b == nil {
			time.Sleep(20 * time.Millisecond) // poll
		}
	}
	if a.Valid() {
		t.Error("a still believes it leads after the server expired its lease")
	}
	if b.Epoch <= a.Epoch {
		t.Errorf("b's epoch %d is not above a's %d", b.Epoch, a.Epoch)
	}
	if err := a.Renew(t.Context()); !errors.Is(err, ErrLost) {
		t.Errorf("the deposed holder's renewal: %v, want ErrLost", err)
	}
	if a.Valid() {
		t.Error("a is valid after losing the lease")
	}
	if err := b.Renew(t.Context()); err != nil {
		t.Errorf("the new holder's renewal: %v", err)
	}
}

// Release hands the lease over at once, and does not delete a lease that
// someone else holds by then.
func TestRelease(t *testing.T) {
	js, kv := setup(t)
	a, err := Acquire(t.Context(), candidate(js, kv, "a"))
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Release(t.Context()); err != nil {
		t.Fatal(err)
	}
	b, err := Acquire(t.Context(), candidate(js, kv, "b"))
	if err != nil {
		t.Fatalf("after a released: %v", err)
	}
	if err := a.Release(t.Context()); err != nil {
		t.Fatalf("a releasing again: %v", err)
	}
	if err := b.Renew(t.Context()); err != nil {
		t.Errorf("a's second release took b's lease: %v", err)
	}
}

// The holder's belief is measured from when it sent its renewal, on its
// own clock, and ends at Safety of the TTL: before the server, which
// starts the TTL when it stores the renewal, can expire it.
func TestBeliefEndsBeforeServerExpiry(t *testing.T) {
	js, kv := setup(t)
	now := time.Unix(1000, 0)
	cfg := candidate(js, kv, "a")
	cfg.Now = func() time.Time { return now }
	a, err := Acquire(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Duration(float64(time.Second)*Safety) - time.Millisecond)
	if !a.Valid() {
		t.Error("invalid before Safety·TTL")
	}
	now = now.Add(time.Millisecond)
	if a.Valid() {
		t.Error("still valid at Safety·TTL")
	}
	if _, err := Acquire(context.Background(), Config{JS: js, KV: kv, Key: "k", Holder: "x", TTL: 1500 * time.Millisecond}); err == nil || !strings.Contains(err.Error(), "whole seconds") {
		t.Errorf("a TTL of 1.5 s: %v, want an error", err)
	}
}
