// Package state is the keyed state backend of a streaming task: typed
// tables and timers, cached in memory over a local Badger database so
// that state larger than memory works, with snapshot and restore for
// checkpoints. It owns the task's state directory and the snapshot
// format; the SDK's stream runtime opens one Backend per subtask, feeds
// snapshots to the checkpoint store and restores them on redeployment.
//
// It imports badger (and its pb and ristretto/z packages, for Restore's
// StreamWriter) and the standard library; nothing in Spindle.
//
// # Concurrency
//
// A task is single-threaded, so a Backend, its Tables and its Timers are
// not safe for concurrent use and take no locks. Only the io.Writer given
// to Snapshot may hand the bytes to another goroutine (an uploader at the
// other end of an io.Pipe).
//
// # Layout
//
//	Table[K,V]: LRU cache K → V      Timers[K]: ts index, buckets
//	(dirty entries, tombstones)      (in memory while they fit)
//	         │  write-back in WriteBatches; reads on a miss  │
//	         └──────────────────────┬────────────────────────┘
//	                     Badger, in Options.Dir
//	00000000 'n' name          → kind, id         the registry
//	id (4, BE) | key           → value            a table entry
//	id (4, BE) | ts (8) | key  → (empty)          a timer
//
// Every key starts with a 4-byte big-endian id: 0 for the registry, one
// per table or timer set, assigned by name on first use and persisted, so
// a restored snapshot maps names to the same data whatever order they are
// opened in. A fixed width means no id is a prefix of another, whatever
// the encoded keys that follow. Timestamps are written with the sign bit
// flipped, so timers sort by time, then encoded key.
//
// # Codec
//
// CodecFor plans a type once with reflect. Scalars and structs of
// scalars flatten into a list of (opcode, offset) leaves run by one
// switch; slices, maps, pointers and the rest are closures over unsafe
// pointers. The leaves exist for speed: a value passed by pointer to a
// closure escapes to the heap, so a flat struct through closures costs
// two extra allocations, more than the encoding. Ints are zigzag varints,
// maps are written in encoded-key order so that equal state encodes
// alike, and slices and maps store length+1 so nil survives. Keys are
// limited to types whose == agrees with their encoding (no pointers,
// time.Time or skipped fields; float -0 is written as +0), since the
// cache is a Go map and Badger is keyed by the encoding.
//
// # Cache and spill
//
// CacheBytes is split evenly between the tables and timer sets opened.
// A table caches entries in an LRU list threaded through a slice (no
// allocation per entry once grown). Get, Put and Delete work on the
// cache; a miss reads Badger through one read transaction, renewed after
// each write, and caches the answer, absence included. A table that has
// never written back skips Badger altogether. An entry's size is
// estimated from encoded lengths, measured on one Put in 16 and on every
// write-back, plus a fixed overhead: encoding on each Put would double the
// cost of the hot path. Over budget, the least recently used entries are
// written back, down to three quarters of the budget, so that each
// WriteBatch carries many entries; deletes are tombstones until then.
// Range flushes and reads Badger, so it is exact and bounded in memory.
//
// Timers keep an index of distinct timestamps in memory (a min-heap and
// a map of buckets: O(distinct timestamps), which a keyed window operator
// keeps small) and the keys of each bucket in memory while they fit. Over
// budget, the buckets that fire last move to Badger whole; Fire reads a
// bucket on disk in key order, a chunk at a time. A flush writes
// in-memory buckets through to Badger but keeps them in memory, so a
// checkpoint does not cost the next Fire a read.
//
// # Snapshot
//
// Snapshot flushes everything, so that Badger alone holds the state, then
// streams every key from one read transaction:
//
//	"SPSTATE" 0x01
//	'B' len u32 | count u32 | CRC-32C u32 | records | CRC-32C u32   (~64 KiB each)
//	'E' total u64 | CRC-32C u32
//
// with records as uvarint-length-prefixed key and value. Memory stays at
// one block whatever the state's size; the per-block CRC and the header's
// own CRC (checked before a length is trusted) catch damage, and the end
// marker's count catches truncation at a block boundary. Keys come in
// order, which lets Restore build Badger's tables directly with a
// StreamWriter instead of going through the write path; any error leaves
// the backend empty.
package state
