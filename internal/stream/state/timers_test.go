package state

import (
	"bytes"
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

type timer struct {
	TS  int64
	Key string
}

func newTimers[K comparable](t testing.TB, b *Backend, name string) *Timers[K] {
	t.Helper()
	tm, err := NewTimers[K](b, name)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

func fireAll(t *testing.T, tm *Timers[string], upTo int64) []timer {
	t.Helper()
	var got []timer
	if err := tm.Fire(upTo, func(ts int64, k string) error { got = append(got, timer{ts, k}); return nil }); err != nil {
		t.Fatalf("Fire(%d): %v", upTo, err)
	}
	return got
}

// sortTimers orders timers as Fire does: by ts, then encoded key.
func sortTimers(ts []timer) {
	c, _ := CodecFor[string]()
	slices.SortFunc(ts, func(a, b timer) int {
		if n := cmp.Compare(a.TS, b.TS); n != 0 {
			return n
		}
		return bytes.Compare(c.Append(nil, a.Key), c.Append(nil, b.Key))
	})
}

func TestTimersOrder(t *testing.T) {
	for _, cache := range []int64{0, 2 << 10} { // all in memory; mostly spilled
		t.Run(fmt.Sprint(cache), func(t *testing.T) {
			tm := newTimers[string](t, openBackend(t, cache), "t")
			r := rand.New(rand.NewPCG(1, uint64(cache)))
			var want []timer
			seen := map[timer]bool{}
			for range 3000 {
				tr := timer{r.Int64N(200) - 100, fmt.Sprint("k", r.IntN(1000))}
				if err := tm.Register(tr.TS, tr.Key); err != nil {
					t.Fatal(err)
				}
				if !seen[tr] {
					seen[tr] = true
					want = append(want, tr)
				}
			}
			sortTimers(want)
			if next, ok := tm.Next(); !ok || next != want[0].TS {
				t.Errorf("Next() = %d, %v; want %d", next, ok, want[0].TS)
			}
			got := append(fireAll(t, tm, -1), fireAll(t, tm, math.MaxInt64)...)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("fired %d timers, want %d in order", len(got), len(want))
			}
			if next, ok := tm.Next(); ok {
				t.Errorf("Next() after firing all = %d, want none", next)
			}
		})
	}
}

func TestTimersIdempotentAndDelete(t *testing.T) {
	tm := newTimers[string](t, openBackend(t, 0), "t")
	tm.Register(5, "a")
	tm.Register(5, "a")
	tm.Register(5, "b")
	tm.Register(3, "c")
	tm.Delete(5, "b")
	tm.Delete(5, "nothing")
	tm.Delete(99, "a")
	tm.Delete(3, "c")
	if next, _ := tm.Next(); next != 5 {
		t.Errorf("Next() = %d, want 5 once 3's only timer is deleted", next)
	}
	if got, want := fireAll(t, tm, 10), []timer{{5, "a"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("fired %v, want %v", got, want)
	}
}

func TestTimersChangedDuringFire(t *testing.T) {
	for _, cache := range []int64{0, 1 << 10} {
		t.Run(fmt.Sprint(cache), func(t *testing.T) {
			tm := newTimers[string](t, openBackend(t, cache), "t")
			for i := range 400 {
				tm.Register(int64(i%4), fmt.Sprint("k", i))
			}
			var got []timer
			err := tm.Fire(10, func(ts int64, k string) error {
				got = append(got, timer{ts, k})
				switch {
				case k == "k0" && len(got) == 1:
					tm.Delete(1, "k1")   // later: does not fire
					tm.Register(0, "k0") // itself again: fires again
				case k == "k2":
					tm.Register(9, "late")   // at or before upTo: fires in this call
					tm.Register(11, "after") // after upTo: does not
					tm.Register(2, "same")   // at the ts being fired: fires
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			count := map[string]int{}
			for i, tr := range got {
				count[tr.Key]++
				if i > 0 && tr.TS < got[i-1].TS && tr.Key != "k0" {
					t.Errorf("fired %v after %v", tr, got[i-1])
				}
			}
			if count["k1"] != 0 || count["k0"] != 2 || count["late"] != 1 || count["after"] != 0 || count["same"] != 1 {
				t.Errorf("fire counts k1=%d k0=%d late=%d after=%d same=%d, want 0 2 1 0 1",
					count["k1"], count["k0"], count["late"], count["after"], count["same"])
			}
			if len(got) != 400-1+1+2 {
				t.Errorf("fired %d timers, want 402", len(got))
			}
			if next, ok := tm.Next(); !ok || next != 11 {
				t.Errorf("Next() = %d, %v, want 11", next, ok)
			}
		})
	}
}

// TestTimersMatchModel runs random operations, including some from within
// Fire, on timers with a tiny budget against a set.
func TestTimersMatchModel(t *testing.T) {
	b := openBackend(t, 2<<10)
	tm := newTimers[string](t, b, "t")
	ref := map[timer]bool{}
	r := rand.New(rand.NewPCG(3, 4))
	wm := int64(0)
	random := func() timer { return timer{wm + r.Int64N(500), fmt.Sprint("k", r.IntN(300))} }
	mutate := func() {
		tr := random()
		if r.IntN(3) == 0 {
			delete(ref, tr)
			if err := tm.Delete(tr.TS, tr.Key); err != nil {
				t.Fatal(err)
			}
			return
		}
		ref[tr] = true
		if err := tm.Register(tr.TS, tr.Key); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 30_000 {
		if r.IntN(50) != 0 {
			mutate()
			continue
		}
		wm += r.Int64N(40)
		last := int64(math.MinInt64)
		err := tm.Fire(wm, func(ts int64, k string) error {
			tr := timer{ts, k}
			if !ref[tr] || ts > wm {
				t.Fatalf("op %d: fired %v, which is not due or not set", i, tr)
			}
			delete(ref, tr)
			if ts < last {
				t.Fatalf("op %d: fired %v after ts %d", i, tr, last)
			}
			last = ts
			if r.IntN(10) == 0 {
				mutate() // at wm or later: cannot break the order
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for tr := range ref {
			if tr.TS <= wm {
				t.Fatalf("op %d: %v still set after Fire(%d)", i, tr, wm)
			}
		}
	}
	var want []timer
	for tr := range ref {
		want = append(want, tr)
	}
	sortTimers(want)
	if got := fireAll(t, tm, math.MaxInt64); !reflect.DeepEqual(got, want) {
		t.Errorf("fired %d remaining timers, want %d in order", len(got), len(want))
	}
	if s := b.Stats(); s.Spilled == 0 {
		t.Errorf("stats %+v: want timers spilled", s)
	}
}
