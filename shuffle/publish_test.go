package shuffle

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"spindle/internal/natstest"
	"spindle/internal/proto"
)

// startWith returns a connection to a fresh server whose options opt
// changes.
func startWith(t *testing.T, opt func(*server.Options)) *nats.Conn {
	t.Helper()
	s := natstest.ServerWith(t, opt)
	nc, err := nats.Connect(s.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// writeSeq writes batches from..to-1 (one value each) to partition 0 and
// closes.
func writeSeq(ctx context.Context, w *Writer, from, to int64) error {
	for v := from; v < to; v++ {
		if err := w.Write(ctx, 0, batch(v)); err != nil {
			return err
		}
	}
	return w.Close(ctx)
}

func seqValues(from, to int64) []int64 {
	var out []int64
	for v := from; v < to; v++ {
		out = append(out, v)
	}
	return out
}

// streamMsgs is how many messages the application's stream holds.
func streamMsgs(t *testing.T, ctx context.Context, js jetstream.JetStream) uint64 {
	t.Helper()
	_, info := appStream(t, ctx, js)
	return info.State.Msgs
}

// appStream returns the application's stream and its state.
func appStream(t *testing.T, ctx context.Context, js jetstream.JetStream) (jetstream.Stream, *jetstream.StreamInfo) {
	t.Helper()
	s, err := js.Stream(ctx, proto.ShuffleStream("app1"))
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return s, info
}

// A publish that finds the client's window full for longer than its
// stall wait waits for acks and goes on, instead of failing the task.
func TestStalledPublishWaits(t *testing.T) {
	nc := natstest.Start(t)
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(1))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if err := EnsureStream(ctx, js, "app1"); err != nil {
		t.Fatal(err)
	}
	// A responder that holds the only slot of the window until the
	// Writer has stalled once.
	release := make(chan struct{})
	var once sync.Once
	t.Cleanup(func() { once.Do(func() { close(release) }) })
	if _, err := nc.Subscribe("test.slow", func(m *nats.Msg) {
		<-release
		m.Respond([]byte(`{"stream":"SLOW","seq":1}`))
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := js.PublishMsgAsync(nats.NewMsg("test.slow")); err != nil {
		t.Fatal(err)
	}
	w := NewWriter(js, "app1", 7, 1, "m0-a1")
	var stalls int
	w.onRetry = func(err error) {
		if errors.Is(err, jetstream.ErrTooManyStalledMsgs) {
			stalls++
			once.Do(func() { close(release) })
		}
	}
	if err := writeSeq(ctx, w, 1, 6); err != nil {
		t.Fatalf("write while stalled: %v", err)
	}
	if stalls == 0 {
		t.Errorf("stalls = 0, want at least 1: the test did not stall the Writer")
	}
	got, err := readAll(ctx, js, 0, "m0-a1")
	if want := seqValues(1, 6); err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("read back %v, %v; want %v", got, err, want)
	}
}

// lossyJS is a JetStream whose first fail async publishes are stored but
// report err, as when an ack is lost or the server answers busy: the
// Writer must publish them again, and the stream store them once.
type lossyJS struct {
	jetstream.JetStream
	mu   sync.Mutex // protects fail
	fail int
	err  error
}

func (j *lossyJS) PublishMsgAsync(m *nats.Msg, opts ...jetstream.PublishOpt) (jetstream.PubAckFuture, error) {
	f, err := j.JetStream.PublishMsgAsync(m, opts...)
	if err != nil {
		return nil, err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.fail == 0 {
		return f, nil
	}
	j.fail--
	select { // stored for real before the failure is reported
	case <-f.Ok():
	case err := <-f.Err():
		return nil, err
	}
	return failed{m, j.err}, nil
}

// failed is a PubAckFuture that failed with err.
type failed struct {
	msg *nats.Msg
	err error
}

func (f failed) Ok() <-chan *jetstream.PubAck { return nil }
func (f failed) Msg() *nats.Msg               { return f.msg }
func (f failed) Err() <-chan error {
	c := make(chan error, 1)
	c <- f.err
	return c
}

func TestTransientPublishFailuresAreRetried(t *testing.T) {
	busy := &jetstream.APIError{Code: 429, ErrorCode: codeTooManyRequests, Description: "too many requests"}
	for _, tt := range []struct {
		name string
		err  error
	}{
		{"ack timeout", jetstream.ErrAsyncPublishTimeout},
		{"no responders", jetstream.ErrNoStreamResponse},
		{"disconnected", nats.ErrDisconnected},
		{"server busy", busy},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx, real, _ := setup(t)
			js := &lossyJS{JetStream: real, fail: 3, err: tt.err}
			w := NewWriter(js, "app1", 7, 1, "m0-a1")
			if err := writeSeq(ctx, w, 1, 6); err != nil {
				t.Fatalf("write: %v", err)
			}
			if w.Retries != 3 {
				t.Errorf("Retries = %d, want 3", w.Retries)
			}
			if got, want := streamMsgs(t, ctx, real), uint64(6); got != want {
				t.Errorf("stream holds %d messages, want %d: re-published messages must be deduplicated", got, want)
			}
			got, err := readAll(ctx, real, 0, "m0-a1")
			if want := seqValues(1, 6); err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("read back %v, %v; want %v", got, err, want)
			}
		})
	}
}

