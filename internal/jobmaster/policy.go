package jobmaster

import (
	"hash/fnv"
	"time"
)

// Policy is how the job master retries and speculates.
type Policy struct {
	MaxAttempts int           // attempts of a task before the job fails
	BackoffBase time.Duration // wait before the 2nd attempt; doubles after each failure
	BackoffMax  time.Duration // longest wait between attempts
	// Speculation starts a second attempt of a task that runs more than
	// SpecMultiplier times the median duration of its stage's finished
	// tasks, once SpecQuantile of them finished (Spark's rule) and it ran
	// at least SpecMinRuntime. The first attempt to finish commits; the
	// other is cancelled.
	Speculation    bool
	SpecMultiplier float64
	SpecQuantile   float64
	SpecMinRuntime time.Duration
}

// DefaultPolicy is 4 attempts with exponential backoff from 1 s, and
// speculation of tasks 1.5× slower than the median once 75% finished.
func DefaultPolicy() Policy {
	return Policy{
		MaxAttempts: 4, BackoffBase: time.Second, BackoffMax: 30 * time.Second,
		Speculation: true, SpecMultiplier: 1.5, SpecQuantile: 0.75, SpecMinRuntime: 2 * time.Second,
	}
}

// backoff is the wait after the n-th failed attempt: BackoffBase·2^(n-1),
// capped, scaled by a jitter in [0.5, 1) drawn from the attempt ID, so
// that it is deterministic yet spreads retries of many tasks apart.
func (p Policy) backoff(n int, attemptID string) time.Duration {
	d := p.BackoffBase
	for i := 1; i < n && d < p.BackoffMax; i++ {
		d *= 2
	}
	d = min(d, p.BackoffMax)
	h := fnv.New32a()
	h.Write([]byte(attemptID))
	jitter := 0.5 + float64(h.Sum32())/float64(1<<33)
	return time.Duration(float64(d) * jitter)
}
