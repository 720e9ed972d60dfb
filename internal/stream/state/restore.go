package state

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/pb"
	"github.com/dgraph-io/ristretto/v2/z"
)

// restorer writes a snapshot's records into Badger as it reads them, a
// block at a time.
type restorer struct {
	b     *Backend
	sw    *badger.StreamWriter
	kv    pb.KV
	last  []byte // the previous key: keys must ascend
	total uint64
	ids   map[uint32]bool // table and timer ids of the data records
}

func (rs *restorer) blocks(r io.Reader) error {
	tag := make([]byte, 1)
	for {
		if err := readFull(r, tag); err != nil {
			return err
		}
		switch tag[0] {
		case 'B':
			if err := rs.block(r); err != nil {
				return err
			}
		case 'E':
			return rs.end(r)
		default:
			return fmt.Errorf("%w: unknown record tag %#x", ErrCorrupt, tag[0])
		}
	}
}

func (rs *restorer) block(r io.Reader) error {
	h := make([]byte, blockHead)
	h[0] = 'B'
	if err := readFull(r, h[1:]); err != nil {
		return err
	}
	if crc32.Checksum(h[:9], crcTable) != binary.BigEndian.Uint32(h[9:]) {
		return fmt.Errorf("%w: block header checksum", ErrCorrupt)
	}
	size, recs := binary.BigEndian.Uint32(h[1:]), binary.BigEndian.Uint32(h[5:])
	if size > maxBlock {
		return fmt.Errorf("%w: block of %d bytes", ErrCorrupt, size)
	}
	payload := make([]byte, size+4)
	if err := readFull(r, payload); err != nil {
		return err
	}
	payload, sum := payload[:size], payload[size:]
	if crc32.Checksum(payload, crcTable) != binary.BigEndian.Uint32(sum) {
		return fmt.Errorf("%w: block checksum", ErrCorrupt)
	}
	buf := z.NewBuffer(int(size)+int(recs)*16+64, "state.Restore")
	defer buf.Release()
	for range recs {
		var key, val []byte
		var err error
		if key, payload, err = splitField(payload); err != nil {
			return err
		}
		if val, payload, err = splitField(payload); err != nil {
			return err
		}
		if err := rs.record(key, val, buf); err != nil {
			return err
		}
	}
	if len(payload) != 0 {
		return fmt.Errorf("%w: block longer than its records", ErrCorrupt)
	}
	if err := rs.sw.Write(buf); err != nil {
		return fmt.Errorf("state: restore: %w", err)
	}
	return nil
}

// splitField splits a length-prefixed field off p.
func splitField(p []byte) (f, rest []byte, err error) {
	l, n := binary.Uvarint(p)
	if n <= 0 || l > uint64(len(p)-n) {
		return nil, nil, fmt.Errorf("%w: record overruns its block", ErrCorrupt)
	}
	return p[n : n+int(l) : n+int(l)], p[n+int(l):], nil
}

func (rs *restorer) record(key, val []byte, buf *z.Buffer) error {
	if len(key) < idLen || (rs.last != nil && bytes.Compare(rs.last, key) >= 0) {
		return fmt.Errorf("%w: key %x out of order", ErrCorrupt, key)
	}
	rs.last = key
	if id := binary.BigEndian.Uint32(key); id != metaID {
		rs.ids[id] = true
	} else if _, _, err := parseRegistration(key, val); err != nil {
		return err
	}
	rs.total++
	rs.kv.Key, rs.kv.Value, rs.kv.Version = key, val, 1
	badger.KVToBuffer(&rs.kv, buf)
	return nil
}

func (rs *restorer) end(r io.Reader) error {
	e := make([]byte, endLen)
	e[0] = 'E'
	if err := readFull(r, e[1:]); err != nil {
		return err
	}
	if crc32.Checksum(e[:9], crcTable) != binary.BigEndian.Uint32(e[9:]) {
		return fmt.Errorf("%w: end marker checksum", ErrCorrupt)
	}
	if n := binary.BigEndian.Uint64(e[1:]); n != rs.total {
		return fmt.Errorf("%w: %d records, end marker says %d", ErrCorrupt, rs.total, n)
	}
	return nil
}

// check verifies, once the registry is written, that it names every id
// the data records use.
func (rs *restorer) check() error {
	if err := rs.b.loadRegistry(); err != nil {
		return err
	}
	named := map[uint32]bool{}
	for _, r := range rs.b.reg.names {
		named[r.id] = true
	}
	for id := range rs.ids {
		if !named[id] {
			return fmt.Errorf("%w: records of table id %d, which no name has", ErrCorrupt, id)
		}
	}
	return nil
}
