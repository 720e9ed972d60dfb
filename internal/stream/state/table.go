package state

import (
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

type entry[V any] struct {
	v       V
	dirty   bool
	deleted bool
}

// Table is a named keyed map K → V.
type Table[K comparable, V any] struct {
	b      *Backend
	prefix []byte
	mem    map[K]*entry[V]
}

// NewTable opens table name.
func NewTable[K comparable, V any](b *Backend, name string) (*Table[K, V], error) {
	if _, ok := b.parts["t/"+name]; ok {
		return nil, fmt.Errorf("%w: %q", ErrDuplicate, name)
	}
	var k K
	var v V
	if _, err := encode(&k); err != nil {
		return nil, err
	}
	if _, err := encode(&v); err != nil {
		return nil, err
	}
	t := &Table[K, V]{b: b, prefix: prefix("t/" + name), mem: map[K]*entry[V]{}}
	b.parts["t/"+name] = t
	return t, nil
}

func (t *Table[K, V]) key(k K) ([]byte, error) {
	kb, err := encode(&k)
	if err != nil {
		return nil, err
	}
	return append(append([]byte{}, t.prefix...), kb...), nil
}

// Get returns k's value.
func (t *Table[K, V]) Get(k K) (V, bool, error) {
	var zero V
	if e, ok := t.mem[k]; ok {
		if e.deleted {
			return zero, false, nil
		}
		return e.v, true, nil
	}
	key, err := t.key(k)
	if err != nil {
		return zero, false, err
	}
	var v V
	err = t.b.db.View(func(txn *badger.Txn) error {
		it, err := txn.Get(key)
		if err != nil {
			return err
		}
		return it.Value(func(val []byte) error { return decode(val, &v) })
	})
	if errors.Is(err, badger.ErrKeyNotFound) {
		return zero, false, nil
	}
	if err != nil {
		return zero, false, err
	}
	t.mem[k] = &entry[V]{v: v}
	return v, true, t.maybeSpill()
}

// Put sets k's value.
func (t *Table[K, V]) Put(k K, v V) error {
	if e, ok := t.mem[k]; ok {
		e.v, e.dirty, e.deleted = v, true, false
		return nil
	}
	t.mem[k] = &entry[V]{v: v, dirty: true}
	return t.maybeSpill()
}

// Delete removes k.
func (t *Table[K, V]) Delete(k K) error {
	var zero V
	t.mem[k] = &entry[V]{v: zero, dirty: true, deleted: true}
	return t.maybeSpill()
}

// Len is the number of cached entries.
func (t *Table[K, V]) Len() int { return len(t.mem) }

func (t *Table[K, V]) maybeSpill() error {
	if len(t.mem) <= t.b.budget {
		return nil
	}
	if err := t.flush(); err != nil {
		return err
	}
	clear(t.mem)
	return nil
}

// flush writes dirty entries to Badger.
func (t *Table[K, V]) flush() error {
	wb := t.b.db.NewWriteBatch()
	defer wb.Cancel()
	for k, e := range t.mem {
		if !e.dirty {
			continue
		}
		key, err := t.key(k)
		if err != nil {
			return err
		}
		if e.deleted {
			err = wb.Delete(key)
		} else {
			var val []byte
			if val, err = encode(&e.v); err == nil {
				err = wb.Set(key, val)
			}
		}
		if err != nil {
			return err
		}
		e.dirty = false
	}
	return wb.Flush()
}

// Range calls fn for every live entry.
func (t *Table[K, V]) Range(fn func(K, V) error) error {
	if err := t.flush(); err != nil {
		return err
	}
	clear(t.mem)
	return t.b.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: t.prefix})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var k K
			var v V
			if err := decode(it.Item().Key()[len(t.prefix):], &k); err != nil {
				return err
			}
			if err := it.Item().Value(func(val []byte) error { return decode(val, &v) }); err != nil {
				return err
			}
			if err := fn(k, v); err != nil {
				return err
			}
		}
		return nil
	})
}
