package shuffle

import (
	"bytes"
	"context"
	"fmt"
	"hash/crc32"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/nats-io/nats.go/jetstream"

	"spindle/internal/proto"
)

// Read replays partition p of shuffle and calls fn for every batch written
// by one of the committed producer attempts, in the order each producer
// wrote them, and for every prefix the first Count batches of its attempt.
// It returns once every producer's end marker was seen; a producer whose
// batches or end marker are missing is ErrMissing, a corrupt batch
// ErrChecksum. The record passed to fn is valid only during the call
// unless fn retains it.
func Read(ctx context.Context, js jetstream.JetStream, appID string, shuffle, p int, producers []string, prefixes []proto.PartPrefix, fn func(arrow.RecordBatch) error) error {
	subj := Subject(appID, shuffle, p)
	cons, err := js.OrderedConsumer(ctx, proto.ShuffleStream(appID), jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{subj},
		DeliverPolicy:  jetstream.DeliverAllPolicy,
	})
	if err != nil {
		return fmt.Errorf("shuffle: read %s: %w", subj, err)
	}
	r := &partReader{want: make(map[string]int, len(producers)), got: make(map[string]int), prefix: make(map[string]int),
		chunks: make(map[string][]byte)}
	for _, a := range producers {
		r.want[a] = -1
	}
	for _, pp := range prefixes {
		r.prefix[pp.Attempt] = pp.Count
	}
	if len(producers) == 0 {
		return nil
	}
	it, err := cons.Messages()
	if err != nil {
		return fmt.Errorf("shuffle: read %s: %w", subj, err)
	}
	defer it.Stop()
	for r.ended < len(producers) {
		msg, err := it.Next(jetstream.NextContext(ctx))
		if err != nil {
			return fmt.Errorf("shuffle: read %s: %w", subj, err)
		}
		if err := r.handle(msg, fn); err != nil {
			return fmt.Errorf("shuffle: read %s: %w", subj, err)
		}
		if md, err := msg.Metadata(); err == nil && md.NumPending == 0 && r.ended < len(producers) {
			return fmt.Errorf("%w: %s has no end marker from %d of %d producers", ErrMissing, subj, len(producers)-r.ended, len(producers))
		}
	}
	return r.check()
}

// partReader tracks one partition's replay.
type partReader struct {
	chunks map[string][]byte // attempt → pieces of a chunked batch so far
	want   map[string]int    // committed attempt → batches it announced (-1 until its end marker)
	got    map[string]int    // committed or prefix attempt → batches kept
	prefix map[string]int    // prefix attempt → batches to keep
	ended  int
}

func (r *partReader) handle(msg jetstream.Msg, fn func(arrow.RecordBatch) error) error {
	h := msg.Headers()
	attempt := h.Get(hdrAttempt)
	if n, ok := r.prefix[attempt]; ok {
		if seq, _ := strconv.Atoi(h.Get(hdrSeq)); h.Get(hdrEnd) != "" || seq > n {
			return nil // published after the checkpoint that was taken over
		}
		return r.batch(attempt, msg, fn)
	}
	if _, ok := r.want[attempt]; !ok {
		return nil // an attempt that was not committed: ignore
	}
	if end := h.Get(hdrEnd); end != "" {
		n, err := strconv.Atoi(end)
		if err != nil {
			return fmt.Errorf("bad end marker %q from %s", end, attempt)
		}
		if r.want[attempt] < 0 {
			r.ended++
		}
		r.want[attempt] = n
		return nil
	}
	return r.batch(attempt, msg, fn)
}

// batch verifies and decodes one batch of attempt, once all its chunks
// arrived.
func (r *partReader) batch(attempt string, msg jetstream.Msg, fn func(arrow.RecordBatch) error) error {
	data := msg.Data()
	if c := msg.Headers().Get(hdrChunk); c != "" {
		var i, n int
		if _, err := fmt.Sscanf(c, "%d/%d", &i, &n); err != nil || i < 1 || i > n {
			return fmt.Errorf("bad chunk header %q from %s", c, attempt)
		}
		r.chunks[attempt] = append(r.chunks[attempt], data...)
		if i < n {
			return nil
		}
		data = r.chunks[attempt]
		delete(r.chunks, attempt)
	}
	sum, err := strconv.ParseUint(msg.Headers().Get(hdrSum), 10, 32)
	if err != nil || uint32(sum) != crc32.Checksum(data, castagnoli) {
		return fmt.Errorf("%w: batch %d from %s", ErrChecksum, r.got[attempt]+1, attempt)
	}
	r.got[attempt]++
	return decode(data, fn)
}

// check verifies that every producer's and prefix's batches all arrived.
func (r *partReader) check() error {
	for _, want := range []map[string]int{r.want, r.prefix} {
		for a, n := range want {
			if r.got[a] != n {
				return fmt.Errorf("%w: %d of %d batches from %s", ErrMissing, r.got[a], n, a)
			}
		}
	}
	return nil
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