func TestPermanentPublishFailuresFail(t *testing.T) {
	ctx, real, _ := setup(t)
	js := &lossyJS{JetStream: real, fail: 1, err: jetstream.ErrStreamMessageExceedsMaximum}
	w := NewWriter(js, "app1", 7, 1, "m0-a1")
	if err := writeSeq(ctx, w, 1, 3); !errors.Is(err, jetstream.ErrStreamMessageExceedsMaximum) {
		t.Errorf("write: err = %v, want ErrStreamMessageExceedsMaximum", err)
	}

	// No stream listening and none found: it was deleted.
	if err := real.DeleteStream(ctx, proto.ShuffleStream("app1")); err != nil {
		t.Fatal(err)
	}
	w = NewWriter(real, "app1", 7, 1, "m1-a1")
	if err := writeSeq(ctx, w, 1, 3); !errors.Is(err, jetstream.ErrStreamNotFound) {
		t.Errorf("write to a deleted stream: err = %v, want ErrStreamNotFound", err)
	}
}

func TestContextEndsRetries(t *testing.T) {
	ctx, real, _ := setup(t)
	js := &lossyJS{JetStream: real, fail: 1 << 30, err: jetstream.ErrAsyncPublishTimeout}
	ctx, cancel := context.WithCancel(ctx)
	w := NewWriter(js, "app1", 7, 1, "m0-a1")
	w.onRetry = func(error) { cancel() }
	if err := writeSeq(ctx, w, 1, 3); !errors.Is(err, context.Canceled) {
		t.Errorf("write retried after the context ended: err = %v, want context.Canceled", err)
	}
}

// Many producers at once against a server whose stream ingest queue holds
// 16 messages: the server answers "too many requests", and every producer
// still finishes with its data stored once.
func TestOverloadedServerSlowsProducers(t *testing.T) {
	ctx, js, _ := setupOn(t, startWith(t, func(o *server.Options) { o.StreamMaxBufferedMsgs = 16 }))
	const producers, batches = 4, 300
	var wg sync.WaitGroup
	errs := make([]error, producers)
	retries := make([]int64, producers)
	for i := range producers {
		wg.Go(func() {
			w := NewWriter(js, "app1", 7, 1, fmt.Sprintf("m%d-a1", i))
			errs[i] = writeSeq(ctx, w, int64(i*batches), int64((i+1)*batches))
			retries[i] = w.Retries
		})
	}
	wg.Wait()
	var names []string
	for i, err := range errs {
		if err != nil {
			t.Fatalf("producer %d: %v", i, err)
		}
		names = append(names, fmt.Sprintf("m%d-a1", i))
	}
	if slices.Max(retries) == 0 {
		t.Errorf("no producer retried: the server was not overloaded, the test proves nothing")
	}
	got, err := readAll(ctx, js, 0, names...)
	slices.Sort(got)
	if want := seqValues(0, producers*batches); err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("read back %d values, %v; want %d, each once", len(got), err, len(want))
	}
}

