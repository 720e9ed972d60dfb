package shuffle

import (
	"context"
	"errors"

	"github.com/nats-io/nats.go/jetstream"
)

// feed hands a consumer's messages to Read one at a time. The consumer's
// handler blocks until Read takes the message, and the client counts a
// message against the pull budget until its handler returns, so what the
// client holds is at most the budget, plus the message Read works on.
// (Consumer.Messages would do the same, but with a byte budget it
// allocates a channel of a million messages, 8 MB, per read.)
//
// The consumer's handler runs on the subscription's goroutine, owned by
// the client; close makes it return at once.
type feed struct {
	cc   jetstream.ConsumeContext
	msgs chan jetstream.Msg
	errs chan error // the first error that ends the consumer
	stop chan struct{}
}

func startFeed(cons jetstream.Consumer, maxBytes int) (*feed, error) {
	f := &feed{msgs: make(chan jetstream.Msg), errs: make(chan error, 1), stop: make(chan struct{})}
	cc, err := cons.Consume(f.handle, jetstream.PullMaxBytes(maxBytes), jetstream.ConsumeErrHandler(f.fail))
	if err != nil {
		return nil, err
	}
	f.cc = cc
	return f, nil
}

func (f *feed) handle(m jetstream.Msg) {
	select {
	case f.msgs <- m:
	case <-f.stop:
	}
}

// fail keeps an error that ends the consumer; an ordered consumer
// recovers from the others (missed heartbeats, a deleted consumer, a
// reconnect) by itself. It must not block: the client holds a lock.
func (f *feed) fail(_ jetstream.ConsumeContext, err error) {
	if errors.Is(err, jetstream.ErrConnectionClosed) {
		select {
		case f.errs <- err:
		default:
		}
	}
}

// next returns the next message, waiting until one comes, the consumer
// fails or ctx ends.
func (f *feed) next(ctx context.Context) (jetstream.Msg, error) {
	select {
	case m := <-f.msgs:
		return m, nil
	case err := <-f.errs:
		return nil, err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// close stops the consumer; no handler blocks after it.
func (f *feed) close() {
	close(f.stop)
	f.cc.Stop()
}
