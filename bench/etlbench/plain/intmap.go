package main

// intMap is a fixed-capacity open-addressing hash table from int64 keys to
// uint32 values below 2^32-1, with linear probing and Fibonacci hashing:
// for the join tables, a flat array of slots costs one cache miss a lookup
// where a map of this size costs more. It is not safe for concurrent
// writes; concurrent lookups are fine once it is built.
type intMap struct {
	slots []slot
	shift uint // 64 - log2(len(slots))
	n     int
}

// slot is one entry; val is the value plus 1, 0 for an empty slot.
type slot struct {
	key int64
	val uint32
}

// newIntMap returns a table for up to n keys, at most half full.
func newIntMap(n int) *intMap {
	bits := uint(4)
	for 1<<bits < 2*n {
		bits++
	}
	return &intMap{slots: make([]slot, 1<<bits), shift: 64 - bits}
}

func (m *intMap) home(key int64) uint64 {
	return uint64(key) * 0x9e3779b97f4a7c15 >> m.shift
}

// put sets key's value and reports whether key was new. The table must
// have room: put panics past the capacity newIntMap was given.
func (m *intMap) put(key int64, val uint32) bool {
	if 2*(m.n+1) > len(m.slots) {
		panic("plain: intMap over capacity")
	}
	mask := uint64(len(m.slots) - 1)
	for i := m.home(key); ; i = (i + 1) & mask {
		s := &m.slots[i]
		if s.val == 0 {
			*s = slot{key, val + 1}
			m.n++
			return true
		}
		if s.key == key {
			s.val = val + 1
			return false
		}
	}
}

// get returns key's value and whether it is there.
func (m *intMap) get(key int64) (uint32, bool) {
	mask := uint64(len(m.slots) - 1)
	for i := m.home(key); ; i = (i + 1) & mask {
		s := m.slots[i]
		if s.val == 0 {
			return 0, false
		}
		if s.key == key {
			return s.val - 1, true
		}
	}
}

// len returns the number of keys.
func (m *intMap) len() int { return m.n }
