package shuffle

import (
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/nats-io/nats.go/jetstream"

	"spindle/internal/proto"
)

// What Read fetches ahead while fn is busy stays within MaxBuffered: the
// server delivers no more than the consumer's pull requests ask for.
func TestReadAheadIsBounded(t *testing.T) {
	ctx, js, _ := setup(t)
	w := NewWriter(js, "app1", 7, 1, "m0-a1")
	vals := make([]int64, 256<<10/8) // 256 KiB batches
	const batches = 40
	for range batches {
		if err := w.Write(ctx, 0, batch(vals...)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	const limit = 3 << 20
	entered, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	n := 0
	go func() {
		done <- Read(ctx, js, "app1", 7, 0, []string{"m0-a1"}, nil, func(arrow.RecordBatch) error {
			if n++; n == 1 {
				close(entered)
				<-release
			}
			return nil
		}, MaxBuffered(limit))
	}()
	select {
	case <-entered:
	case err := <-done:
		t.Fatalf("Read returned before its first batch: %v", err)
	}
	s, err := js.Stream(ctx, proto.ShuffleStream("app1"))
	if err != nil {
		t.Fatal(err)
	}
	delivered := settledDelivery(t, s)
	close(release)
	if err := <-done; err != nil || n != batches {
		t.Fatalf("Read: %d batches, %v; want %d, nil", n, err, batches)
	}
	var bytes int
	for seq := uint64(1); seq <= delivered; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		bytes += len(m.Data)
	}
	if bytes > limit || delivered < 2 {
		t.Errorf("while fn was busy with the first batch the server delivered %d messages, %d bytes; want 2 or more, at most %d bytes",
			delivered, bytes, limit)
	}
}

// settledDelivery waits until s's only consumer has no pull request left
// or has been sent the whole stream, and returns the last stream sequence
// it was sent.
func settledDelivery(t *testing.T, s jetstream.Stream) uint64 {
	t.Helper()
	ctx := t.Context()
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		names := s.ConsumerNames(ctx)
		var name string
		for n := range names.Name() {
			name = n
		}
		if name == "" {
			continue
		}
		c, err := s.Consumer(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		ci := c.CachedInfo()
		if ci.NumWaiting == 0 && ci.Delivered.Stream > 1 || ci.Delivered.Stream == info.State.LastSeq {
			return ci.Delivered.Stream
		}
	}
	t.Fatal("the consumer's deliveries did not settle within 10 s")
	return 0
}

func TestPullBytes(t *testing.T) {
	for _, tt := range []struct {
		limit, maxPayload int64
		want              int
	}{
		{8 << 20, 1 << 20, 8 << 20},
		{1 << 20, 1 << 20, 2 * (1<<20 + headerRoom)},
		{8 << 20, 8 << 20, 2 * (8<<20 + headerRoom)},
		{1 << 30, 1 << 20, maxPull},
		{1 << 30, 32 << 20, 2 * (32<<20 + headerRoom)},
	} {
		if got := pullBytes(tt.limit, tt.maxPayload); got != tt.want {
			t.Errorf("pullBytes(%d, %d) = %d, want %d", tt.limit, tt.maxPayload, got, tt.want)
		}
	}
}
