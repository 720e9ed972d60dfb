package state

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
)

// Key layout. Every Badger key starts with a 4-byte big-endian id: 0 for
// the registry, which maps names to ids, then one id per table or timer
// set. A fixed width means no table's prefix is a prefix of another's.
const (
	idLen      = 4
	metaID     = 0
	kindTable  = 't'
	kindTimers = 'm'
)

// metaPrefix starts the registry's keys: metaPrefix+name → kind, id.
var metaPrefix = []byte{0, 0, 0, 0, 'n'}

// badgerOptions keeps Badger small: its defaults (64 MiB memtables, 256
// MiB block cache, 1 GiB value log files, tables doubling in size per
// level) suit a database server, not one of many tasks on a worker. Values
// up to 1 KiB stay in the LSM tree; larger ones go to the value log, whose
// 16 MiB files also bound a value's size. Writes are not synced: the
// snapshot, not the local copy, is what survives a crash.
func badgerOptions(dir string) badger.Options {
	opts := badger.DefaultOptions(dir)
	opts.TableSizeMultiplier = 1 // 2 MiB tables on every level: smaller compaction buffers
	return opts.
		WithLogger(nil).
		WithSyncWrites(false).
		WithDetectConflicts(false).
		WithNumVersionsToKeep(1).
		WithMemTableSize(4 << 20).
		WithNumMemtables(2).
		WithNumLevelZeroTables(2).
		WithNumLevelZeroTablesStall(8).
		WithBaseTableSize(2 << 20).
		WithBaseLevelSize(16 << 20).
		WithValueLogFileSize(16 << 20).
		WithValueThreshold(1 << 10).
		WithNumCompactors(2).
		WithCompression(options.None).
		WithBlockCacheSize(0).
		WithIndexCacheSize(0)
}

func appendID(dst []byte, id uint32) []byte { return binary.BigEndian.AppendUint32(dst, id) }

type registration struct {
	id   uint32
	kind byte
}

// registry is the persisted map of names to ids.
type registry struct {
	names map[string]registration
	next  uint32
}

func parseRegistration(key, val []byte) (string, registration, error) {
	if len(key) <= len(metaPrefix) || len(val) != 1+idLen {
		return "", registration{}, fmt.Errorf("%w: registry entry %q", ErrCorrupt, key)
	}
	r := registration{kind: val[0], id: binary.BigEndian.Uint32(val[1:])}
	if r.id == metaID || (r.kind != kindTable && r.kind != kindTimers) {
		return "", registration{}, fmt.Errorf("%w: registry entry %q", ErrCorrupt, key)
	}
	return string(key[len(metaPrefix):]), r, nil
}

func (b *Backend) loadRegistry() error {
	b.reg = registry{names: map[string]registration{}, next: 1}
	return b.scan(metaPrefix, nil, func(key, val []byte) (bool, error) {
		name, r, err := parseRegistration(key, val)
		if err != nil {
			return false, err
		}
		b.reg.names[name] = r
		b.reg.next = max(b.reg.next, r.id+1)
		return true, nil
	})
}

// id returns the id of name, assigning and persisting a new one if it
// has none.
func (r *registry) id(b *Backend, name string, kind byte) (uint32, error) {
	if got, ok := r.names[name]; ok {
		if got.kind != kind {
			return 0, fmt.Errorf("%w: %q is stored as the other kind (table or timers)", ErrDuplicate, name)
		}
		return got.id, nil
	}
	reg := registration{id: r.next, kind: kind}
	key := append(append([]byte{}, metaPrefix...), name...)
	val := appendID([]byte{kind}, reg.id)
	if err := b.db.Update(func(txn *badger.Txn) error { return txn.Set(key, val) }); err != nil {
		return 0, fmt.Errorf("state: register %q: %w", name, err)
	}
	b.dropReader()
	r.names[name] = reg
	r.next++
	return reg.id, nil
}

// dropReader discards the point-read transaction, so that the next read
// sees the latest writes.
func (b *Backend) dropReader() {
	if b.reader != nil {
		b.reader.Discard()
		b.reader = nil
	}
}

// get reads key, passing its value (valid only during fn) to fn; found is
// false if there is none.
func (b *Backend) get(key []byte, fn func(val []byte) error) (found bool, err error) {
	if b.reader == nil {
		b.reader = b.db.NewTransaction(false)
	}
	item, err := b.reader.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return false, nil
	}
	if err == nil {
		err = item.Value(fn)
	}
	if err != nil {
		return false, fmt.Errorf("state: read: %w", err)
	}
	return true, nil
}

