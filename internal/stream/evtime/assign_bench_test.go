package evtime

import (
	"testing"
	"time"
)

var sinkWindows []Window

func benchAssign(b *testing.B, a Assigner) {
	dst := make([]Window, 0, 16)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		dst = a.Assign(int64(i)*37, dst[:0])
	}
	sinkWindows = dst
}

func BenchmarkTumblingAssign(b *testing.B) { benchAssign(b, Tumbling(time.Minute, 0)) }

func BenchmarkSlidingAssign(b *testing.B) {
	benchAssign(b, Sliding(time.Minute, 10*time.Second, 0))
}

func BenchmarkSessionsAssign(b *testing.B) { benchAssign(b, Sessions(time.Minute)) }

// TestAssignDoesNotAllocate pins the benchmarks' promise: with room in
// dst, Assign allocates nothing.
func TestAssignDoesNotAllocate(t *testing.T) {
	for _, a := range []Assigner{
		Tumbling(time.Minute, 0), Sliding(time.Minute, 10*time.Second, 0), Sessions(time.Minute),
	} {
		dst := make([]Window, 0, 16)
		ts := int64(0)
		if n := testing.AllocsPerRun(100, func() {
			ts += 37
			dst = a.Assign(ts, dst[:0])
		}); n != 0 {
			t.Errorf("%T.Assign allocates %v times per call, want 0", a, n)
		}
	}
}
