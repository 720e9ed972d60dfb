package sdk

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"spindle/dataflow"
	"spindle/internal/stream/evtime"
	"spindle/internal/stream/state"
)

// JetStreamSource describes a JetStream stream read as a stream of
// records.
//
// Every subtask reads the whole stream with an ordered consumer (an
// ephemeral, unacknowledged one: the job keeps its position itself) and
// keeps the messages whose stream sequence s has s mod p = its index, so
// that the subtasks move through the stream together and each sees its
// messages in stream order. The price is that the stream crosses the
// network p times; measured on one machine an ordered consumer with the
// client's defaults took 1.5–1.8 GB/s of 64–256 KiB messages but only
// about 0.1 GB/s of 1 MiB ones, so keep messages well below 1 MiB.
//
// A checkpoint saves the last sequence the subtask passed; a restored
// subtask starts its consumer at the one after (DeliverByStartSequence),
// so each message is emitted once. Messages the stream no longer holds
// (removed by its limits) are skipped.
type JetStreamSource[T any] struct {
	// Subjects, if any, filter the stream's messages (wildcards allowed).
	Subjects []string
	// Decode turns a message's data into a record and its event time in
	// ms since the Unix epoch. Nil takes, for a source of string or
	// []byte, the data as the record and the time the stream stored the
	// message as its event time.
	Decode func(data []byte) (T, int64, error)
	// OutOfOrder bounds how far event times may go backwards in the
	// stream: the watermark is the latest event time seen minus
	// OutOfOrder.
	OutOfOrder time.Duration
	// StopAtEnd makes the source bounded: it ends after the last message
	// the stream held when the job started (for tests and backfills). Each
	// subtask reads that sequence when it first starts and keeps it in its
	// checkpoints; a subtask restored from none reads it again.
	// Without it the source waits for new messages; after DefaultIdleAfter
	// without one it is idle and does not hold back the watermark.
	StopAtEnd bool
	// Rate is how many messages per second all subtasks together take; 0
	// means as fast as the job takes them.
	Rate float64
	// SkipBad counts and skips messages that Decode rejects; without it
	// the first one fails the job.
	SkipBad bool
}

// ReadJetStream is a streaming source of the messages of a JetStream
// stream (see JetStreamSource).
func ReadJetStream[T any](p *Pipeline, name, stream string, c JetStreamSource[T]) Dataset[T] {
	if stream == "" {
		p.fail(Usagef("step %q: no JetStream stream given", name))
	}
	if c.Rate < 0 || c.OutOfOrder < 0 {
		p.fail(Usagef("step %q: Rate and OutOfOrder must not be negative", name))
	}
	decode := jsDecoder(c.Decode)
	if decode == nil {
		p.fail(Usagef("step %q: a JetStream source of %T records needs a Decode function", name, *new(T)))
	}
	return add[T](p, name, "ReadJetStream", dataflow.KindSource, &jsSourceOp[T]{stream: stream, c: c, decode: decode})
}

// jsDecoder returns how a message becomes a record.
func jsDecoder[T any](decode func([]byte) (T, int64, error)) func(jetstream.Msg) (T, int64, error) {
	if decode != nil {
		return func(m jetstream.Msg) (T, int64, error) { return decode(m.Data()) }
	}
	stamp := func(m jetstream.Msg) int64 {
		if md, err := m.Metadata(); err == nil {
			return md.Timestamp.UnixMilli()
		}
		return 0
	}
	var raw any
	switch any(*new(T)).(type) {
	case string:
		raw = func(m jetstream.Msg) (string, int64, error) { return string(m.Data()), stamp(m), nil }
	case []byte:
		raw = func(m jetstream.Msg) ([]byte, int64, error) { return m.Data(), stamp(m), nil }
	}
	f, _ := raw.(func(jetstream.Msg) (T, int64, error))
	return f
}

type jsSourceOp[T any] struct {
	stream string
	c      JetStreamSource[T]
	decode func(jetstream.Msg) (T, int64, error)
}

// jsPos is a JetStream subtask's saved position.
type jsPos struct {
	Last uint64 // the last stream sequence passed (0: none)
	End  uint64 // with StopAtEnd: the last sequence to read
	Bad  int64  // messages skipped
}

// jsBuffer is how many messages a subtask's reader holds ahead.
const jsBuffer = 1024

func (op *jsSourceOp[T]) openStream(sc *subtask, emit any) (streamSource, error) {
	pos, err := state.NewTable[string, jsPos](sc.state, "source")
	if err != nil {
		return nil, err
	}
	at, saved, err := pos.Get("next")
	if err != nil {
		return nil, err
	}
	s := &jsRun[T]{op: op, sc: sc, emit: emit.(func(T)), pos: pos, at: at, index: uint64(sc.dep.Index),
		step: uint64(sc.dep.Parallelism), wm: evtime.NewBoundedOutOfOrder(op.c.OutOfOrder), start: sc.now()}
	s.wm.Touch(s.start)
	if op.c.StopAtEnd && !saved {
		if s.at.End, err = op.lastSeq(sc.ctx, sc.env.JS); err != nil {
			return nil, err
		}
	}
	if op.c.StopAtEnd && s.at.Last >= s.at.End {
		s.done = true
		return s, nil
	}
	return s, s.startReader()
}

