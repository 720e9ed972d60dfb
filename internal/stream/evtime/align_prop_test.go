package evtime

import (
	"math/rand/v2"
	"testing"
)

// TestAlignerProperties runs random FIFO channels through an Aligner the way
// an input loop would: each channel carries rising barrier IDs (some
// skipped, as when a checkpoint is declined upstream) and then ends; the
// loop reads only unblocked channels and carries out every action. It checks
// that the loop never deadlocks, that only the delivering channel is
// blocked, that completed IDs rise, that a checkpoint completes only after
// every channel delivered its barrier or ended, and that a checkpoint is
// aborted only by a newer one.
func TestAlignerProperties(t *testing.T) {
	var total alignCounts
	for seed := range uint64(200) {
		r := rand.New(rand.NewPCG(seed, 5))
		n := 1 + r.IntN(5)
		queues := make([][]int64, n) // barrier IDs; 0 stands for end of input
		for ch := range queues {
			for id := int64(1); id <= 8; id++ {
				if r.IntN(6) != 0 {
					queues[ch] = append(queues[ch], id)
				}
			}
			queues[ch] = append(queues[ch], 0)
		}
		c := runAligner(t, seed, r, queues)
		total.completed += c.completed
		total.aborted += c.aborted
	}
	if total.completed == 0 || total.aborted == 0 {
		t.Errorf("random runs exercised too little: %+v", total)
	}
}

type alignCounts struct{ completed, aborted int }

func runAligner(t *testing.T, seed uint64, r *rand.Rand, queues [][]int64) (counts alignCounts) {
	t.Helper()
	n := len(queues)
	a := NewAligner(n)
	blocked := make([]bool, n)
	delivered := make([]map[int64]bool, n)
	ended := make([]bool, n)
	for ch := range delivered {
		delivered[ch] = map[int64]bool{}
	}
	var lastDone int64
	for {
		var ready []int
		for ch := range queues {
			if !blocked[ch] && len(queues[ch]) > 0 {
				ready = append(ready, ch)
			}
		}
		if len(ready) == 0 {
			for ch := range queues {
				if len(queues[ch]) > 0 {
					t.Fatalf("seed %d: deadlock with channel %d blocked and %v left", seed, ch, queues[ch])
				}
			}
			return counts
		}
		ch := ready[r.IntN(len(ready))]
		id := queues[ch][0]
		queues[ch] = queues[ch][1:]
		var act Action
		if id == 0 {
			ended[ch] = true
			act = a.OnEnd(ch)
		} else {
			delivered[ch][id] = true
			act = a.OnBarrier(ch, id)
		}
		if act.Aborted != 0 {
			if act.Aborted >= act.ID && act.ID != 0 {
				t.Fatalf("seed %d: checkpoint %d aborted by %+v", seed, act.Aborted, act)
			}
			counts.aborted++
			clear(blocked)
		}
		if act.Block >= 0 {
			if act.Block != ch || act.Complete {
				t.Fatalf("seed %d: channel %d delivered, action %+v", seed, ch, act)
			}
			blocked[ch] = true
		}
		if act.Complete {
			if act.ID <= lastDone {
				t.Fatalf("seed %d: completed %d after %d", seed, act.ID, lastDone)
			}
			for c := range n {
				if !ended[c] && !delivered[c][act.ID] {
					t.Fatalf("seed %d: checkpoint %d completed without channel %d", seed, act.ID, c)
				}
			}
			lastDone = act.ID
			counts.completed++
			clear(blocked)
		}
		for c := range n {
			if blocked[c] != a.Blocked(c) {
				t.Fatalf("seed %d: channel %d blocked %v, aligner says %v", seed, c, blocked[c], a.Blocked(c))
			}
		}
	}
}
