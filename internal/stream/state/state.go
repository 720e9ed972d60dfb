// Package state is a streaming task's keyed state backend: typed tables
// and timers held in memory and spilled to a local Badger database when
// they outgrow their budget, with snapshot and restore for checkpoints.
// A Backend and everything opened from it are for one goroutine.
//
// First version: values are encoded with encoding/gob, only when they
// spill or are snapshotted (the per-record path is a Go map); timers are
// kept in memory and written to Badger at a snapshot.
package state

import (
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
)

// Errors.
var (
	ErrCorrupt     = errors.New("state: snapshot corrupt")
	ErrUnsupported = errors.New("state: type cannot be stored")
	ErrDuplicate   = errors.New("state: table opened twice")
)

// Options for Open.
type Options struct {
	Dir        string
	CacheBytes int64 // memory budget of cached entries; default 64 MiB
}

// Backend is one task's state.
type Backend struct {
	dir    string
	db     *badger.DB
	budget int // cached entries per table before a spill
	parts  map[string]part
}

// part is a table or timer set: flush writes what memory holds to Badger.
type part interface{ flush() error }

// Open opens (creating) the Badger database in o.Dir with small memory
// settings.
func Open(o Options) (*Backend, error) {
	if o.CacheBytes <= 0 {
		o.CacheBytes = 64 << 20
	}
	opts := badger.DefaultOptions(o.Dir).WithLogger(nil).WithMemTableSize(4 << 20).WithNumMemtables(2).
		WithNumLevelZeroTables(2).WithNumLevelZeroTablesStall(4).WithValueLogFileSize(16 << 20).
		WithValueThreshold(1 << 10).WithCompression(options.None).WithBlockCacheSize(0).WithIndexCacheSize(0)
	db, err := badger.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("state: open %s: %w", o.Dir, err)
	}
	return &Backend{dir: o.Dir, db: db, budget: int(max(o.CacheBytes/256, 1024)), parts: map[string]part{}}, nil
}

// Close closes the database.
func (b *Backend) Close() error { return b.db.Close() }

// Destroy closes the database and removes its directory.
func (b *Backend) Destroy() error { return errors.Join(b.db.Close(), os.RemoveAll(b.dir)) }

func prefix(name string) []byte {
	h := fnv.New64a()
	h.Write([]byte(name))
	return binary.BigEndian.AppendUint64(nil, h.Sum64())
}

func encode(v any) ([]byte, error) {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(v); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnsupported, err)
	}
	return buf.Bytes(), nil
}

func decode(data []byte, v any) error {
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(v); err != nil {
		return fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return nil
}

// Snapshot writes everything to Badger, then Badger's full backup to w.
func (b *Backend) Snapshot(w io.Writer) (int64, error) {
	for _, p := range b.parts {
		if err := p.flush(); err != nil {
			return 0, err
		}
	}
	cw := &countWriter{w: w}
	if _, err := b.db.Backup(cw, 0); err != nil {
		return cw.n, fmt.Errorf("state: snapshot: %w", err)
	}
	return cw.n, nil
}

// Restore loads a snapshot into a fresh backend, before any table opens.
func (b *Backend) Restore(r io.Reader) error {
	if err := b.db.Load(r, 64); err != nil {
		return fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
