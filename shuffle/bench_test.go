package shuffle

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/nats-io/nats.go/jetstream"

	"spindle/internal/natstest"
	"spindle/internal/proto"
)

// benchTotal is what one iteration moves: 64 MiB.
const benchTotal = 64 << 20

// benchBatch is a record of about size encoded bytes.
func benchBatch(size int) arrow.RecordBatch {
	vals := make([]int64, size/8-64)
	for i := range vals {
		vals[i] = int64(i)
	}
	return batch(vals...)
}

// encoded is rec as the Writer encodes it.
func encoded(b *testing.B, rec arrow.RecordBatch) []byte {
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(rec.Schema()))
	if err := w.Write(rec); err != nil {
		b.Fatal(err)
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

func benchJS(b *testing.B) jetstream.JetStream {
	nc := natstest.Start(b)
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(MaxPending))
	if err != nil {
		b.Fatal(err)
	}
	if err := EnsureStream(b.Context(), js, "app1"); err != nil {
		b.Fatal(err)
	}
	return js
}

// BenchmarkRead reads a 64 MiB partition of size-byte batches with
// different read-ahead limits, against decoding the same bytes in process
// and against the ordered consumer's defaults (500 messages).
func BenchmarkRead(b *testing.B) {
	for p, size := range []int{256 << 10, 1000 << 10} {
		js := benchJS(b)
		rec := benchBatch(size)
		w := NewWriter(js, "app1", 7, p+1, "m0-a1")
		for range benchTotal / size {
			if err := w.Write(b.Context(), p, rec); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Close(b.Context()); err != nil {
			b.Fatal(err)
		}
		data := encoded(b, rec)
		b.Run(fmt.Sprintf("msg=%dKiB/baseline", size>>10), func(b *testing.B) {
			b.SetBytes(int64(benchTotal / size * len(data)))
			for b.Loop() {
				for range benchTotal / size {
					if err := decode(data, func(arrow.RecordBatch) error { return nil }); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
		for _, mb := range []int64{2, 4, 8, 16, 32} {
			b.Run(fmt.Sprintf("msg=%dKiB/buffered=%dMiB", size>>10, mb), func(b *testing.B) {
				b.SetBytes(int64(benchTotal / size * len(data)))
				for b.Loop() {
					if err := Read(b.Context(), js, "app1", 7, p, []string{"m0-a1"}, nil,
						func(arrow.RecordBatch) error { return nil }, MaxBuffered(mb<<20)); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		b.Run(fmt.Sprintf("msg=%dKiB/defaults", size>>10), func(b *testing.B) {
			b.SetBytes(int64(benchTotal / size * len(data)))
			for b.Loop() {
				readDefaults(b, js, p)
			}
		})
	}
}

// readDefaults drains partition p as Read did before it bounded its
// read-ahead: an ordered consumer with Messages' defaults.
func readDefaults(b *testing.B, js jetstream.JetStream, p int) {
	cons, err := js.OrderedConsumer(b.Context(), proto.ShuffleStream("app1"), jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{Subject("app1", 7, p)}, DeliverPolicy: jetstream.DeliverAllPolicy,
	})
	if err != nil {
		b.Fatal(err)
	}
	it, err := cons.Messages()
	if err != nil {
		b.Fatal(err)
	}
	defer it.Stop()
	for {
		msg, err := it.Next(jetstream.NextContext(b.Context()))
		if err != nil {
			b.Fatal(err)
		}
		if msg.Headers().Get(hdrEnd) == "" {
			if err := decode(msg.Data(), func(arrow.RecordBatch) error { return nil }); err != nil {
				b.Fatal(err)
			}
		}
		if md, err := msg.Metadata(); err == nil && md.NumPending == 0 {
			return
		}
	}
}

// BenchmarkWrite publishes 64 MiB of 256 KiB batches with different
// bounds on unacknowledged bytes, against encoding them in process.
func BenchmarkWrite(b *testing.B) {
	const size = 256 << 10
	rec := benchBatch(size)
	n := len(encoded(b, rec))
	b.Run("baseline", func(b *testing.B) {
		b.SetBytes(int64(benchTotal / size * n))
		for b.Loop() {
			for range benchTotal / size {
				encoded(b, rec)
			}
		}
	})
	js := benchJS(b)
	s, err := js.Stream(b.Context(), proto.ShuffleStream("app1"))
	if err != nil {
		b.Fatal(err)
	}
	attempt := 0
	for _, mb := range []int{1, 2, 4, 8, 16} {
		b.Run(fmt.Sprintf("unacked=%dMiB", mb), func(b *testing.B) {
			b.SetBytes(int64(benchTotal / size * n))
			for b.Loop() {
				attempt++
				w := NewWriter(js, "app1", 7, 1, fmt.Sprintf("m0-a%d", attempt), MaxUnacked(int64(mb)<<20))
				for range benchTotal / size {
					if err := w.Write(b.Context(), 0, rec); err != nil {
						b.Fatal(err)
					}
				}
				if err := w.Close(b.Context()); err != nil {
					b.Fatal(err)
				}
			}
			if err := s.Purge(b.Context()); err != nil {
				b.Fatal(err)
			}
		})
	}
}
