package evtime

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestSlidingProperties checks over random parameters and timestamps that a
// timestamp falls in exactly size/slide windows when slide divides size, that
// each contains it, has the size, starts on the offset slide grid, and that
// they come by start ascending one slide apart.
func TestSlidingProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for range 2_000 {
		slide := 1 + r.Int64N(5_000)
		size := slide * (1 + r.Int64N(8))
		offset := r.Int64N(2*slide-1) - (slide - 1)
		a := Sliding(time.Duration(size)*time.Millisecond, time.Duration(slide)*time.Millisecond,
			time.Duration(offset)*time.Millisecond)
		for range 20 {
			ts := r.Int64N(1<<42) - 1<<41
			ws := a.Assign(ts, nil)
			if int64(len(ws)) != size/slide {
				t.Fatalf("size %d slide %d offset %d ts %d: %d windows, want %d: %v",
					size, slide, offset, ts, len(ws), size/slide, ws)
			}
			for i, w := range ws {
				if !w.Contains(ts) || w.End-w.Start != size || mod(w.Start-offset, slide) != 0 {
					t.Fatalf("size %d slide %d offset %d ts %d: bad window %v", size, slide, offset, ts, w)
				}
				if i > 0 && w.Start != ws[i-1].Start+slide {
					t.Fatalf("size %d slide %d ts %d: not ascending by slide: %v", size, slide, ts, ws)
				}
			}
		}
	}
}

// TestTumblingProperties: every timestamp is in exactly one window, of the
// size, on the offset grid, containing it.
func TestTumblingProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for range 2_000 {
		size := 1 + r.Int64N(100_000)
		offset := r.Int64N(2*size-1) - (size - 1)
		a := Tumbling(time.Duration(size)*time.Millisecond, time.Duration(offset)*time.Millisecond)
		for range 20 {
			ts := r.Int64N(1<<42) - 1<<41
			ws := a.Assign(ts, nil)
			if len(ws) != 1 || !ws[0].Contains(ts) || ws[0].End-ws[0].Start != size || mod(ws[0].Start-offset, size) != 0 {
				t.Fatalf("size %d offset %d ts %d: %v", size, offset, ts, ws)
			}
		}
	}
}

func mod(a, b int64) int64 { return ((a % b) + b) % b }
