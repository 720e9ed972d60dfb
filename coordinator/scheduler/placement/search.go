package placement

import (
	"math"

	"spindle/internal/proto"
)

// FirstFit returns the first slot at or after from that fits r, or -1.
func (x *Index) FirstFit(from int, r proto.Resources) int {
	if from >= x.size || !x.mayFit(1, r) {
		return -1
	}
	return x.firstFit(1, 0, x.size, max(from, 0), r)
}

// firstFit searches tree node i, which covers slots [lo, hi).
func (x *Index) firstFit(i, lo, hi, from int, r proto.Resources) int {
	if hi <= from || !x.mayFit(i, r) {
		return -1
	}
	if hi-lo == 1 {
		return lo // a leaf that mayFit fits
	}
	mid := (lo + hi) / 2
	if s := x.firstFit(2*i, lo, mid, from, r); s >= 0 {
		return s
	}
	return x.firstFit(2*i+1, mid, hi, from, r)
}

// LeastLoaded returns a fitting slot with the fewest containers, or -1.
// Among equals it returns the lowest slot of the subtree searched first
// (deterministic; the lowest slot overall when counts are spread evenly).
func (x *Index) LeastLoaded(r proto.Resources) int {
	best, bestC := -1, int32(math.MaxInt32)
	x.leastLoaded(1, 0, x.size, r, &best, &bestC)
	return best
}

// leastLoaded is a branch and bound: a subtree is skipped when it cannot
// fit r or cannot beat the best count found so far; the child with fewer
// containers is searched first.
func (x *Index) leastLoaded(i, lo, hi int, r proto.Resources, best *int, bestC *int32) {
	if !x.mayFit(i, r) || x.minC[i] >= *bestC {
		return
	}
	if hi-lo == 1 {
		*best, *bestC = lo, x.minC[i]
		return
	}
	mid := (lo + hi) / 2
	l, rt := 2*i, 2*i+1
	if x.minC[rt] < x.minC[l] {
		x.leastLoaded(rt, mid, hi, r, best, bestC)
		x.leastLoaded(l, lo, mid, r, best, bestC)
		return
	}
	x.leastLoaded(l, lo, mid, r, best, bestC)
	x.leastLoaded(rt, mid, hi, r, best, bestC)
}
