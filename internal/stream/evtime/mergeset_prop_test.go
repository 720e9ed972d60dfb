package evtime

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestMergeSetProperties adds random session records and checks after each
// Add that the set's windows are sorted and never intersect, that every
// record added so far (and not removed) lies in exactly one window, that
// result holds the new record and is in the set, and that merged windows are
// gone from the set and inside result.
func TestMergeSetProperties(t *testing.T) {
	for seed := range uint64(100) {
		r := rand.New(rand.NewPCG(seed, 3))
		gap := 1 + r.Int64N(50)
		a := Sessions(time.Duration(gap) * time.Millisecond)
		var s MergeSet
		var records []int64
		for step := range 200 {
			if len(s.Windows) > 0 && r.IntN(10) == 0 {
				w := s.Windows[r.IntN(len(s.Windows))]
				s.Remove(w)
				records = dropIn(records, w)
				continue
			}
			ts := r.Int64N(3_000) - 1_500
			w := a.Assign(ts, nil)[0]
			result, merged := s.Add(w)
			records = append(records, ts)
			if !result.Contains(ts) || indexOf(s.Windows, result) < 0 {
				t.Fatalf("seed %d step %d: result %v does not hold %d or is not in %v", seed, step, result, ts, s.Windows)
			}
			for _, m := range merged {
				if m == result || indexOf(s.Windows, m) >= 0 || m.Start < result.Start || m.End > result.End {
					t.Fatalf("seed %d step %d: merged %v vs result %v, set %v", seed, step, m, result, s.Windows)
				}
			}
			checkSessions(t, seed, step, s.Windows, records)
		}
	}
}

func checkSessions(t *testing.T, seed uint64, step int, ws []Window, records []int64) {
	t.Helper()
	for i := 1; i < len(ws); i++ {
		if ws[i-1].Start >= ws[i].Start || ws[i-1].Intersects(ws[i]) {
			t.Fatalf("seed %d step %d: windows %v and %v out of order or intersecting", seed, step, ws[i-1], ws[i])
		}
	}
	for _, ts := range records {
		n := 0
		for _, w := range ws {
			if w.Contains(ts) {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("seed %d step %d: record %d in %d windows of %v", seed, step, ts, n, ws)
		}
	}
}

func indexOf(ws []Window, w Window) int {
	for i, x := range ws {
		if x == w {
			return i
		}
	}
	return -1
}

func dropIn(records []int64, w Window) []int64 {
	kept := records[:0]
	for _, ts := range records {
		if !w.Contains(ts) {
			kept = append(kept, ts)
		}
	}
	return kept
}
