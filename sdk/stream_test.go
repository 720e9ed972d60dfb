package sdk

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// Bad window parameters are the user's mistake: the step says so as a
// usage error naming it, instead of panicking when the job starts.
func TestWindowParamsAreUsageErrors(t *testing.T) {
	cases := []struct {
		name string
		w    Windows
		want string
	}{
		{"zero tumbling", Tumbling(0), "at least 1ms"},
		{"zero slide", Sliding(time.Second, 0), "slide"},
		{"zero gap", Sessions(0), "at least 1ms"},
		{"negative lateness", Tumbling(time.Second).AllowedLateness(-time.Second), "negative"},
		{"no windows", Windows{}, "no windows given"},
	}
	for _, c := range cases {
		p := newPipeline()
		gen := Generate(p, "gen", Generator[int64]{
			Event: func(n int64, v *int64) { *v = n },
			Time:  func(v *int64) int64 { return *v },
		})
		keyed := KeyBy(p, "key", gen, func(v int64) int64 { return v % 3 })
		WindowAggregate(p, "count", keyed, c.w, Counting[int64]())
		if p.err == nil || !errors.Is(p.err, ErrUsage) || !strings.Contains(p.err.Error(), `step "count"`) ||
			!strings.Contains(p.err.Error(), c.want) {
			t.Errorf("%s: err = %v, want a usage error for step \"count\" mentioning %q", c.name, p.err, c.want)
		}
	}
}
