package shuffle

import (
	"bytes"
	"context"
	"fmt"
	"hash/crc32"
	"slices"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// MaxPending is how many published batches a Writer may have
// unacknowledged; PublishMsgAsync blocks past it.
const MaxPending = 64

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Writer publishes one producer attempt's batches. It is not safe for
// concurrent use.
type Writer struct {
	js      jetstream.JetStream
	appID   string
	shuffle int
	attempt string
	sent    []int // batches sent per partition
	acks    []jetstream.PubAckFuture
	buf     bytes.Buffer
	Bytes   int64 // payload bytes published so far
}

// NewWriter returns a Writer for attempt of a task writing shuffle with
// the given number of partitions. js should be made with
// jetstream.WithPublishAsyncMaxPending(MaxPending).
func NewWriter(js jetstream.JetStream, appID string, shuffle, partitions int, attempt string) *Writer {
	return &Writer{js: js, appID: appID, shuffle: shuffle, attempt: attempt, sent: make([]int, partitions)}
}

// Write publishes rec to partition p. Callers size batches in bytes well
// under the server's max payload; a batch that encodes larger (a single
// huge value) is cut into chunks the reader puts back together.
func (w *Writer) Write(ctx context.Context, p int, rec arrow.RecordBatch) error {
	w.buf.Reset()
	iw := ipc.NewWriter(&w.buf, ipc.WithSchema(rec.Schema()))
	if err := iw.Write(rec); err != nil {
		return fmt.Errorf("shuffle: encode batch: %w", err)
	}
	if err := iw.Close(); err != nil {
		return fmt.Errorf("shuffle: encode batch: %w", err)
	}
	data := bytes.Clone(w.buf.Bytes())
	sum := strconv.FormatUint(uint64(crc32.Checksum(data, castagnoli)), 10)
	w.sent[p]++
	w.Bytes += int64(len(data))
	chunks := split(data, w.chunkSize())
	for i, c := range chunks {
		msg := w.msg(p, c)
		msg.Header.Set(hdrSum, sum)
		msg.Header.Set(hdrSeq, strconv.Itoa(w.sent[p]))
		if len(chunks) > 1 {
			msg.Header.Set(hdrChunk, strconv.Itoa(i+1)+"/"+strconv.Itoa(len(chunks)))
		}
		if err := w.publish(ctx, msg); err != nil {
			return err
		}
	}
	return nil
}

// chunkSize is the most data one message carries: the server's max
// payload, less room for headers.
func (w *Writer) chunkSize() int {
	return max(int(w.js.Conn().MaxPayload())-headerRoom, 1<<10)
}

// headerRoom is what a message's headers and subject may take.
const headerRoom = 4 << 10

// split cuts data into pieces of at most n bytes.
func split(data []byte, n int) [][]byte {
	var out [][]byte
	for len(data) > n {
		out = append(out, data[:n])
		data = data[n:]
	}
	return append(out, data)
}

func (w *Writer) msg(p int, data []byte) *nats.Msg {
	m := nats.NewMsg(Subject(w.appID, w.shuffle, p))
	m.Data = data
	m.Header.Set(hdrAttempt, w.attempt)
	return m
}

func (w *Writer) publish(ctx context.Context, m *nats.Msg) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f, err := w.js.PublishMsgAsync(m)
	if err != nil {
		return fmt.Errorf("shuffle: publish to %s: %w", m.Subject, err)
	}
	w.acks = append(w.acks, f)
	if len(w.acks) >= 4*MaxPending {
		return w.settle(ctx)
	}
	return nil
}

// Sync waits until every batch written so far is stored, and returns how
// many batches each partition has: a checkpoint's record of what this
// attempt published.
func (w *Writer) Sync(ctx context.Context) ([]int, error) {
	if err := w.settle(ctx); err != nil {
		return nil, err
	}
	return slices.Clone(w.sent), nil
}

// settle waits for every outstanding ack and fails on the first error.
func (w *Writer) settle(ctx context.Context) error {
	for _, f := range w.acks {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			return fmt.Errorf("shuffle: publish to %s: %w", f.Msg().Subject, err)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	w.acks = w.acks[:0]
	return nil
}

// Close publishes the end marker of every partition and waits until the
// server has stored everything. Only after Close returns nil may the
// attempt be reported as succeeded.
func (w *Writer) Close(ctx context.Context) error {
	for p, n := range w.sent {
		m := w.msg(p, nil)
		m.Header.Set(hdrEnd, strconv.Itoa(n))
		if err := w.publish(ctx, m); err != nil {
			return err
		}
	}
	return w.settle(ctx)
}
