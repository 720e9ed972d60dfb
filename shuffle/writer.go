package shuffle

import (
	"bytes"
	"context"
	"fmt"
	"hash/crc32"
	"slices"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// MaxPending is how many published messages a Writer may have
// unacknowledged; the js a Writer is given should be made with
// jetstream.WithPublishAsyncMaxPending(MaxPending).
const MaxPending = 64

// DefaultMaxUnacked is how many bytes of published payload a Writer holds
// until the server acknowledges them, unless MaxUnacked says otherwise.
// BenchmarkWrite (2 cores, embedded server, 256 KiB batches): 1 MiB
// publishes about 535 MB/s, 2 MiB 850, 4 and 8 MiB 900, 16 MiB 955.
const DefaultMaxUnacked = 8 << 20

// AckWait is how long a Writer waits for the ack of one message before it
// publishes the message again (the server may have lost it, or its reply).
const AckWait = 10 * time.Second

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Writer publishes one producer attempt's batches. It is not safe for
// concurrent use.
//
// Memory: a Writer holds at most MaxUnacked bytes of payload that the
// server has not acknowledged yet (DefaultMaxUnacked, 8 MiB; a single
// larger message is let through alone) in at most MaxPending messages, plus
// an encoding buffer as large as its largest batch; a task counts both
// against its memory.
//
// Overload slows a Writer down, it never fails it: when the window is
// full it waits for acks; a publish that times out, finds no stream
// listening or gets a transient server error (too many requests, no
// leader) is published again with backoff, under the same message ID so
// that the stream stores it once. Only the end of ctx or a permanent error
// (the stream deleted, a message too large, the connection closed) makes
// Write, Sync or Close fail.
type Writer struct {
	js         jetstream.JetStream
	appID      string
	shuffle    int
	attempt    string
	sent       []int // batches sent per partition
	maxUnacked int
	win        window
	buf        bytes.Buffer // encodes one batch at a time
	ackWait    time.Duration
	onRetry    func(error) // called before each retry; tests hook it
	calm       time.Time   // when the last backoff ended
	streak     int         // backoffs since a message published after one was acknowledged

	Bytes   int64 // payload bytes published so far
	Retries int64 // publishes tried again after a stall or a transient failure
}

// WriterOption configures a Writer.
type WriterOption func(*Writer)

// MaxUnacked bounds the payload bytes a Writer holds until they are
// acknowledged (at least one message is always allowed).
func MaxUnacked(bytes int64) WriterOption {
	return func(w *Writer) { w.maxUnacked = int(max(bytes, 1)) }
}

// NewWriter returns a Writer for attempt of a task writing shuffle with
// the given number of partitions. js should be made with
// jetstream.WithPublishAsyncMaxPending(MaxPending).
func NewWriter(js jetstream.JetStream, appID string, shuffle, partitions int, attempt string, opts ...WriterOption) *Writer {
	w := &Writer{js: js, appID: appID, shuffle: shuffle, attempt: attempt, sent: make([]int, partitions),
		maxUnacked: DefaultMaxUnacked, ackWait: AckWait, onRetry: func(error) {}}
	for _, o := range opts {
		o(w)
	}
	return w
}

// Write publishes rec to partition p. Callers size batches in bytes well
// under the server's max payload; a batch that encodes larger (a single
// huge value) is cut into chunks the reader puts back together. Write may
// block while the server is slow; it returns once the batch is handed to
// the client, not stored (see Sync).
func (w *Writer) Write(ctx context.Context, p int, rec arrow.RecordBatch) error {
	w.buf.Reset()
	iw := ipc.NewWriter(&w.buf, ipc.WithSchema(rec.Schema()))
	if err := iw.Write(rec); err != nil {
		return fmt.Errorf("shuffle: encode batch: %w", err)
	}
	if err := iw.Close(); err != nil {
		return fmt.Errorf("shuffle: encode batch: %w", err)
	}
	data := bytes.Clone(w.buf.Bytes()) // exactly its size: held until acked
	sum := strconv.FormatUint(uint64(crc32.Checksum(data, castagnoli)), 10)
	w.sent[p]++
	seq := w.sent[p]
	w.Bytes += int64(len(data))
	chunks := split(data, w.chunkSize())
	for i, c := range chunks {
		msg := w.msg(p, seq, i+1, c)
		msg.Header.Set(hdrSum, sum)
		msg.Header.Set(hdrSeq, strconv.Itoa(seq))
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

// msg is chunk of batch seq (seq 0: the end marker) to partition p.
func (w *Writer) msg(p, seq, chunk int, data []byte) *nats.Msg {
	m := nats.NewMsg(Subject(w.appID, w.shuffle, p))
	m.Data = data
	m.Header.Set(hdrAttempt, w.attempt)
	m.Header.Set(jetstream.MsgIDHeader, msgID(w.attempt, w.shuffle, p, seq, chunk))
	return m
}

// Sync waits until every batch written so far is stored, and returns how
// many batches each partition has: a checkpoint's record of what this
// attempt published.
func (w *Writer) Sync(ctx context.Context) ([]int, error) {
	if err := w.settleAll(ctx); err != nil {
		return nil, err
	}
	return slices.Clone(w.sent), nil
}

// Close publishes the end marker of every partition and waits until the
// server has stored everything. Only after Close returns nil may the
// attempt be reported as succeeded.
func (w *Writer) Close(ctx context.Context) error {
	for p, n := range w.sent {
		m := w.msg(p, 0, 0, nil)
		m.Header.Set(hdrEnd, strconv.Itoa(n))
		if err := w.publish(ctx, m); err != nil {
			return err
		}
	}
	return w.settleAll(ctx)
}
