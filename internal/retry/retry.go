package retry

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"
)

// Backoff is exponential backoff: the wait after the first failure is
// Initial, and each further one doubles, up to Max. Jitter in [0, 1]
// shortens each wait by a random fraction of up to Jitter, so that many
// clients started together do not retry in step; a wait never exceeds Max.
type Backoff struct {
	Initial, Max time.Duration
	Jitter       float64
}

// Default is the backoff of Spindle's processes waiting for the cluster:
// 250ms doubling to 5s, each up to 20% shorter.
var Default = Backoff{Initial: 250 * time.Millisecond, Max: 5 * time.Second, Jitter: 0.2}

// Delay returns the wait after the attempt-th failure (1 for the first);
// r, in [0, 1), is the random draw that scales the jitter.
func (b Backoff) Delay(attempt int, r float64) time.Duration {
	d := b.Initial
	for i := 1; i < attempt && d < b.Max; i++ {
		d *= 2
	}
	d = min(d, b.Max)
	return d - time.Duration(float64(d)*b.Jitter*r)
}

// Attempt describes a failed attempt, for the caller's log.
type Attempt struct {
	N    int           // 1 for the first attempt
	Err  error         // what it returned
	Wait time.Duration // before the next attempt
}

// Exhausted is the error of Do when the time is up. It wraps the last
// attempt's error (errors.Is and errors.As see it).
type Exhausted struct {
	Attempts int
	Elapsed  time.Duration // from the first attempt to the end of the last
	Err      error
}

// Error is the last attempt's error, followed, if there was more than one
// attempt, by how many there were and for how long.
func (e *Exhausted) Error() string {
	if e.Attempts <= 1 {
		return e.Err.Error()
	}
	return fmt.Sprintf("%v (gave up after %d attempts in %v)", e.Err, e.Attempts, e.Elapsed.Round(100*time.Millisecond))
}

func (e *Exhausted) Unwrap() error { return e.Err }

// Do calls fn until it returns nil, ctx is done, or timeout has passed
// since the first call: timeout 0 means one call, a negative timeout no
// limit. The last wait is cut short so that one more call happens at the
// deadline. onRetry, if not nil, is called after each failed call that
// will be retried, before the wait.
//
// Do returns nil when fn succeeded, ctx.Err() when ctx ended first, and
// an *Exhausted wrapping fn's last error when the time was up. fn gets
// ctx; it should bound its own call.
func Do(ctx context.Context, timeout time.Duration, b Backoff, fn func(context.Context) error, onRetry func(Attempt)) error {
	return DoWake(ctx, timeout, b, nil, fn, onRetry)
}

// DoWake is Do, except that a receive from wake ends a wait early: the
// caller has news that the next attempt may succeed. A nil wake never
// does.
func DoWake(ctx context.Context, timeout time.Duration, b Backoff, wake <-chan struct{}, fn func(context.Context) error, onRetry func(Attempt)) error {
	start := time.Now()
	for n := 1; ; n++ {
		err := fn(ctx)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		wait := b.Delay(n, rand.Float64())
		if timeout >= 0 {
			left := timeout - time.Since(start)
			if left <= 0 {
				return &Exhausted{Attempts: n, Elapsed: time.Since(start), Err: err}
			}
			wait = min(wait, left)
		}
		if onRetry != nil {
			onRetry(Attempt{N: n, Err: err, Wait: wait})
		}
		if err := sleep(ctx, wait, wake); err != nil {
			return err
		}
	}
}

// Left returns what is left of timeout (as Do reads it) once elapsed has
// passed: never less than 0, and negative (no limit) if timeout is.
func Left(timeout, elapsed time.Duration) time.Duration {
	if timeout < 0 {
		return timeout
	}
	return max(timeout-elapsed, 0)
}

// sleep waits for d, a receive from wake or the end of ctx.
func sleep(ctx context.Context, d time.Duration, wake <-chan struct{}) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
	case <-wake:
	}
	return nil
}
