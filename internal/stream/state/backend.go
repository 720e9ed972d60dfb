package state

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/dgraph-io/badger/v4"
)

var (
	// ErrUnsupported is returned by CodecFor, NewTable and NewTimers for a
	// type they cannot encode, or cannot use as a key.
	ErrUnsupported = errors.New("state: unsupported type")
	// ErrCorrupt is returned for stored or restored bytes that do not
	// decode: a damaged or truncated snapshot, or a value of another type.
	ErrCorrupt = errors.New("state: corrupt data")
	// ErrClosed is returned by every operation after Close or Destroy.
	ErrClosed = errors.New("state: backend closed")
	// ErrDuplicate is returned by NewTable and NewTimers for a name already
	// opened, or known as the other kind.
	ErrDuplicate = errors.New("state: name in use")
	// ErrNotEmpty is returned by Restore into a backend that holds state.
	ErrNotEmpty = errors.New("state: backend not empty")
)

// DefaultCacheBytes is the cache budget when Options.CacheBytes is 0.
const DefaultCacheBytes = 64 << 20

// Options configures a Backend.
type Options struct {
	// Dir is the Badger directory, created if absent. A directory that a
	// Backend was closed in is reopened with its state (Close flushes
	// everything); Restore needs an empty or absent one.
	Dir string
	// CacheBytes is the memory budget of cached entries of all tables
	// and timers together, split evenly between them; the default is
	// DefaultCacheBytes. Badger's own memory (4 MiB memtables, table
	// indexes, bloom filters, compaction buffers: tens of MiB) comes on top.
	CacheBytes int64
}

// Backend is the keyed state of one streaming task: the Tables and Timers
// created on it, cached in memory over a local Badger database.
//
// A Backend and everything created on it are NOT safe for concurrent use:
// a task calls them from its one goroutine. The writer passed to Snapshot
// may hand the bytes to another goroutine.
type Backend struct {
	dir    string
	db     *badger.DB
	budget int64
	reg    registry
	parts  map[string]part // opened since Open, by name
	order  []part          // the same, in the order opened
	reader *badger.Txn     // for point reads; dropped after every write
	stats  Stats
	closed bool
}

// part is a Table or Timers, as the backend sees it.
type part interface {
	flush() error
	setBudget(bytes int64) error
	cached() (bytes int64, entries int)
}

// Stats describes a backend's memory and disk, for metrics.
type Stats struct {
	CachedBytes   int64 // estimated memory of cached entries and in-memory timers
	CachedEntries int   // cached table entries (live or deleted) and in-memory timers
	Spilled       int64 // entries written to Badger since Open: sets and deletes
	LSMBytes      int64 // size of Badger's table files
	VlogBytes     int64 // size of Badger's value log files
}

// Open opens or creates the backend in o.Dir.
func Open(o Options) (*Backend, error) {
	if o.Dir == "" {
		return nil, errors.New("state: no directory")
	}
	if o.CacheBytes <= 0 {
		o.CacheBytes = DefaultCacheBytes
	}
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("state: open: %w", err)
	}
	db, err := badger.Open(badgerOptions(o.Dir))
	if err != nil {
		return nil, fmt.Errorf("state: open %s: %w", o.Dir, err)
	}
	b := &Backend{dir: o.Dir, db: db, budget: o.CacheBytes, parts: map[string]part{}}
	if err := b.loadRegistry(); err != nil {
		db.Close()
		return nil, err
	}
	return b, nil
}

// Close flushes every table and timer set to Badger and closes it; Dir
// keeps the state, to be reopened or destroyed.
func (b *Backend) Close() error {
	if b.closed {
		return nil
	}
	err := b.Flush()
	return errors.Join(err, b.shut())
}

// Destroy closes the backend without flushing and removes Dir.
func (b *Backend) Destroy() error {
	var err error
	if !b.closed {
		err = b.shut()
	}
	return errors.Join(err, os.RemoveAll(b.dir))
}

func (b *Backend) shut() error {
	b.dropReader()
	b.closed = true
	if err := b.db.Close(); err != nil {
		return fmt.Errorf("state: close: %w", err)
	}
	return nil
}

// Flush writes every dirty cached entry of every table and timer set to
// Badger; cached entries stay cached, now clean.
func (b *Backend) Flush() error {
	if b.closed {
		return ErrClosed
	}
	for _, p := range b.order {
		if err := p.flush(); err != nil {
			return err
		}
	}
	return nil
}

// Stats returns the backend's current figures.
func (b *Backend) Stats() Stats {
	s := b.stats
	for _, p := range b.order {
		bytes, n := p.cached()
		s.CachedBytes += bytes
		s.CachedEntries += n
	}
	entries, _ := os.ReadDir(b.dir)
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			continue
		}
		switch {
		case strings.HasSuffix(e.Name(), ".sst"):
			s.LSMBytes += info.Size()
		case strings.HasSuffix(e.Name(), ".vlog"):
			s.VlogBytes += info.Size()
		}
	}
	return s
}

// attach registers a new table or timer set and splits the cache budget
// again, evenly between all of them.
func (b *Backend) attach(name string, p part) error {
	b.parts[name] = p
	b.order = append(b.order, p)
	share := b.budget / int64(len(b.order))
	for _, q := range b.order {
		if err := q.setBudget(share); err != nil {
			return err
		}
	}
	return nil
}

// open checks a new table's or timer set's name and returns its id.
func (b *Backend) open(name string, kind byte) (uint32, error) {
	if b.closed {
		return 0, ErrClosed
	}
	if name == "" {
		return 0, fmt.Errorf("%w: empty name", ErrDuplicate)
	}
	if _, ok := b.parts[name]; ok {
		return 0, fmt.Errorf("%w: %q is open already", ErrDuplicate, name)
	}
	return b.reg.id(b, name, kind)
}
