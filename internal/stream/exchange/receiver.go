package exchange

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
)

// Input is one edge a receiver consumes, as consumer index.
type Input struct{ Edge Edge }

// channel is one producer's frames at this receiver.
type channel struct {
	input, from int
	queue       []Frame
	recv        uint64 // last seq received
	delivered   uint64
	announced   uint64 // limit last published
	blocked     bool
	ended       bool
}

// Receiver is one consumer's side of its input edges. Next, TryNext,
// Block and Unblock are for one goroutine; Close may be called from any.
type Receiver struct {
	nc     *nats.Conn
	inputs []Input
	index  int
	o      Options
	subs   []*nats.Subscription
	wake   chan struct{}
	stop   chan struct{}
	wg     sync.WaitGroup

	mu     sync.Mutex // protects the fields below
	chans  []*channel // by input, then producer
	base   []int
	next   int // round-robin position
	err    error
	ended  int
	closed bool
	frames int64
	bytes  int64
}

// ReceiverStats are cumulative.
type ReceiverStats struct {
	Frames, Bytes int64
	Queued        int
}

// NewReceiver starts consumer index of every input.
func NewReceiver(nc *nats.Conn, inputs []Input, index int, o Options) (*Receiver, error) {
	r := &Receiver{nc: nc, inputs: inputs, index: index, o: o.withDefaults(), wake: make(chan struct{}, 1), stop: make(chan struct{})}
	for i, in := range inputs {
		r.base = append(r.base, len(r.chans))
		for p := range in.Edge.Producers {
			r.chans = append(r.chans, &channel{input: i, from: p})
		}
	}
	for i, in := range inputs {
		sub, err := nc.Subscribe(dataSubject(in.Edge, index), func(m *nats.Msg) { r.onData(i, m) })
		if err != nil {
			r.Close()
			return nil, fmt.Errorf("exchange: %w", err)
		}
		sub.SetPendingLimits(-1, -1) // credits bound what is in flight
		r.subs = append(r.subs, sub)
	}
	if err := nc.Flush(); err != nil {
		r.Close()
		return nil, fmt.Errorf("exchange: %w", err)
	}
	r.announceAll()
	r.wg.Go(r.announcer)
	return r, nil
}

func (r *Receiver) onData(input int, m *nats.Msg) {
	d := m.Data
	if len(d) < headerSize {
		return
	}
	k, from := Kind(d[0]), int(binary.LittleEndian.Uint32(d[1:]))
	seq, v := binary.LittleEndian.Uint64(d[5:]), int64(binary.LittleEndian.Uint64(d[13:]))
	r.mu.Lock()
	defer r.mu.Unlock()
	if from < 0 || from >= r.inputs[input].Edge.Producers || r.err != nil {
		return
	}
	c := r.chans[r.base[input]+from]
	if seq != c.recv+1 || seq > c.delivered+uint64(r.o.Window) {
		r.err = fmt.Errorf("%w: input %d producer %d: expected seq %d, got %d", ErrGap, input, from, c.recv+1, seq)
	} else {
		c.recv = seq
		c.queue = append(c.queue, Frame{Input: input, From: from, Kind: k, Value: v, Payload: d[headerSize:], seq: seq})
	}
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// TryNext returns a frame if one is ready, without waiting.
func (r *Receiver) TryNext() (Frame, bool, error) {
	r.mu.Lock()
	f, ok, err := r.popLocked()
	r.mu.Unlock()
	if ok {
		r.grant(f)
	}
	return f, ok, err
}

// Next returns the next frame of an unblocked channel, in each channel's
// order, round-robin across channels; io.EOF once every channel ended.
func (r *Receiver) Next(ctx context.Context) (Frame, error) {
	for {
		f, ok, err := r.TryNext()
		if ok || err != nil {
			return f, err
		}
		select {
		case <-r.wake:
		case <-ctx.Done():
			return Frame{}, ctx.Err()
		case <-r.stop:
			return Frame{}, ErrClosed
		}
	}
}

func (r *Receiver) popLocked() (Frame, bool, error) {
	if r.closed {
		return Frame{}, false, ErrClosed
	}
	if r.err != nil {
		return Frame{}, false, r.err
	}
	n := len(r.chans)
	for i := range n {
		c := r.chans[(r.next+i)%n]
		if c.blocked || len(c.queue) == 0 {
			continue
		}
		r.next = (r.next + i + 1) % n
		f := c.queue[0]
		c.queue[0] = Frame{}
		c.queue = c.queue[1:]
		c.delivered++
		if f.Kind == End {
			c.ended = true
			r.ended++
		}
		r.frames++
		r.bytes += int64(len(f.Payload))
		return f, true, nil
	}
	if r.ended == n {
		return Frame{}, false, io.EOF
	}
	return Frame{}, false, nil
}

// grant publishes more credit for f's channel once half a window accrued.
func (r *Receiver) grant(f Frame) {
	r.mu.Lock()
	c := r.chans[r.base[f.Input]+f.From]
	limit := c.delivered + uint64(r.o.Window)
	due := limit-c.announced >= uint64(max(r.o.Window/2, 1))
	if due {
		c.announced = limit
	}
	r.mu.Unlock()
	if due {
		r.publishGrant(f.Input, f.From, limit)
	}
}

func (r *Receiver) publishGrant(input, from int, limit uint64) {
	var b [12]byte
	binary.LittleEndian.PutUint32(b[:], uint32(r.index))
	binary.LittleEndian.PutUint64(b[4:], limit)
	r.nc.Publish(creditSubject(r.inputs[input].Edge, from), b[:])
}

func (r *Receiver) announceAll() {
	r.mu.Lock()
	type g struct {
		in, from int
		limit    uint64
	}
	var gs []g
	for _, c := range r.chans {
		limit := c.delivered + uint64(r.o.Window)
		c.announced = max(c.announced, limit)
		gs = append(gs, g{c.input, c.from, limit})
	}
	r.mu.Unlock()
	for _, x := range gs {
		r.publishGrant(x.in, x.from, x.limit)
	}
}

func (r *Receiver) announcer() {
	t := time.NewTicker(r.o.Announce)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			r.announceAll()
		case <-r.stop:
			return
		}
	}
}

// Block holds back channel (input, from): its frames stay queued, at most
// a window of them, since no credit is granted for it meanwhile.
func (r *Receiver) Block(input, from int) { r.setBlocked(input, from, true) }

// Unblock releases a blocked channel.
func (r *Receiver) Unblock(input, from int) { r.setBlocked(input, from, false) }

// UnblockAll releases every channel.
func (r *Receiver) UnblockAll() {
	r.mu.Lock()
	for _, c := range r.chans {
		c.blocked = false
	}
	r.mu.Unlock()
}

func (r *Receiver) setBlocked(input, from int, b bool) {
	r.mu.Lock()
	r.chans[r.base[input]+from].blocked = b
	r.mu.Unlock()
}

// Stats returns the cumulative counts and the frames queued now.
func (r *Receiver) Stats() ReceiverStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := ReceiverStats{Frames: r.frames, Bytes: r.bytes}
	for _, c := range r.chans {
		s.Queued += len(c.queue)
	}
	return s
}

// Close stops the receiver; it is idempotent.
func (r *Receiver) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	r.mu.Unlock()
	close(r.stop)
	for _, s := range r.subs {
		s.Unsubscribe()
	}
	r.wg.Wait()
	return nil
}
