package state

// Write-back: how a Table's cache reaches Badger.

// evict writes back and drops least recently used entries once the cache
// exceeds the table's budget, down to three quarters of it, so that each
// WriteBatch carries a quarter of the budget rather than one entry.
func (t *Table[K, V]) evict() error {
	if t.c.bytes <= t.budget {
		return nil
	}
	target := t.budget - t.budget/4
	w := t.b.newBatch()
	for t.c.bytes > target {
		i := t.c.oldest()
		if i == 0 {
			break
		}
		if _, err := t.write(w, i); err != nil {
			w.cancel()
			return err
		}
		t.c.remove(i)
		if err := w.full(); err != nil {
			return err
		}
	}
	return w.commit()
}

// flush writes every dirty entry; they stay cached, clean.
func (t *Table[K, V]) flush() error {
	w := t.b.newBatch()
	for i := int32(1); i < int32(len(t.c.ents)); i++ {
		if t.c.ents[i].flags&dirty == 0 {
			continue
		}
		size, err := t.write(w, i)
		if err != nil {
			w.cancel()
			return err
		}
		t.c.resize(i, size)
		if err := w.full(); err != nil {
			return err
		}
	}
	return w.commit()
}

// write adds entry i to w if it is dirty, marks it clean, and returns its
// size as measured by encoding it.
func (t *Table[K, V]) write(w *batch, i int32) (int32, error) {
	e := &t.c.ents[i]
	if e.flags&dirty == 0 || e.flags&(dead|absent) == dead|absent {
		e.flags &^= dirty
		return e.size, nil
	}
	start := len(w.buf)
	w.buf = t.key.Append(appendID(w.buf, t.id), e.key)
	key := w.view(start)
	e.flags &^= dirty
	if e.flags&dead != 0 {
		e.flags |= absent
		return t.over + int32(len(key)-idLen), w.delete(key)
	}
	start = len(w.buf)
	w.buf = t.val.Append(w.buf, e.val)
	val := w.view(start)
	e.flags &^= absent
	t.spilled = true
	return t.over + int32(len(key)-idLen+len(val)), w.set(key, val)
}

func (t *Table[K, V]) setBudget(bytes int64) error {
	t.budget = bytes
	return t.evict()
}

func (t *Table[K, V]) cached() (int64, int) { return t.c.bytes, t.c.len() }
