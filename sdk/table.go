package sdk

import (
	"cmp"
	"reflect"
	"slices"
	"strings"
	"unsafe"

	"spindle/internal/codec"
)

// table is a hash table of keys to combined values. A hit costs one
// lookup; a key is cloned (detached from the input buffer it points into)
// only when it is inserted. Keys whose type is a string kind are indexed
// by a strIndex, others by a Go map. It knows its size in bytes (see
// bytes), which is what memory budgets count.
type table[K comparable, V any] struct {
	idx      map[K]int32 // nil when str indexes the keys
	str      *strIndex
	counting bool // V is int64 and the counts are in str's slots
	keys     []K
	vals     []V
	keyBytes int64         // bytes of the cloned keys' contents
	keySize  func(K) int64 // contents of a struct key (its strings), beyond its own size; nil if none
	combine  func(V, V) V
	key      codec.Key[K]
}

func newTable[K comparable, V any](combine func(V, V) V, key codec.Key[K]) *table[K, V] {
	t := &table[K, V]{combine: combine, key: key}
	if reflect.TypeFor[K]().Kind() == reflect.String {
		t.str = newStrIndex()
	} else {
		t.idx = make(map[K]int32, 1024)
		if col, err := codec.For[K](); err == nil && col.Clone != nil { // a struct with strings
			var z K
			own := int64(unsafe.Sizeof(z))
			t.keySize = func(k K) int64 { return max(0, int64(col.Size(k))-own) }
		}
	}
	return t
}

// add combines v into k's entry, or inserts one; it reports whether it
// inserted.
func (t *table[K, V]) add(k K, v V) bool {
	i, found := t.find(k)
	if found {
		t.vals[i] = t.combine(t.vals[i], v)
		return false
	}
	t.vals = append(t.vals, v)
	return true
}

// find returns k's entry, or inserts k (its value still to be appended)
// and reports false.
func (t *table[K, V]) find(k K) (int32, bool) {
	if t.str != nil {
		i, found := t.str.find(*(*string)(unsafe.Pointer(&k)), int32(len(t.keys)), t.stringKeys())
		if !found {
			t.insertKey(k)
		}
		return i, found
	}
	if i, ok := t.idx[k]; ok {
		return i, true
	}
	i := int32(len(t.keys))
	t.idx[t.insertKey(k)] = i
	return i, false
}

// insertKey appends a clone of k to keys and returns it.
func (t *table[K, V]) insertKey(k K) K {
	k = t.key.Clone(k)
	if t.str != nil {
		t.keyBytes += int64(len(*(*string)(unsafe.Pointer(&k)))+7) &^ 7 // the allocator's granule
	} else if t.keySize != nil {
		t.keyBytes += t.keySize(k)
	}
	t.keys = append(t.keys, k)
	return k
}

// stringKeys views the keys, of a string kind, as strings.
func (t *table[K, V]) stringKeys() []string {
	return unsafe.Slice((*string)(unsafe.Pointer(unsafe.SliceData(t.keys))), len(t.keys))
}

// count adds one to k's count and reports whether k is new. Counts of
// string keys live in their strIndex slots until each gathers them (one
// cache miss a hit instead of two); only count may add to such a table.
func count[K comparable](t *table[K, int64], k K) bool {
	if t.str == nil {
		i, found := t.find(k)
		if found {
			t.vals[i]++
			return false
		}
		t.vals = append(t.vals, 1)
		return true
	}
	t.counting = true
	s, found := t.str.slot(*(*string)(unsafe.Pointer(&k)), int32(len(t.keys)), t.stringKeys())
	s.cnt++
	if !found {
		t.insertKey(k)
		t.vals = append(t.vals, 0)
	}
	return !found
}

func (t *table[K, V]) len() int { return len(t.keys) }

// mapEntryBytes is what a Go map spends on an entry beyond its key and
// value: control bytes, empty slots at its load factor, growth.
const mapEntryBytes = 24

// bytes is the table's memory: its index, its key and value slices as
// allocated, and the contents of its string keys. Values' contents beyond
// their fixed size (strings, slices) are not counted: callers that keep
// such values count them.
func (t *table[K, V]) bytes() int64 {
	var k K
	var v V
	n := int64(cap(t.keys))*int64(unsafe.Sizeof(k)) + int64(cap(t.vals))*int64(unsafe.Sizeof(v)) + t.keyBytes
	if t.str != nil {
		return n + int64(len(t.str.slots))*int64(unsafe.Sizeof(strSlot{}))
	}
	return n + int64(len(t.idx))*(int64(unsafe.Sizeof(k))+4+mapEntryBytes)
}

// each calls fn for every entry, in key order when sorted, then empties
// the table.
func (t *table[K, V]) each(sorted bool, fn func(K, V)) {
	if t.counting {
		t.str.counts(any(t.vals).([]int64))
	}
	for _, i := range t.order(sorted) {
		fn(t.keys[i], t.vals[i])
	}
	t.reset()
}

// reset empties the table. It keeps the memory it has unless that is
// large: a table emptied because it filled its budget gives the memory
// back and grows again, since bytes counts what it holds, not what it
// fills.
func (t *table[K, V]) reset() {
	if t.bytes() > keepBytes {
		*t = *newTable[K, V](t.combine, t.key)
		return
	}
	if t.str != nil {
		t.str.reset()
	} else {
		clear(t.idx)
	}
	clear(t.keys) // let the keys be collected
	t.keys, t.vals, t.keyBytes, t.counting = t.keys[:0], t.vals[:0], 0, false
}

// keepBytes is the most memory an emptied table keeps for reuse.
const keepBytes = 4 << 20

// order returns the entry numbers, in key order when sorted. String keys
// sort by their first 8 bytes as a big-endian integer, zero-padded, and
// only ties compare the strings: random keys then cost one integer
// comparison each instead of two cache misses.
func (t *table[K, V]) order(sorted bool) []int32 {
	if !sorted || t.str == nil {
		order := make([]int32, len(t.keys))
		for i := range order {
			order[i] = int32(i)
		}
		if sorted {
			slices.SortFunc(order, func(a, b int32) int { return t.key.Compare(t.keys[a], t.keys[b]) })
		}
		return order
	}
	keys := t.stringKeys()
	pre := make([]prefixed, len(keys))
	for i, k := range keys {
		pre[i] = prefixed{prefix(k), int32(i)}
	}
	slices.SortFunc(pre, func(a, b prefixed) int {
		if c := cmp.Compare(a.p, b.p); c != 0 {
			return c
		}
		return strings.Compare(keys[a.i], keys[b.i])
	})
	order := make([]int32, len(pre))
	for i, p := range pre {
		order[i] = p.i
	}
	return order
}

// prefixed is an entry number and its key's prefix.
type prefixed struct {
	p uint64
	i int32
}

// prefix is the first 8 bytes of s, big-endian, zero-padded: s < t
// implies prefix(s) <= prefix(t).
func prefix(s string) uint64 {
	var p uint64
	for i := range 8 {
		p <<= 8
		if i < len(s) {
			p |= uint64(s[i])
		}
	}
	return p
}
