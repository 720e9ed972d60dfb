package shuffle

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"spindle/internal/proto"
	"spindle/internal/retry"
)

// errAckWait is a message whose ack did not come within the Writer's ack
// wait.
var errAckWait = errors.New("shuffle: no ack within the ack wait")

// pending is one published message waiting for its ack.
type pending struct {
	msg  *nats.Msg
	fut  jetstream.PubAckFuture
	sent time.Time // when fut was published
}

// window is a Writer's published, unacknowledged messages, oldest first,
// and the payload bytes they hold.
type window struct {
	pend  []*pending
	bytes int
}

// fits reports whether a message of n bytes may join the window: always
// when it is empty, else while it holds fewer than MaxPending messages
// and limit bytes with it.
func (w *window) fits(n, limit int) bool {
	return len(w.pend) == 0 || len(w.pend) < MaxPending && w.bytes+n <= limit
}

func (w *window) push(p *pending) {
	w.pend = append(w.pend, p)
	w.bytes += len(p.msg.Data)
}

func (w *window) pop() {
	w.bytes -= len(w.pend[0].msg.Data)
	w.pend[0] = nil
	w.pend = w.pend[1:]
}

// publish hands m to the client once the window has room for it.
func (w *Writer) publish(ctx context.Context, m *nats.Msg) error {
	for !w.win.fits(len(m.Data), w.maxUnacked) {
		if err := w.settleOldest(ctx); err != nil {
			return err
		}
	}
	p := &pending{msg: m}
	if err := w.send(ctx, p); err != nil {
		return err
	}
	w.win.push(p)
	return nil
}

// settleAll waits until every message in the window is stored.
func (w *Writer) settleAll(ctx context.Context) error {
	for len(w.win.pend) > 0 {
		if err := w.settleOldest(ctx); err != nil {
			return err
		}
	}
	return nil
}

// settleOldest waits until the oldest message of the window is stored,
// publishing it again after a transient failure, and drops it.
func (w *Writer) settleOldest(ctx context.Context) error {
	p := w.win.pend[0]
	for {
		err := w.await(ctx, p)
		if err == nil {
			if p.sent.After(w.calm) {
				w.streak = 0
			}
			w.win.pop()
			return nil
		}
		if err := w.retry(ctx, p, err, p.sent); err != nil {
			return err
		}
		if err := w.resend(ctx); err != nil {
			return err
		}
	}
}

// resend publishes the oldest message of the window again, and with it
// every later one whose publish has failed too, so that a burst refused by
// a busy server goes out again at once, not one round trip at a time.
func (w *Writer) resend(ctx context.Context) error {
	if err := w.send(ctx, w.win.pend[0]); err != nil {
		return err
	}
	for _, q := range w.win.pend[1:] {
		select {
		case err := <-q.fut.Err():
			if err := w.retry(ctx, q, err, q.sent); err != nil {
				return err
			}
			if err := w.send(ctx, q); err != nil {
				return err
			}
		default:
		}
	}
	return nil
}

// await waits for p's ack, until the ack wait since p was sent.
func (w *Writer) await(ctx context.Context, p *pending) error {
	t := time.NewTimer(w.ackWait - time.Since(p.sent))
	defer t.Stop()
	select {
	case <-p.fut.Ok():
		return nil
	case err := <-p.fut.Err():
		return err
	case <-t.C:
		return errAckWait
	case <-ctx.Done():
		return ctx.Err()
	}
}

// send hands p's message to the client, waiting while the client's window
// of pending acks is full and retrying transient failures.
func (w *Writer) send(ctx context.Context, p *pending) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		f, err := w.js.PublishMsgAsync(p.msg)
		if err == nil {
			p.fut, p.sent = f, time.Now()
			return nil
		}
		if err := w.retry(ctx, p, err, time.Now()); err != nil {
			return err
		}
	}
}

// retry decides about a publish of p, made at sent, that failed with err:
// it returns nil, after a backoff where one is due, when p should be
// published again, and the error that ends the Writer otherwise.
//
// One backoff answers a burst of failures: a message published before the
// last backoff ended fails without waiting again, so that a window of
// messages all refused by a busy server waits once, not once each. The
// backoff grows with every backoff until a message published after one is
// acknowledged.
func (w *Writer) retry(ctx context.Context, p *pending, err error, sent time.Time) error {
	if cerr := ctx.Err(); cerr != nil {
		return cerr
	}
	if !retryable(err) {
		return fmt.Errorf("shuffle: publish to %s: %w", p.msg.Subject, err)
	}
	if noStream(err) {
		if serr := w.checkStream(ctx); serr != nil {
			return fmt.Errorf("shuffle: publish to %s: %w", p.msg.Subject, serr)
		}
	}
	w.Retries++
	w.onRetry(err)
	if errors.Is(err, jetstream.ErrTooManyStalledMsgs) || sent.Before(w.calm) {
		return nil // the client already waited for a free slot, or this burst was waited for
	}
	w.streak++
	if err := sleep(ctx, backoff(w.streak, rand.Float64())); err != nil {
		return err
	}
	w.calm = time.Now()
	return nil
}

// checkStream returns an error if the application's stream is gone: no
// stream listening then means it was deleted, not that it is busy.
func (w *Writer) checkStream(ctx context.Context) error {
	_, err := w.js.Stream(ctx, proto.ShuffleStream(w.appID))
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return err
	}
	return nil
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// publishBackoff is the wait before the publish that follows a failure:
// 50 ms doubling to 2 s, each up to 20% shorter.
var publishBackoff = retry.Backoff{Initial: 50 * time.Millisecond, Max: 2 * time.Second, Jitter: 0.2}

// backoff is the wait before the publish that follows the tries-th
// failure (from 1), r in [0, 1) scaling the jitter.
func backoff(tries int, r float64) time.Duration { return publishBackoff.Delay(tries, r) }
