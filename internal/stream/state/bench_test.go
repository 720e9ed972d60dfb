package state

import (
	"bytes"
	"encoding/binary"
	"path/filepath"
	"testing"
)

// BenchmarkTableUpdate is the keyed-operator hot path: Get and Put of an
// entry of a hot key set that fits the cache.
func BenchmarkTableUpdate(b *testing.B) {
	be := openBackend(b, 0)
	tab := newTable[int64, small3](b, be, "hot")
	const keys = 4096
	i := int64(0)
	b.ReportAllocs()
	for b.Loop() {
		k := i % keys
		i++
		v, _, err := tab.Get(k)
		if err != nil {
			b.Fatal(err)
		}
		v.A++
		if err := tab.Put(k, v); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTableUpdateSpilled is the same over 1M keys with a 4 MiB cache,
// so that most Gets read Badger and most Puts are written back.
func BenchmarkTableUpdateSpilled(b *testing.B) {
	be := openBackend(b, 4<<20)
	tab := newTable[int64, small3](b, be, "cold")
	const keys = 1 << 20
	i := uint64(0)
	b.ReportAllocs()
	for b.Loop() {
		k := int64(i * 0x9E3779B97F4A7C15 % keys)
		i++
		v, _, err := tab.Get(k)
		if err != nil {
			b.Fatal(err)
		}
		v.A++
		if err := tab.Put(k, v); err != nil {
			b.Fatal(err)
		}
	}
}

// state100MB fills a backend with 1M entries of 100-byte values.
func state100MB(b *testing.B) *Backend {
	be := openBackend(b, 0)
	tab := newTable[int64, []byte](b, be, "big")
	val := bytes.Repeat([]byte("v"), 100)
	for i := range int64(1 << 20) {
		binary.BigEndian.PutUint64(val, uint64(i))
		if err := tab.Put(i, bytes.Clone(val)); err != nil {
			b.Fatal(err)
		}
	}
	return be
}

type counter struct{ n int64 }

func (c *counter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

func BenchmarkSnapshot100MB(b *testing.B) {
	be := state100MB(b)
	if _, err := be.Snapshot(&counter{}); err != nil { // flushes the cache once
		b.Fatal(err)
	}
	for b.Loop() {
		n, err := be.Snapshot(&counter{})
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(n)
	}
	s := be.Stats()
	b.ReportMetric(float64(s.LSMBytes+s.VlogBytes)/1e6, "disk-MB")
}

func BenchmarkRestore100MB(b *testing.B) {
	var snap bytes.Buffer
	if _, err := state100MB(b).Snapshot(&snap); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(snap.Len()))
	dir := b.TempDir()
	i := 0
	for b.Loop() {
		b.StopTimer()
		i++
		be, err := Open(Options{Dir: filepath.Join(dir, string(rune('a'+i)))})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := be.Restore(bytes.NewReader(snap.Bytes())); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		be.Destroy()
		b.StartTimer()
	}
}
