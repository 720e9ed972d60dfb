package state

import (
	"container/heap"
	"encoding/binary"
	"fmt"
	"slices"
)

// Timers is a named set of timers, each a (timestamp, key) pair: the
// event-time or processing-time timers of a keyed operator. Timestamps
// are whatever the caller measures time in; Fire is told how far time
// has come.
//
// Memory holds an index of the distinct timestamps (a min-heap and a map
// to one bucket each, so O(distinct timestamps), not counted in the
// budget) and, within the budget, the keys of the buckets. Over budget,
// the buckets that fire last (latest timestamps) move to Badger, under
// id | timestamp | key, so a bucket on disk is one ordered prefix.
//
// A Timers is not safe for concurrent use.
type Timers[K comparable] struct {
	b       *Backend
	name    string
	id      uint32
	key     Codec[K]
	buckets map[int64]*bucket[K]
	times   tsHeap // the buckets' timestamps, with stale ones not yet popped
	pending map[string]bool
	pendKB  int64 // bytes of pending, roughly
	gen     int   // counts flushes of pending
	bytes   int64 // memory of in-memory timers
	count   int   // in-memory timers
	budget  int64
	firing  *bucket[K] // the bucket Fire is in, which spilling leaves alone
	scratch []byte
}

// bucket is the timers of one timestamp, in one of three modes:
//
//	memory:   mem holds them, Badger none (disk == 0)
//	mirrored: mem holds them and Badger the same (synced, disk == len(mem))
//	disk:     Badger holds them (mem == nil, disk > 0)
//
// disk counts them in Badger as it will be once pending writes land.
type bucket[K comparable] struct {
	mem    map[string]K // by encoded key
	disk   int
	synced bool
}

func (bk *bucket[K]) empty() bool { return len(bk.mem) == 0 && bk.disk == 0 }

// timerOver is the memory of an in-memory timer besides its encoded key:
// its map slot and string header, roughly.
const timerOver = 48

