package state

import (
	"bytes"
	"fmt"
	"slices"
	"unsafe"
)

// sampleEvery is how often Put measures a value's encoded size; other
// Puts use the table's running average, so a hit costs no encoding.
const sampleEvery = 16

// Table is a named map from K to V, cached in memory over Badger. Get, Put
// and Delete work on the cache; a miss reads Badger, and entries past the
// table's share of the cache budget are written back in batches, least
// recently used first. Range and Clear also cover the written-back part.
//
// K is restricted to types whose == agrees with their encoding: bool,
// ints, uints, strings, and arrays and structs of them (see CodecFor).
//
// The cache holds values as given: a slice, map or pointer in a value
// that is modified in place must be Put again, or the change may be lost
// or, worse, survive only until the entry is evicted.
//
// A Table is not safe for concurrent use. Errors after Close wrap
// ErrClosed; a stored value that does not decode gives one wrapping
// ErrCorrupt.
type Table[K comparable, V any] struct {
	b       *Backend
	name    string
	id      uint32
	key     Codec[K]
	val     Codec[V]
	c       *lru[K, V]
	budget  int64
	spilled bool  // Badger may hold entries of this table
	over    int32 // fixed memory per entry: the entry and its map slot
	avgKey  int32 // running estimates of encoded sizes
	avgVal  int32
	puts    uint32
	scratch []byte
}

// NewTable opens the table name on b. Its entries are those stored under
// name (after Close and reopen, or Restore), else none. Opening a name
// that is open already, or that names a timer set, is an error wrapping
// ErrDuplicate; a K or V CodecFor rejects, or a K that is not a valid key, one
// wrapping ErrUnsupported.
func NewTable[K comparable, V any](b *Backend, name string) (*Table[K, V], error) {
	kc, err := keyCodecFor[K]()
	if err != nil {
		return nil, fmt.Errorf("state: table %q: %w", name, err)
	}
	vc, err := CodecFor[V]()
	if err != nil {
		return nil, fmt.Errorf("state: table %q: %w", name, err)
	}
	id, err := b.open(name, kindTable)
	if err != nil {
		return nil, err
	}
	t := &Table[K, V]{b: b, name: name, id: id, key: kc, val: vc, c: newLRU[K, V](),
		over: int32(unsafe.Sizeof(entry[K, V]{}) + unsafe.Sizeof(*new(K)) + 16)}
	if t.spilled, err = b.hasPrefix(appendID(nil, id)); err != nil {
		return nil, err
	}
	return t, b.attach(name, t)
}

// Get returns k's value; ok is false if k has none.
func (t *Table[K, V]) Get(k K) (v V, ok bool, err error) {
	if t.b.closed {
		return v, false, ErrClosed
	}
	if i := t.c.find(k); i != 0 {
		e := &t.c.ents[i]
		return e.val, e.flags&dead == 0, nil
	}
	if !t.spilled {
		return v, false, nil
	}
	return t.load(k)
}

// load reads k from Badger into the cache; a key Badger lacks is cached
// as dead, so that asking again costs no read.
func (t *Table[K, V]) load(k K) (v V, found bool, err error) {
	t.scratch = t.key.Append(appendID(t.scratch[:0], t.id), k)
	var derr error
	valLen := 0
	found, err = t.b.get(t.scratch, func(val []byte) error {
		v, derr = t.val.Decode(val)
		valLen = len(val)
		return nil
	})
	if err == nil && derr != nil {
		err = fmt.Errorf("state: table %q: %w", t.name, derr)
	}
	if err != nil {
		return v, false, err
	}
	size := t.over + int32(len(t.scratch)-idLen) + int32(valLen)
	if found {
		t.c.add(k, v, size, 0)
	} else {
		t.c.add(k, v, size, dead|absent)
	}
	return v, found, t.evict()
}

