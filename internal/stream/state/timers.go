package state

import (
	"container/heap"
)

// Timers are per-key timers: Fire calls back every timer at or before a
// time, in time order.
type Timers[K comparable] struct {
	at    map[int64]map[K]struct{}
	times tsHeap
	store *Table[int64, []K] // written at a snapshot
}

// NewTimers opens timer set name (restored from a snapshot, if any).
func NewTimers[K comparable](b *Backend, name string) (*Timers[K], error) {
	store, err := NewTable[int64, []K](b, "timers/"+name)
	if err != nil {
		return nil, err
	}
	t := &Timers[K]{at: map[int64]map[K]struct{}{}, store: store}
	err = store.Range(func(ts int64, ks []K) error {
		for _, k := range ks {
			t.Register(ts, k)
		}
		return nil
	})
	b.parts["timers/"+name] = t
	return t, err
}

// Register sets a timer; it is idempotent.
func (t *Timers[K]) Register(ts int64, k K) error {
	set, ok := t.at[ts]
	if !ok {
		set = map[K]struct{}{}
		t.at[ts] = set
		heap.Push(&t.times, ts)
	}
	set[k] = struct{}{}
	return nil
}

// Delete removes a timer.
func (t *Timers[K]) Delete(ts int64, k K) error {
	if set, ok := t.at[ts]; ok {
		delete(set, k)
	}
	return nil
}

// Next is the earliest pending time.
func (t *Timers[K]) Next() (int64, bool) {
	for len(t.times) > 0 {
		ts := t.times[0]
		if len(t.at[ts]) > 0 {
			return ts, true
		}
		heap.Pop(&t.times)
		delete(t.at, ts)
	}
	return 0, false
}

// Fire calls fn for every timer at or before upTo, earliest first,
// removing each before the call.
func (t *Timers[K]) Fire(upTo int64, fn func(ts int64, k K) error) error {
	for {
		ts, ok := t.Next()
		if !ok || ts > upTo {
			return nil
		}
		set := t.at[ts]
		for k := range set {
			delete(set, k)
			if err := fn(ts, k); err != nil {
				return err
			}
		}
	}
}

// flush writes the timers into their table, replacing what it held.
func (t *Timers[K]) flush() error {
	old := map[int64]bool{}
	if err := t.store.Range(func(ts int64, _ []K) error { old[ts] = true; return nil }); err != nil {
		return err
	}
	for ts := range old {
		if len(t.at[ts]) == 0 {
			t.store.Delete(ts)
		}
	}
	for ts, set := range t.at {
		if len(set) == 0 {
			continue
		}
		ks := make([]K, 0, len(set))
		for k := range set {
			ks = append(ks, k)
		}
		if err := t.store.Put(ts, ks); err != nil {
			return err
		}
	}
	return t.store.flush()
}

type tsHeap []int64

func (h tsHeap) Len() int           { return len(h) }
func (h tsHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h tsHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *tsHeap) Push(x any)        { *h = append(*h, x.(int64)) }
func (h *tsHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
