package exchange

import (
	"context"
	"encoding/binary"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
)

// Sender is one producer's side of an edge. Send and SendAll are for one
// goroutine; Stats and Close may be called from any.
type Sender struct {
	nc    *nats.Conn
	e     Edge
	index int
	sub   *nats.Subscription
	wake  chan struct{}
	buf   []byte
	max   int

	mu     sync.Mutex // protects the fields below
	sent   []uint64
	limit  []uint64
	closed bool
	stats  SenderStats
}

// SenderStats are cumulative.
type SenderStats struct {
	Frames      int64
	Bytes       int64
	BlockedTime time.Duration // waiting for credit: back-pressure
}

// NewSender starts producer index of e.
func NewSender(nc *nats.Conn, e Edge, index int, o Options) (*Sender, error) {
	s := &Sender{nc: nc, e: e, index: index, wake: make(chan struct{}, 1),
		sent: make([]uint64, e.Consumers), limit: make([]uint64, e.Consumers), max: int(nc.MaxPayload()) - headerSize - 512}
	sub, err := nc.Subscribe(creditSubject(e, index), s.onCredit)
	if err != nil {
		return nil, fmt.Errorf("exchange: %w", err)
	}
	s.sub = sub
	return s, nc.Flush()
}

func (s *Sender) onCredit(m *nats.Msg) {
	if len(m.Data) != 12 {
		return
	}
	c, lim := int(binary.LittleEndian.Uint32(m.Data)), binary.LittleEndian.Uint64(m.Data[4:])
	s.mu.Lock()
	if c >= 0 && c < len(s.limit) && lim > s.limit[c] {
		s.limit[c] = lim
	}
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Send sends one frame to consumer to, waiting for credit; it never drops.
func (s *Sender) Send(ctx context.Context, to int, k Kind, value int64, payload []byte) error {
	if len(payload) > s.max {
		return fmt.Errorf("%w: %d bytes", ErrTooLarge, len(payload))
	}
	var waited time.Time
	for {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return ErrClosed
		}
		if s.sent[to] < s.limit[to] {
			s.sent[to]++
			seq := s.sent[to]
			s.stats.Frames++
			s.stats.Bytes += int64(len(payload))
			if !waited.IsZero() {
				s.stats.BlockedTime += time.Since(waited)
			}
			s.mu.Unlock()
			return s.publish(to, k, seq, value, payload)
		}
		s.mu.Unlock()
		if waited.IsZero() {
			waited = time.Now()
		}
		select {
		case <-s.wake:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (s *Sender) publish(to int, k Kind, seq uint64, v int64, payload []byte) error {
	n := headerSize + len(payload)
	if cap(s.buf) < n {
		s.buf = make([]byte, n)
	}
	b := s.buf[:n]
	putHeader(b, k, s.index, seq, v)
	copy(b[headerSize:], payload)
	if err := s.nc.Publish(dataSubject(s.e, to), b); err != nil {
		return fmt.Errorf("exchange: %w", err)
	}
	return nil
}

// SendAll sends a control frame to every consumer, after what each was
// sent before.
func (s *Sender) SendAll(ctx context.Context, k Kind, value int64) error {
	for c := range s.e.Consumers {
		if err := s.Send(ctx, c, k, value, nil); err != nil {
			return err
		}
	}
	return nil
}

// Stats returns the cumulative counts.
func (s *Sender) Stats() SenderStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// Close stops the sender; a Send waiting for credit returns ErrClosed.
func (s *Sender) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
	return s.sub.Unsubscribe()
}
