package shuffle

import (
	"bytes"
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/nats-io/nats.go/jetstream"

	"spindle/internal/proto"
)

// DefaultMaxBuffered is how many bytes of a partition Read fetches ahead
// of the batch being decoded, unless MaxBuffered says otherwise.
// BenchmarkRead (2 cores, embedded server, 256 KiB and 1000 KiB batches):
// 2 MiB reads about 800 and 650 MB/s, 4 MiB 830, 8 MiB 930, 16 MiB 960,
// and the ordered consumer's unbounded defaults 1,070 (without checksums).
const DefaultMaxBuffered = 8 << 20

// maxPull caps the read-ahead well below the client's default pending
// limit of a subscription (64 MiB), past which it drops messages.
const maxPull = 32 << 20

// ReadOption configures Read.
type ReadOption func(*readConfig)

type readConfig struct {
	maxBuffered int64
}

// MaxBuffered bounds the bytes Read fetches ahead of the batch it decodes
// (the pull consumer's byte budget). It is capped at 32 MiB, then raised
// to twice the server's max payload and headers (about 2 MiB by default)
// so that the largest message fits. A task counts it against its memory,
// with the batch being decoded (twice its size when it came in chunks)
// and what fn keeps.
func MaxBuffered(bytes int64) ReadOption {
	return func(c *readConfig) { c.maxBuffered = bytes }
}

// Read replays partition p of shuffle and calls fn for every batch written
// by one of the committed producer attempts, and for every prefix the
// first Count batches of its attempt. Each batch is passed once, however
// often it was stored, in the order the stream has them: each producer's
// order, unless a publish was retried. The record passed to fn is valid
// only during the call unless fn retains it.
//
// Read returns nil once every batch due arrived, the first error of fn,
// or, at the end of the partition, a *MissingError naming the attempts
// whose batches or end marker are missing or whose batch is corrupt
// (errors.Is: ErrMissing, and ErrChecksum for a corrupt batch).
func Read(ctx context.Context, js jetstream.JetStream, appID string, shuffle, p int, producers []string,
	prefixes []proto.PartPrefix, fn func(arrow.RecordBatch) error, opts ...ReadOption) error {
	cfg := readConfig{maxBuffered: DefaultMaxBuffered}
	for _, o := range opts {
		o(&cfg)
	}
	subj := Subject(appID, shuffle, p)
	r := newPartition(producers, prefixes)
	if r.complete() {
		return nil
	}
	cons, err := js.OrderedConsumer(ctx, proto.ShuffleStream(appID), jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{subj},
		DeliverPolicy:  jetstream.DeliverAllPolicy,
	})
	if err != nil {
		return fmt.Errorf("shuffle: read %s: %w", subj, err)
	}
	if info := cons.CachedInfo(); info != nil && info.NumPending == 0 {
		return r.lost(subj) // nothing at all on the subject
	}
	f, err := startFeed(cons, pullBytes(cfg.maxBuffered, js.Conn().MaxPayload()))
	if err != nil {
		return fmt.Errorf("shuffle: read %s: %w", subj, err)
	}
	defer f.close()
	for !r.complete() {
		msg, err := f.next(ctx)
		if err != nil {
			return fmt.Errorf("shuffle: read %s: %w", subj, err)
		}
		if data := r.accept(msg.Headers(), msg.Data()); data != nil {
			if err := decode(data, fn); err != nil {
				return fmt.Errorf("shuffle: read %s: %w", subj, err)
			}
		}
		if md, err := msg.Metadata(); err == nil && md.NumPending == 0 {
			break // the end of the partition
		}
	}
	return r.lost(subj)
}

// pullBytes is the read-ahead for a limit asked for: at most maxPull, and
// at least two of the largest messages.
func pullBytes(limit, maxPayload int64) int {
	return int(max(min(limit, maxPull), 2*(maxPayload+headerRoom)))
}

func decode(data []byte, fn func(arrow.RecordBatch) error) error {
	rd, err := ipc.NewReader(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("decode batch: %w", err)
	}
	defer rd.Release()
	for rd.Next() {
		if err := fn(rd.RecordBatch()); err != nil {
			return err
		}
	}
	return rd.Err()
}
