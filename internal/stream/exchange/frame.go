package exchange

import (
	"encoding/binary"
	"errors"
	"strconv"
	"time"
)

// Kind is what a frame carries.
type Kind uint8

// Frame kinds.
const (
	Data      Kind = iota + 1 // Payload: opaque bytes (an Arrow IPC batch)
	Watermark                 // Value: event-time watermark, ms
	Barrier                   // Value: checkpoint ID
	End                       // the producer's stream ended: its channel's last frame
	Idle                      // Value 1: the producer is idle, 0: active again
)

// Frame is one message of a channel.
type Frame struct {
	Input   int // the receiver's input (edge) it came on
	From    int // producer index on that edge
	Kind    Kind
	Value   int64
	Payload []byte // the caller's after Next returns
	seq     uint64
}

// Edge is one pipelined edge of one execution.
type Edge struct {
	Subject   string // unique prefix for (application, epoch, edge)
	Producers int
	Consumers int
}

// Options tune an edge's flow control.
type Options struct {
	Window   int           // frames in flight per channel; default 8
	Announce time.Duration // how often a receiver repeats its grants; default 100 ms
}

func (o Options) withDefaults() Options {
	if o.Window <= 0 {
		o.Window = 8
	}
	if o.Announce <= 0 {
		o.Announce = 100 * time.Millisecond
	}
	return o
}

// Errors.
var (
	ErrGap      = errors.New("exchange: frame lost or out of order")
	ErrTooLarge = errors.New("exchange: frame larger than the server's max payload")
	ErrClosed   = errors.New("exchange: closed")
)

const headerSize = 1 + 4 + 8 + 8

func putHeader(b []byte, k Kind, from int, seq uint64, v int64) {
	b[0] = byte(k)
	binary.LittleEndian.PutUint32(b[1:], uint32(from))
	binary.LittleEndian.PutUint64(b[5:], seq)
	binary.LittleEndian.PutUint64(b[13:], uint64(v))
}

func dataSubject(e Edge, consumer int) string { return e.Subject + ".d." + strconv.Itoa(consumer) }
func creditSubject(e Edge, producer int) string {
	return e.Subject + ".c." + strconv.Itoa(producer)
}