func TestRetryable(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want bool
	}{
		{jetstream.ErrTooManyStalledMsgs, true},
		{jetstream.ErrAsyncPublishTimeout, true},
		{jetstream.ErrNoStreamResponse, true},
		{fmt.Errorf("wrapped: %w", nats.ErrDisconnected), true},
		{errAckWait, true},
		{&jetstream.APIError{Code: 429, ErrorCode: 10167}, true},
		{&jetstream.APIError{Code: 503, ErrorCode: 10008}, true},
		{&jetstream.APIError{Code: 500, ErrorCode: 10009}, true},
		{&jetstream.APIError{Code: 503, ErrorCode: 10023}, false}, // insufficient resources
		{&jetstream.APIError{Code: 503, ErrorCode: 10077}, false}, // store failed
		{jetstream.ErrStreamNotFound, false},
		{jetstream.ErrStreamMessageExceedsMaximum, false},
		{nats.ErrMaxPayload, false},
		{nats.ErrConnectionClosed, false},
		{context.Canceled, false},
	} {
		if got := retryable(tt.err); got != tt.want {
			t.Errorf("retryable(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

func TestBackoff(t *testing.T) {
	for _, tt := range []struct {
		tries int
		r     float64
		want  time.Duration
	}{
		{1, 0, 50 * time.Millisecond},
		{2, 0, 100 * time.Millisecond},
		{6, 0, 1600 * time.Millisecond},
		{7, 0, 2 * time.Second},
		{1000, 0, 2 * time.Second},
		{1, 0.5, 45 * time.Millisecond},
	} {
		if got := backoff(tt.tries, tt.r); got != tt.want {
			t.Errorf("backoff(%d, %v) = %v, want %v", tt.tries, tt.r, got, tt.want)
		}
	}
}

// The window holds at most the bytes asked for, and always one message.
func TestWindowFits(t *testing.T) {
	msg := func(n int) *pending { return &pending{msg: &nats.Msg{Data: make([]byte, n)}} }
	var w window
	if !w.fits(100, 10) {
		t.Errorf("empty window refuses a message larger than its limit")
	}
	w.push(msg(6))
	if w.fits(5, 10) {
		t.Errorf("window of 6 bytes takes 5 more past a limit of 10")
	}
	if !w.fits(4, 10) {
		t.Errorf("window of 6 bytes refuses 4 more under a limit of 10")
	}
	for len(w.pend) < MaxPending {
		w.push(msg(0))
	}
	if w.fits(0, 1<<30) {
		t.Errorf("window of MaxPending messages takes one more")
	}
	w.pop()
	if got, want := w.bytes, 0; got != want {
		t.Errorf("bytes after popping the 6-byte message = %d, want %d", got, want)
	}
}

// A Writer never holds more unacknowledged payload than MaxUnacked.
func TestWriterBoundsUnacked(t *testing.T) {
	ctx, js, _ := setup(t)
	const limit = 1 << 20
	w := NewWriter(js, "app1", 7, 1, "m0-a1", MaxUnacked(limit))
	big := make([]int64, 100<<10/8) // 100 KiB batches
	peak := 0
	for range 40 {
		if err := w.Write(ctx, 0, batch(big...)); err != nil {
			t.Fatal(err)
		}
		peak = max(peak, w.win.bytes)
	}
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if peak > limit {
		t.Errorf("peak unacknowledged payload = %d bytes, want at most %d", peak, limit)
	}
}
