package state

// Entry flags.
const (
	dirty  = 1 << iota // differs from Badger: to be written
	dead               // deleted: a tombstone, or a cached "not in Badger"
	absent             // known not to be in Badger
)

// entry is one cached key. Entries live in a slice and link into the LRU
// list by index, so the cache allocates nothing per entry once grown.
type entry[K comparable, V any] struct {
	key        K
	val        V
	prev, next int32
	size       int32 // estimated bytes, counted in lru.bytes
	flags      uint8
}

// lru is a map from keys to entries in least-recently-used order. ents[0]
// is the sentinel of the circular list: ents[0].next is the most
// recently used entry and ents[0].prev the least.
type lru[K comparable, V any] struct {
	idx   map[K]int32
	ents  []entry[K, V]
	free  []int32
	bytes int64
}

func newLRU[K comparable, V any]() *lru[K, V] {
	return &lru[K, V]{idx: map[K]int32{}, ents: make([]entry[K, V], 1)}
}

// find returns k's entry, made the most recently used, or 0.
func (c *lru[K, V]) find(k K) int32 {
	i, ok := c.idx[k]
	if !ok {
		return 0
	}
	if c.ents[0].next != i {
		c.unlink(i)
		c.pushFront(i)
	}
	return i
}

// add inserts k, which must be absent, as the most recently used entry.
func (c *lru[K, V]) add(k K, v V, size int32, flags uint8) int32 {
	var i int32
	if n := len(c.free); n > 0 {
		i, c.free = c.free[n-1], c.free[:n-1]
	} else {
		c.ents = append(c.ents, entry[K, V]{})
		i = int32(len(c.ents) - 1)
	}
	c.ents[i] = entry[K, V]{key: k, val: v, size: size, flags: flags}
	c.idx[k] = i
	c.bytes += int64(size)
	c.pushFront(i)
	return i
}

// resize changes an entry's estimated size.
func (c *lru[K, V]) resize(i int32, size int32) {
	c.bytes += int64(size) - int64(c.ents[i].size)
	c.ents[i].size = size
}

// remove drops an entry.
func (c *lru[K, V]) remove(i int32) {
	c.unlink(i)
	delete(c.idx, c.ents[i].key)
	c.bytes -= int64(c.ents[i].size)
	c.ents[i] = entry[K, V]{}
	c.free = append(c.free, i)
}

// oldest returns the least recently used entry, or 0 if there is none.
func (c *lru[K, V]) oldest() int32 { return c.ents[0].prev }

func (c *lru[K, V]) len() int { return len(c.idx) }

func (c *lru[K, V]) pushFront(i int32) {
	first := c.ents[0].next
	c.ents[i].prev, c.ents[i].next = 0, first
	c.ents[first].prev = i
	c.ents[0].next = i
}

func (c *lru[K, V]) unlink(i int32) {
	e := &c.ents[i]
	c.ents[e.prev].next = e.next
	c.ents[e.next].prev = e.prev
}