// lastSeq is the stream's last sequence now.
func (op *jsSourceOp[T]) lastSeq(ctx context.Context, js jetstream.JetStream) (uint64, error) {
	st, err := js.Stream(ctx, op.stream)
	if err != nil {
		return 0, fmt.Errorf("read stream %q: %w", op.stream, err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("read stream %q: %w", op.stream, err)
	}
	return info.State.LastSeq, nil
}

// jsRun is a JetStream source's subtask. Its reader goroutine, started by
// startReader and stopped by close, feeds msgs.
type jsRun[T any] struct {
	op    *jsSourceOp[T]
	sc    *subtask
	emit  func(T)
	pos   *state.Table[string, jsPos]
	at    jsPos
	index uint64
	step  uint64
	wm    *evtime.BoundedOutOfOrder
	done  bool
	start time.Time // rate limiting counts from here
	sent  int64

	msgs   chan jetstream.Msg // closed by the reader when it stops
	rerr   error              // why the reader stopped; read after msgs closed
	stop   context.CancelFunc
	exited chan struct{}
}

func (s *jsRun[T]) startReader() error {
	ctx, cancel := context.WithCancel(s.sc.ctx)
	cfg := jetstream.OrderedConsumerConfig{FilterSubjects: s.op.c.Subjects, DeliverPolicy: jetstream.DeliverAllPolicy}
	if s.at.Last > 0 {
		cfg.DeliverPolicy, cfg.OptStartSeq = jetstream.DeliverByStartSequencePolicy, s.at.Last+1
	}
	cons, err := s.sc.env.JS.OrderedConsumer(ctx, s.op.stream, cfg)
	if err != nil {
		cancel()
		return fmt.Errorf("read stream %q: %w", s.op.stream, err)
	}
	if s.op.c.StopAtEnd && cons.CachedInfo().NumPending == 0 {
		cancel() // nothing the filter takes is left
		s.done = true
		return nil
	}
	it, err := cons.Messages()
	if err != nil {
		cancel()
		return fmt.Errorf("read stream %q: %w", s.op.stream, err)
	}
	s.msgs, s.stop, s.exited = make(chan jetstream.Msg, jsBuffer), cancel, make(chan struct{})
	go s.read(ctx, it)
	return nil
}

// read moves messages from the consumer to msgs until ctx ends or the
// consumer fails.
func (s *jsRun[T]) read(ctx context.Context, it jetstream.MessagesContext) {
	defer close(s.exited)
	defer close(s.msgs)
	go func() { <-ctx.Done(); it.Stop() }()
	for {
		m, err := it.Next()
		if err != nil {
			if ctx.Err() == nil {
				s.rerr = fmt.Errorf("read stream %q: %w", s.op.stream, err)
			}
			return
		}
		select {
		case s.msgs <- m:
		case <-ctx.Done():
			return
		}
	}
}

func (s *jsRun[T]) close() {
	if s.stop != nil {
		s.stop()
		<-s.exited
		s.stop = nil
	}
}

func (s *jsRun[T]) poll(max int) (bool, time.Duration, error) {
	if s.done {
		return true, 0, nil
	}
	if rate := s.op.c.Rate; rate > 0 {
		due := s.start.Add(time.Duration(float64(s.sent) / (rate / float64(s.step)) * float64(time.Second)))
		if wait := due.Sub(s.sc.now()); wait > 0 {
			return false, wait, nil
		}
		max = min(max, 64)
	}
	for n := 0; n < max; n++ {
		var m jetstream.Msg
		var ok bool
		select {
		case m, ok = <-s.msgs:
		default:
			if n == 0 {
				return false, 20 * time.Millisecond, nil // nothing yet: wait (checkpoints go on)
			}
			return false, 0, nil
		}
		if !ok {
			if s.rerr == nil {
				s.rerr = s.sc.ctx.Err()
			}
			return false, 0, s.rerr
		}
		if err := s.take(m); err != nil || s.done {
			s.close()
			return s.done, 0, err
		}
	}
	return false, 0, nil
}

// take processes one message: emitted if it is this subtask's.
func (s *jsRun[T]) take(m jetstream.Msg) error {
	md, err := m.Metadata()
	if err != nil {
		return fmt.Errorf("read stream %q: %w", s.op.stream, err)
	}
	seq := md.Sequence.Stream
	if seq <= s.at.Last {
		return nil // a redelivery after the ordered consumer reset
	}
	if s.op.c.StopAtEnd && seq > s.at.End {
		s.done = true
		return nil
	}
	s.at.Last = seq
	s.done = s.op.c.StopAtEnd && (seq >= s.at.End || md.NumPending == 0)
	if seq%s.step != s.index {
		return nil
	}
	v, ts, err := s.op.decode(m)
	if err != nil {
		if s.op.c.SkipBad {
			s.at.Bad++
			return nil
		}
		return badInput(fmt.Errorf("stream %s, sequence %d: %w", s.op.stream, seq, err))
	}
	s.wm.ObserveAt(ts, s.sc.now())
	s.sc.ts = ts
	s.sc.m.in++
	s.emit(v)
	s.sent++
	return nil
}

func (s *jsRun[T]) watermark() int64 {
	if s.done {
		return evtime.MaxTime
	}
	return s.wm.Current()
}

func (s *jsRun[T]) idle(now time.Time, after time.Duration) bool { return s.wm.Idle(now, after) }

func (s *jsRun[T]) save() error { return s.pos.Put("next", s.at) }