// exists reports whether key is stored.
func (b *Backend) exists(key []byte) (bool, error) {
	return b.get(key, func([]byte) error { return nil })
}

// scan calls fn for each key with prefix, from start (or the first) in
// key order, until fn returns false. Keys and values are valid only
// during fn. It reads a snapshot taken when it starts, so fn may write.
func (b *Backend) scan(prefix, start []byte, fn func(key, val []byte) (bool, error)) error {
	return b.iterate(prefix, start, true, fn)
}

// scanKeys is scan without reading values (val is nil).
func (b *Backend) scanKeys(prefix, start []byte, fn func(key []byte) (bool, error)) error {
	return b.iterate(prefix, start, false, func(key, _ []byte) (bool, error) { return fn(key) })
}

func (b *Backend) iterate(prefix, start []byte, values bool, fn func(key, val []byte) (bool, error)) error {
	txn := b.db.NewTransaction(false)
	defer txn.Discard()
	opts := badger.DefaultIteratorOptions
	opts.Prefix, opts.PrefetchValues = prefix, values
	it := txn.NewIterator(opts)
	defer it.Close()
	if start == nil {
		start = prefix
	}
	for it.Seek(start); it.Valid(); it.Next() {
		item := it.Item()
		more, err := true, error(nil)
		if !values {
			more, err = fn(item.Key(), nil)
		} else if verr := item.Value(func(val []byte) error {
			more, err = fn(item.Key(), val)
			return nil
		}); verr != nil {
			return fmt.Errorf("state: scan: %w", verr)
		}
		if err != nil || !more {
			return err
		}
	}
	return nil
}

// batch collects writes for one WriteBatch. Badger keeps references to
// keys and values until the batch is flushed, so they live in buf, which
// is never overwritten: growing it copies, leaving the old bytes alone.
type batch struct {
	b   *Backend
	wb  *badger.WriteBatch
	buf []byte
	n   int
}

func (b *Backend) newBatch() *batch { return &batch{b: b, wb: b.db.NewWriteBatch()} }

// key returns a view of buf from start to its end, capped so that later
// appends never write over it.
func (w *batch) view(start int) []byte { return w.buf[start:len(w.buf):len(w.buf)] }

func (w *batch) set(key, val []byte) error {
	w.n++
	return w.wb.Set(key, val)
}

func (w *batch) delete(key []byte) error {
	w.n++
	return w.wb.Delete(key)
}

// batchBytes bounds the keys and values a batch holds before it is
// committed, and so the memory that writing a large cache takes.
const batchBytes = 1 << 20

// full commits the batch if it holds batchBytes, leaving it empty and
// usable: callers call it between entries.
func (w *batch) full() error {
	if len(w.buf) < batchBytes {
		return nil
	}
	err := w.commit()
	w.wb, w.buf, w.n = w.b.db.NewWriteBatch(), nil, 0
	return err
}

// commit flushes the batch; it is then unusable.
func (w *batch) commit() error {
	if w.n == 0 {
		w.wb.Cancel()
		return nil
	}
	err := w.wb.Flush()
	w.b.dropReader()
	w.b.stats.Spilled += int64(w.n)
	if err != nil {
		return fmt.Errorf("state: write: %w", err)
	}
	return nil
}

// cancel abandons the batch after an error.
func (w *batch) cancel() { w.wb.Cancel() }

// hasPrefix reports whether any key starts with prefix.
func (b *Backend) hasPrefix(prefix []byte) (bool, error) {
	found := false
	err := b.scanKeys(prefix, nil, func([]byte) (bool, error) {
		found = true
		return false, nil
	})
	return found, err
}

// deleteChunk is how many deletes deletePrefix puts in one batch, which
// bounds its memory.
const deleteChunk = 16 << 10

// deletePrefix deletes every key that starts with prefix.
func (b *Backend) deletePrefix(prefix []byte) error {
	w := b.newBatch()
	err := b.scanKeys(prefix, nil, func(key []byte) (bool, error) {
		start := len(w.buf)
		w.buf = append(w.buf, key...)
		if err := w.delete(w.view(start)); err != nil {
			return false, err
		}
		if w.n < deleteChunk {
			return true, nil
		}
		err := w.commit()
		w = b.newBatch()
		return true, err
	})
	if err != nil {
		w.cancel()
		return err
	}
	return w.commit()
}
