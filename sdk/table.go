package sdk

import "slices"

// table is a hash table of keys to combined values. A hit costs one map
// lookup; a key is cloned (detached from the input buffer it points into)
// only when it is inserted.
type table[K comparable, V any] struct {
	idx     map[K]int32
	keys    []K
	vals    []V
	combine func(V, V) V
	clone   func(K) K
}

func newTable[K comparable, V any](combine func(V, V) V, clone func(K) K) *table[K, V] {
	return &table[K, V]{idx: make(map[K]int32, 1024), combine: combine, clone: clone}
}

func (t *table[K, V]) add(k K, v V) {
	if i, ok := t.idx[k]; ok {
		t.vals[i] = t.combine(t.vals[i], v)
		return
	}
	k = t.clone(k)
	t.idx[k] = int32(len(t.keys))
	t.keys = append(t.keys, k)
	t.vals = append(t.vals, v)
}

func (t *table[K, V]) len() int { return len(t.keys) }

// each calls fn for every entry, in key order when compare is not nil,
// then empties the table.
func (t *table[K, V]) each(compare func(a, b K) int, fn func(K, V)) {
	order := make([]int32, len(t.keys))
	for i := range order {
		order[i] = int32(i)
	}
	if compare != nil {
		slices.SortFunc(order, func(a, b int32) int { return compare(t.keys[a], t.keys[b]) })
	}
	for _, i := range order {
		fn(t.keys[i], t.vals[i])
	}
	clear(t.idx)
	t.keys, t.vals = t.keys[:0], t.vals[:0]
}
