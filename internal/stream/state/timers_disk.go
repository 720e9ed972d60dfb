package state

import (
	"bytes"
	"fmt"
	"slices"
)

// How Timers use Badger: spilling buckets, pending writes, firing from
// disk.

// fireChunk is how many timers of a bucket on disk fireDisk reads at once.
const fireChunk = 512

// fireDisk fires a bucket on disk, reading its keys in order a chunk at a
// time. Pending writes are flushed first, so a chunk holds exactly the
// timers set when it is read; a timer fn deletes later shows in pending,
// or, if pending was flushed meanwhile (gen changed), in Badger.
func (t *Timers[K]) fireDisk(ts int64, bk *bucket[K], fn func(int64, K) error) error {
	prefix := encodeTS(appendID(nil, t.id), ts)
	var from []byte
	for bk.disk > 0 && len(bk.mem) == 0 {
		if err := t.flushPending(); err != nil {
			return err
		}
		keys, err := t.chunk(prefix, from)
		if err != nil {
			return err
		}
		if len(keys) == 0 {
			if from == nil {
				return fmt.Errorf("%w: timers %q: %d timers at %d missing", ErrCorrupt, t.name, bk.disk, ts)
			}
			from = nil // fn set timers before where the chunks got to
			continue
		}
		if err := t.fireKeys(ts, bk, keys, fn); err != nil {
			return err
		}
		from = append(slices.Clip(keys[len(keys)-1]), 0)
	}
	return nil
}

func (t *Timers[K]) chunk(prefix, from []byte) ([][]byte, error) {
	var keys [][]byte
	err := t.b.scanKeys(prefix, from, func(key []byte) (bool, error) {
		keys = append(keys, bytes.Clone(key))
		return len(keys) < fireChunk, nil
	})
	return keys, err
}

func (t *Timers[K]) fireKeys(ts int64, bk *bucket[K], keys [][]byte, fn func(int64, K) error) error {
	gen := t.gen
	for _, full := range keys {
		live, err := t.stillSet(full, gen)
		if err != nil {
			return err
		}
		if !live {
			continue
		}
		k, err := t.key.Decode(full[idLen+8:])
		if err != nil {
			return fmt.Errorf("state: timers %q: %w", t.name, err)
		}
		bk.disk--
		if err := t.write(full, false); err != nil {
			return err
		}
		if err := fn(ts, k); err != nil {
			return err
		}
	}
	return nil
}

// stillSet reports whether a timer of a chunk read at flush generation
// gen is still set.
func (t *Timers[K]) stillSet(full []byte, gen int) (bool, error) {
	if set, ok := t.pending[string(full)]; ok {
		return set, nil
	}
	if gen == t.gen {
		return true, nil
	}
	return t.b.exists(full)
}

// stored reports whether a timer is in Badger, pending writes included.
func (t *Timers[K]) stored(full []byte) (bool, error) {
	if set, ok := t.pending[string(full)]; ok {
		return set, nil
	}
	return t.b.exists(full)
}

// write records a set (or delete) of a timer in Badger, to be flushed
// with others once they take a quarter of the budget.
func (t *Timers[K]) write(full []byte, set bool) error {
	k := string(full)
	if _, ok := t.pending[k]; !ok {
		t.pendKB += int64(len(k)) + timerOver
	}
	t.pending[k] = set
	if t.pendKB > max(t.budget/4, 4<<10) {
		return t.flushPending()
	}
	return nil
}

func (t *Timers[K]) flushPending() error {
	if len(t.pending) == 0 {
		return nil
	}
	w := t.b.newBatch()
	for k, set := range t.pending {
		var err error
		if set {
			err = w.set([]byte(k), nil)
		} else {
			err = w.delete([]byte(k))
		}
		if err != nil {
			w.cancel()
			return fmt.Errorf("state: timers %q: %w", t.name, err)
		}
	}
	clear(t.pending)
	t.pendKB = 0
	t.gen++
	return w.commit()
}

// spill moves the latest in-memory buckets to Badger once in-memory
// timers exceed the budget, down to half of it.
func (t *Timers[K]) spill() error {
	if t.bytes <= t.budget {
		return nil
	}
	var cands []int64
	for ts, bk := range t.buckets {
		if len(bk.mem) > 0 && bk != t.firing {
			cands = append(cands, ts)
		}
	}
	slices.Sort(cands)
	for i := len(cands) - 1; i >= 0 && t.bytes > t.budget/2; i-- {
		if err := t.toDisk(cands[i], t.buckets[cands[i]]); err != nil {
			return err
		}
	}
	return t.flushPending()
}

// toDisk makes a bucket a disk one.
func (t *Timers[K]) toDisk(ts int64, bk *bucket[K]) error {
	if !bk.synced {
		if err := t.writeMem(ts, bk); err != nil {
			return err
		}
	}
	for enc := range bk.mem {
		t.bytes -= timerOver + int64(len(enc))
	}
	t.count -= len(bk.mem)
	bk.mem, bk.synced = nil, false
	return nil
}

// writeMem writes an in-memory bucket's timers, making it mirrored.
func (t *Timers[K]) writeMem(ts int64, bk *bucket[K]) error {
	for enc := range bk.mem {
		if err := t.write(t.memKey(ts, enc), true); err != nil {
			return err
		}
	}
	bk.disk, bk.synced = len(bk.mem), true
	return nil
}

// flush writes every in-memory bucket, which stay in memory, mirrored.
func (t *Timers[K]) flush() error {
	for ts, bk := range t.buckets {
		if len(bk.mem) > 0 && !bk.synced {
			if err := t.writeMem(ts, bk); err != nil {
				return err
			}
		}
	}
	return t.flushPending()
}

func (t *Timers[K]) setBudget(bytes int64) error {
	t.budget = bytes
	return t.spill()
}

func (t *Timers[K]) cached() (int64, int) { return t.bytes, t.count }

// tsHeap is a min-heap of timestamps.
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
