package retry

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

func TestDelay(t *testing.T) {
	b := Backoff{Initial: 250 * time.Millisecond, Max: 5 * time.Second, Jitter: 0.2}
	tests := []struct {
		attempt int
		r       float64
		want    time.Duration
	}{
		{1, 0, 250 * time.Millisecond},
		{2, 0, 500 * time.Millisecond},
		{3, 0, time.Second},
		{5, 0, 4 * time.Second},
		{6, 0, 5 * time.Second},
		{100, 0, 5 * time.Second},
		{1, 0.5, 225 * time.Millisecond},
		{100, 0.999, 5*time.Second - 999*time.Millisecond},
	}
	for _, tt := range tests {
		if got := b.Delay(tt.attempt, tt.r); got != tt.want {
			t.Errorf("Delay(%d, %v) = %v, want %v", tt.attempt, tt.r, got, tt.want)
		}
	}
}

var errDown = errors.New("down")

// failing returns an fn that fails n times, then succeeds, and counts its
// calls.
func failing(n int, calls *int) func(context.Context) error {
	return func(context.Context) error {
		*calls++
		if *calls <= n {
			return errDown
		}
		return nil
	}
}

func TestDoRetriesUntilSuccess(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var calls int
		var retries []Attempt
		err := Do(t.Context(), time.Minute, Default, failing(3, &calls), func(a Attempt) { retries = append(retries, a) })
		if err != nil || calls != 4 || len(retries) != 3 {
			t.Fatalf("err %v, %d calls, %d retries; want nil, 4, 3", err, calls, len(retries))
		}
		for i, a := range retries {
			if a.N != i+1 || a.Err != errDown || a.Wait <= 0 || a.Wait > Default.Max {
				t.Errorf("retry %d = %+v", i, a)
			}
		}
	})
}

func TestDoZeroTimeoutCallsOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var calls int
		err := Do(t.Context(), 0, Default, failing(1, &calls), func(Attempt) { t.Error("retried") })
		var ex *Exhausted
		if !errors.As(err, &ex) || !errors.Is(err, errDown) || calls != 1 || err.Error() != "down" {
			t.Errorf("err %v, %d calls; want the bare error after one call", err, calls)
		}
	})
}

func TestDoGivesUpAtTheDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		var calls int
		err := Do(t.Context(), 10*time.Second, Backoff{Initial: time.Second, Max: 4 * time.Second}, failing(1000, &calls), nil)
		var ex *Exhausted
		if !errors.As(err, &ex) || !errors.Is(err, errDown) {
			t.Fatalf("err = %v, want Exhausted wrapping errDown", err)
		}
		// Calls at 0, 1, 3, 7 and, the wait cut short, 10 s.
		if took := time.Since(start); calls != 5 || ex.Attempts != 5 || took != 10*time.Second {
			t.Errorf("%d calls (%d attempts) in %v, want 5 in 10s", calls, ex.Attempts, took)
		}
		if want := "down (gave up after 5 attempts in 10s)"; err.Error() != want {
			t.Errorf("err = %q, want %q", err, want)
		}
	})
}

func TestDoNegativeTimeoutHasNoLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var calls int
		if err := Do(t.Context(), -1, Default, failing(200, &calls), nil); err != nil || calls != 201 {
			t.Errorf("err %v after %d calls, want nil after 201", err, calls)
		}
	})
}

func TestDoStopsWhenCanceled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
		defer cancel()
		var calls int
		err := Do(ctx, time.Hour, Default, failing(1000, &calls), nil)
		if !errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "down") {
			t.Errorf("err = %v, want the context's", err)
		}
	})
}

func TestDoWakeEndsTheWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		wake := make(chan struct{}, 1)
		start := time.Now()
		var calls int
		err := DoWake(t.Context(), time.Hour, Backoff{Initial: time.Minute, Max: time.Minute}, wake, failing(1, &calls),
			func(Attempt) { wake <- struct{}{} })
		if err != nil || calls != 2 || time.Since(start) != 0 {
			t.Errorf("err %v, %d calls after %v; want nil, 2 at once", err, calls, time.Since(start))
		}
	})
}

func TestLeft(t *testing.T) {
	tests := []struct{ timeout, elapsed, want time.Duration }{
		{10 * time.Second, 3 * time.Second, 7 * time.Second},
		{10 * time.Second, 11 * time.Second, 0},
		{0, time.Second, 0},
		{-1, time.Hour, -1},
	}
	for _, tt := range tests {
		if got := Left(tt.timeout, tt.elapsed); got != tt.want {
			t.Errorf("Left(%v, %v) = %v, want %v", tt.timeout, tt.elapsed, got, tt.want)
		}
	}
}
