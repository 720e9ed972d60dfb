package evtime

import (
	"math/rand/v2"
	"testing"
)

// chanModel is the test's own view of one channel: the highest watermark it
// delivered and its status.
type chanModel struct {
	wm           int64
	idle, ending bool
}

// TestMergerProperties feeds random events and checks, after each:
//   - the merged watermark never decreases;
//   - it is the minimum over the non-idle channels' highest watermarks
//     (ended channels counting as MaxTime), leaving out only channels that
//     came back from idleness behind it: if any non-idle live channel is at
//     or above it, the lowest such channel is exactly at it;
//   - it is at least the minimum over all non-idle channels;
//   - when every live channel is idle it is at least their maximum, and
//     AllIdle says so;
//   - it is MaxTime once every channel has ended.
func TestMergerProperties(t *testing.T) {
	for seed := range uint64(50) {
		r := rand.New(rand.NewPCG(seed, 7))
		n := 1 + r.IntN(6)
		m, model := NewMerger(n), make([]chanModel, n)
		for i := range model {
			model[i].wm = MinTime
		}
		last := int64(MinTime)
		for step := range 400 {
			ch := r.IntN(n)
			switch k := r.IntN(20); {
			case k < 13:
				wm := r.Int64N(2_000) - 1_000
				m.Advance(ch, wm)
				if !model[ch].ending {
					model[ch].idle = false
					model[ch].wm = max(model[ch].wm, wm)
				}
			case k < 19:
				idle := r.IntN(2) == 0
				m.SetIdle(ch, idle)
				if !model[ch].ending {
					model[ch].idle = idle
				}
			default:
				m.End(ch)
				model[ch].ending, model[ch].idle = true, false
			}
			out := m.Current()
			if out < last {
				t.Fatalf("seed %d step %d: merged watermark went back from %d to %d", seed, step, last, out)
			}
			last = out
			checkMerged(t, seed, step, out, m.AllIdle(), model)
		}
	}
}

func checkMerged(t *testing.T, seed uint64, step int, out int64, allIdle bool, model []chanModel) {
	t.Helper()
	minActive, minAligned, maxLive := int64(MaxTime), int64(MaxTime), int64(MinTime)
	var live, anyActive, anyAligned bool
	for _, c := range model {
		if c.ending {
			continue
		}
		live = true
		maxLive = max(maxLive, c.wm)
		if c.idle {
			continue
		}
		anyActive = true
		minActive = min(minActive, c.wm)
		if c.wm >= out {
			anyAligned, minAligned = true, min(minAligned, c.wm)
		}
	}
	switch {
	case !live && out != MaxTime:
		t.Fatalf("seed %d step %d: all ended but watermark %d", seed, step, out)
	case anyAligned && out != minAligned:
		t.Fatalf("seed %d step %d: watermark %d, want min over caught-up channels %d (%+v)", seed, step, out, minAligned, model)
	case anyActive && out < minActive:
		t.Fatalf("seed %d step %d: watermark %d below min over non-idle %d", seed, step, out, minActive)
	case live && !anyActive && out < maxLive:
		t.Fatalf("seed %d step %d: all idle, watermark %d below max %d", seed, step, out, maxLive)
	}
	if want := live && !anyActive; allIdle != want {
		t.Fatalf("seed %d step %d: AllIdle() = %v, want %v", seed, step, allIdle, want)
	}
}