// NewTimers opens the timer set name on b, with the timers stored under
// name (after Close and reopen, or Restore), whose index it rebuilds by
// scanning their keys. Errors are as for NewTable.
func NewTimers[K comparable](b *Backend, name string) (*Timers[K], error) {
	kc, err := keyCodecFor[K]()
	if err != nil {
		return nil, fmt.Errorf("state: timers %q: %w", name, err)
	}
	id, err := b.open(name, kindTimers)
	if err != nil {
		return nil, err
	}
	t := &Timers[K]{b: b, name: name, id: id, key: kc, buckets: map[int64]*bucket[K]{}, pending: map[string]bool{}}
	err = b.scanKeys(appendID(nil, id), nil, func(key []byte) (bool, error) {
		if len(key) < idLen+8 {
			return false, fmt.Errorf("%w: timers %q: key %x", ErrCorrupt, name, key)
		}
		t.bucket(decodeTS(key[idLen:])).disk++
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	return t, b.attach(name, t)
}

// encodeTS makes timestamps sort as unsigned big-endian bytes.
func encodeTS(dst []byte, ts int64) []byte {
	return binary.BigEndian.AppendUint64(dst, uint64(ts)^1<<63)
}

func decodeTS(b []byte) int64 { return int64(binary.BigEndian.Uint64(b) ^ 1<<63) }

// fullKey returns the Badger key of a timer, in t.scratch.
func (t *Timers[K]) fullKey(ts int64, k K) []byte {
	t.scratch = t.key.Append(encodeTS(appendID(t.scratch[:0], t.id), ts), k)
	return t.scratch
}

// memKey returns the Badger key of an in-memory timer, in t.scratch.
func (t *Timers[K]) memKey(ts int64, enc string) []byte {
	t.scratch = append(encodeTS(appendID(t.scratch[:0], t.id), ts), enc...)
	return t.scratch
}

// bucket returns ts's bucket, creating it.
func (t *Timers[K]) bucket(ts int64) *bucket[K] {
	bk, ok := t.buckets[ts]
	if !ok {
		bk = &bucket[K]{}
		t.buckets[ts] = bk
		heap.Push(&t.times, ts)
		if len(t.times) > 2*len(t.buckets)+64 {
			t.rebuildHeap()
		}
	}
	return bk
}

func (t *Timers[K]) rebuildHeap() {
	t.times = t.times[:0]
	for ts := range t.buckets {
		t.times = append(t.times, ts)
	}
	heap.Init(&t.times)
}

// Register sets the timer (ts, k); setting one that is set does nothing.
func (t *Timers[K]) Register(ts int64, k K) error {
	if t.b.closed {
		return ErrClosed
	}
	full := t.fullKey(ts, k)
	bk := t.bucket(ts)
	if bk.mem == nil && bk.disk > 0 {
		return t.registerDisk(bk, full)
	}
	enc := string(full[idLen+8:])
	if _, ok := bk.mem[enc]; ok {
		return nil
	}
	if bk.mem == nil {
		bk.mem = map[string]K{}
	}
	bk.mem[enc] = k
	t.bytes += timerOver + int64(len(enc))
	t.count++
	if bk.synced {
		bk.disk++
		if err := t.write(full, true); err != nil {
			return err
		}
	}
	return t.spill()
}

func (t *Timers[K]) registerDisk(bk *bucket[K], full []byte) error {
	ok, err := t.stored(full)
	if err != nil || ok {
		return err
	}
	bk.disk++
	return t.write(full, true)
}

// Delete removes the timer (ts, k), if set.
func (t *Timers[K]) Delete(ts int64, k K) error {
	if t.b.closed {
		return ErrClosed
	}
	bk, ok := t.buckets[ts]
	if !ok {
		return nil
	}
	full := t.fullKey(ts, k)
	if bk.mem == nil {
		if ok, err := t.stored(full); err != nil || !ok {
			return err
		}
		bk.disk--
	} else {
		enc := string(full[idLen+8:])
		if _, ok := bk.mem[enc]; !ok {
			return nil
		}
		t.dropMem(bk, enc)
	}
	if bk.synced || bk.mem == nil {
		if err := t.write(full, false); err != nil {
			return err
		}
	}
	t.tidy(ts, bk)
	return nil
}

// dropMem removes an in-memory timer; a mirrored bucket's Badger copy is
// the caller's to delete.
func (t *Timers[K]) dropMem(bk *bucket[K], enc string) {
	delete(bk.mem, enc)
	t.bytes -= timerOver + int64(len(enc))
	t.count--
	if bk.synced {
		bk.disk--
	}
}

// tidy forgets an empty bucket, unless Fire is in it; its timestamp
// leaves the heap when it reaches the top.
func (t *Timers[K]) tidy(ts int64, bk *bucket[K]) {
	if bk.empty() && bk != t.firing {
		delete(t.buckets, ts)
	}
}

// Next returns the earliest timestamp with a timer set.
func (t *Timers[K]) Next() (int64, bool) {
	for len(t.times) > 0 {
		ts := t.times[0]
		bk, ok := t.buckets[ts]
		if ok && !bk.empty() {
			return ts, true
		}
		heap.Pop(&t.times)
		if ok && bk != t.firing {
			delete(t.buckets, ts)
		}
	}
	return 0, false
}

// Fire calls fn for every timer with ts <= upTo, in ascending ts and, at
// equal ts, in the order of encoded keys, removing each timer before its
// call. fn may Register and Delete timers: one it registers at or before
// upTo fires in this call too (after the timers of its ts already taken
// in hand, if at the ts being fired, so not necessarily in key order),
// and one it deletes before its turn does not fire. An error from fn
// stops Fire and is returned as is; the timers not yet called stay set.
func (t *Timers[K]) Fire(upTo int64, fn func(ts int64, k K) error) error {
	if t.b.closed {
		return ErrClosed
	}
	for {
		ts, ok := t.Next()
		if !ok || ts > upTo {
			return nil
		}
		if err := t.fireBucket(ts, t.buckets[ts], fn); err != nil {
			return err
		}
	}
}

func (t *Timers[K]) fireBucket(ts int64, bk *bucket[K], fn func(int64, K) error) error {
	t.firing = bk
	defer func() {
		t.firing = nil
		if bk.empty() {
			delete(t.buckets, ts)
		} else {
			heap.Push(&t.times, ts) // in case fn called Next, which popped it
		}
	}()
	for !bk.empty() {
		var err error
		if len(bk.mem) > 0 {
			err = t.fireMem(ts, bk, fn)
		} else {
			err = t.fireDisk(ts, bk, fn)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// fireMem fires an in-memory bucket's timers in key order.
func (t *Timers[K]) fireMem(ts int64, bk *bucket[K], fn func(int64, K) error) error {
	encs := make([]string, 0, len(bk.mem))
	for enc := range bk.mem {
		encs = append(encs, enc)
	}
	slices.Sort(encs)
	for _, enc := range encs {
		k, ok := bk.mem[enc]
		if !ok {
			continue // deleted by fn
		}
		synced := bk.synced
		t.dropMem(bk, enc)
		if synced {
			if err := t.write(t.memKey(ts, enc), false); err != nil {
				return err
			}
		}
		if err := fn(ts, k); err != nil {
			return err
		}
	}
	return nil
}
