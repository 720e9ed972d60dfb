package state

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

// Snapshot format, version 1 (all integers big endian):
//
//	magic    "SPSTATE" 0x01
//	block*   'B' | payload length u32 | records u32 | CRC-32C of the above u32
//	         | payload | CRC-32C of payload u32
//	end      'E' | total records u64 | CRC-32C of the above u32
//
// A payload is records, each uvarint key length | key | uvarint value
// length | value: the Badger keys and values, registry included, so the
// stream describes itself. The block header has its own CRC so that a
// damaged length is caught before it is trusted. Restore stops at the end
// marker, but buffers its input, so it may have read further.
var magic = []byte("SPSTATE\x01")

const (
	blockTarget = 64 << 10  // payload size at which a block is written
	maxBlock    = 256 << 20 // largest payload Restore accepts
	blockHead   = 13
	endLen      = 13
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// Snapshot flushes every table and timer set, so that Badger holds all the
// state (which makes the local copy complete too), then writes it all to
// w, streaming from one read transaction a block at a time, so memory
// stays bounded whatever the state's size. It returns the bytes written.
// Call it between records: it is consistent because nothing changes the
// state while it runs. w may pass the bytes to another goroutine.
func (b *Backend) Snapshot(w io.Writer) (int64, error) {
	if err := b.Flush(); err != nil {
		return 0, err
	}
	sw := &snapWriter{w: w, buf: make([]byte, blockHead, blockHead+blockTarget+1<<10)}
	if err := sw.write(magic); err != nil {
		return sw.n, err
	}
	err := b.scan(nil, nil, func(key, val []byte) (bool, error) { return true, sw.record(key, val) })
	if err == nil {
		err = sw.end()
	}
	if err != nil {
		return sw.n, fmt.Errorf("state: snapshot: %w", err)
	}
	return sw.n, nil
}

type snapWriter struct {
	w     io.Writer
	buf   []byte // block header space, then the payload
	recs  uint32 // records in buf
	total uint64
	n     int64
}

func (sw *snapWriter) write(p []byte) error {
	n, err := sw.w.Write(p)
	sw.n += int64(n)
	return err
}

func (sw *snapWriter) record(key, val []byte) error {
	sw.buf = binary.AppendUvarint(sw.buf, uint64(len(key)))
	sw.buf = append(sw.buf, key...)
	sw.buf = binary.AppendUvarint(sw.buf, uint64(len(val)))
	sw.buf = append(sw.buf, val...)
	sw.recs++
	sw.total++
	if len(sw.buf)-blockHead >= blockTarget {
		return sw.block()
	}
	return nil
}

func (sw *snapWriter) block() error {
	if sw.recs == 0 {
		return nil
	}
	payload := sw.buf[blockHead:]
	h := sw.buf[:0]
	h = append(h, 'B')
	h = binary.BigEndian.AppendUint32(h, uint32(len(payload)))
	h = binary.BigEndian.AppendUint32(h, sw.recs)
	binary.BigEndian.AppendUint32(h, crc32.Checksum(h, crcTable))
	sw.buf = binary.BigEndian.AppendUint32(sw.buf, crc32.Checksum(payload, crcTable))
	err := sw.write(sw.buf)
	sw.buf, sw.recs = sw.buf[:blockHead], 0
	return err
}

func (sw *snapWriter) end() error {
	if err := sw.block(); err != nil {
		return err
	}
	e := binary.BigEndian.AppendUint64([]byte{'E'}, sw.total)
	return sw.write(binary.BigEndian.AppendUint32(e, crc32.Checksum(e, crcTable)))
}

// Restore loads a snapshot into b, which must be empty: just opened on an
// empty directory, with no table or timers opened yet (else an error
// wrapping ErrNotEmpty). A damaged or truncated snapshot gives an error
// wrapping ErrCorrupt, and b is left empty. Tables and timers opened
// afterwards under the snapshot's names hold its state.
func (b *Backend) Restore(r io.Reader) error {
	if b.closed {
		return ErrClosed
	}
	if len(b.order) > 0 || len(b.reg.names) > 0 {
		return fmt.Errorf("%w: restore into a backend in use", ErrNotEmpty)
	}
	if used, err := b.hasPrefix(nil); err != nil || used {
		return errors.Join(err, fmt.Errorf("%w: restore into a backend with data", ErrNotEmpty))
	}
	err := b.restore(bufio.NewReaderSize(r, 256<<10))
	if err == nil {
		err = b.loadRegistry()
	}
	if err != nil {
		b.dropReader()
		if derr := b.db.DropAll(); derr != nil {
			err = errors.Join(err, fmt.Errorf("state: restore: emptying: %w", derr))
		}
		b.reg = registry{names: map[string]registration{}, next: 1}
		return err
	}
	return nil
}

func (b *Backend) restore(r io.Reader) error {
	head := make([]byte, len(magic))
	if err := readFull(r, head); err != nil {
		return err
	}
	if string(head) != string(magic) {
		return fmt.Errorf("%w: not a version 1 state snapshot", ErrCorrupt)
	}
	// The snapshot is in key order and b is empty: a StreamWriter builds
	// the tables directly, skipping the write-ahead log, memtables and
	// compactions, which makes Restore several times faster.
	rs := &restorer{b: b, sw: b.db.NewStreamWriter(), ids: map[uint32]bool{}}
	if err := rs.sw.Prepare(); err != nil {
		return fmt.Errorf("state: restore: %w", err)
	}
	if err := rs.blocks(r); err != nil {
		rs.sw.Cancel()
		return err
	}
	if err := rs.sw.Flush(); err != nil {
		return fmt.Errorf("state: restore: %w", err)
	}
	return rs.check()
}

// readFull is io.ReadFull with a short read as corruption.
func readFull(r io.Reader, p []byte) error {
	_, err := io.ReadFull(r, p)
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: truncated", ErrCorrupt)
	}
	if err != nil {
		return fmt.Errorf("state: restore: %w", err)
	}
	return nil
}