// Put sets k's value to v.
func (t *Table[K, V]) Put(k K, v V) error {
	if t.b.closed {
		return ErrClosed
	}
	t.puts++
	sample := t.puts%sampleEvery == 1
	if i := t.c.find(k); i != 0 {
		e := &t.c.ents[i]
		e.val = v
		e.flags = e.flags&absent | dirty
		if sample {
			t.c.resize(i, t.measure(k, v))
		}
	} else {
		size := t.over + t.avgKey + t.avgVal
		if sample {
			size = t.measure(k, v)
		}
		flags := uint8(dirty)
		if !t.spilled {
			flags |= absent
		}
		t.c.add(k, v, size, flags)
	}
	return t.evict()
}

// measure encodes an entry to estimate its size and updates the averages.
func (t *Table[K, V]) measure(k K, v V) int32 {
	t.scratch = t.key.Append(t.scratch[:0], k)
	kl := int32(len(t.scratch))
	t.scratch = t.val.Append(t.scratch, v)
	vl := int32(len(t.scratch)) - kl
	t.avgKey += (kl - t.avgKey + 4) / 8
	t.avgVal += (vl - t.avgVal + 4) / 8
	if t.puts == 1 {
		t.avgKey, t.avgVal = kl, vl
	}
	return t.over + kl + vl
}

// Delete removes k's value. It writes nothing to Badger yet: the cache
// keeps a tombstone until it is evicted or flushed.
func (t *Table[K, V]) Delete(k K) error {
	if t.b.closed {
		return ErrClosed
	}
	var zero V
	if i := t.c.find(k); i != 0 {
		e := &t.c.ents[i]
		if e.flags&dead == 0 {
			e.val = zero
			e.flags = e.flags&absent | dead
			if e.flags&absent == 0 {
				e.flags |= dirty
			}
		}
		return nil
	}
	if !t.spilled {
		return nil
	}
	t.c.add(k, zero, t.over+t.avgKey, dead|dirty)
	return t.evict()
}

// Len returns the number of cached entries, tombstones included.
func (t *Table[K, V]) Len() int { return t.c.len() }

// Range calls fn for every entry, in the order of encoded keys, each
// once, with the values the table had when Range started: fn may Put and
// Delete, and those changes do not show in this Range. An error from fn
// stops Range and is returned as is.
//
// If any entry was ever written back, Range first flushes the cache, so
// that Badger holds every entry, then reads them from Badger; else it
// sorts the cache.
func (t *Table[K, V]) Range(fn func(k K, v V) error) error {
	if t.b.closed {
		return ErrClosed
	}
	if !t.spilled {
		return t.rangeCache(fn)
	}
	if err := t.flush(); err != nil {
		return err
	}
	return t.b.scan(appendID(nil, t.id), nil, func(key, val []byte) (bool, error) {
		k, err := t.key.Decode(key[idLen:])
		if err != nil {
			return false, fmt.Errorf("state: table %q: key: %w", t.name, err)
		}
		v, err := t.val.Decode(val)
		if err != nil {
			return false, fmt.Errorf("state: table %q: %w", t.name, err)
		}
		return true, fn(k, v)
	})
}

func (t *Table[K, V]) rangeCache(fn func(k K, v V) error) error {
	type kv struct {
		start, end int
		i          int32
	}
	var buf []byte
	var live []kv
	for _, i := range t.c.idx {
		if e := &t.c.ents[i]; e.flags&dead == 0 {
			start := len(buf)
			buf = t.key.Append(buf, e.key)
			live = append(live, kv{start, len(buf), i})
		}
	}
	slices.SortFunc(live, func(a, b kv) int { return bytes.Compare(buf[a.start:a.end], buf[b.start:b.end]) })
	ents := make([]entry[K, V], len(live))
	for j, e := range live {
		ents[j] = t.c.ents[e.i]
	}
	for _, e := range ents {
		if err := fn(e.key, e.val); err != nil {
			return err
		}
	}
	return nil
}

// Clear deletes every entry, cached and written back.
func (t *Table[K, V]) Clear() error {
	if t.b.closed {
		return ErrClosed
	}
	t.c = newLRU[K, V]()
	if !t.spilled {
		return nil
	}
	if err := t.b.deletePrefix(appendID(nil, t.id)); err != nil {
		return fmt.Errorf("state: table %q: clear: %w", t.name, err)
	}
	t.spilled = false
	return nil
}
