package state

import (
	"bytes"
	"math/rand/v2"
	"path/filepath"
	"testing"
)

type acc struct {
	N    int64
	Tags []string
}

func TestTableSpillsAndSnapshots(t *testing.T) {
	b, err := Open(Options{Dir: filepath.Join(t.TempDir(), "a"), CacheBytes: 1}) // budget: 1024 entries
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	tab, err := NewTable[int64, acc](b, "w")
	if err != nil {
		t.Fatal(err)
	}
	timers, err := NewTimers[int64](b, "w")
	if err != nil {
		t.Fatal(err)
	}
	ref := map[int64]acc{}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20_000 {
		k := r.Int64N(5_000)
		switch r.IntN(10) {
		case 0:
			delete(ref, k)
			if err := tab.Delete(k); err != nil {
				t.Fatal(err)
			}
		default:
			v, _, err := tab.Get(k)
			if err != nil {
				t.Fatal(err)
			}
			v.N++
			ref[k] = v
			if err := tab.Put(k, v); err != nil {
				t.Fatal(err)
			}
			timers.Register(k%100, k)
		}
	}
	for k, want := range ref {
		got, ok, err := tab.Get(k)
		if err != nil || !ok || got.N != want.N {
			t.Fatalf("key %d: got %v %v %v, want %v", k, got, ok, err, want)
		}
	}
	var snap bytes.Buffer
	if _, err := b.Snapshot(&snap); err != nil {
		t.Fatal(err)
	}
	b2, err := Open(Options{Dir: filepath.Join(t.TempDir(), "b")})
	if err != nil {
		t.Fatal(err)
	}
	defer b2.Close()
	if err := b2.Restore(&snap); err != nil {
		t.Fatal(err)
	}
	tab2, _ := NewTable[int64, acc](b2, "w")
	n := 0
	if err := tab2.Range(func(k int64, v acc) error {
		n++
		if ref[k].N != v.N {
			t.Errorf("restored key %d: %d, want %d", k, v.N, ref[k].N)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if n != len(ref) {
		t.Errorf("restored %d entries, want %d", n, len(ref))
	}
	timers2, err := NewTimers[int64](b2, "w")
	if err != nil {
		t.Fatal(err)
	}
	last, fired := int64(-1), 0
	timers2.Fire(1<<62, func(ts int64, k int64) error {
		if ts < last || k%100 != ts {
			t.Errorf("timer (%d, %d) after %d", ts, k, last)
		}
		last = ts
		fired++
		return nil
	})
	if fired == 0 {
		t.Error("no timer restored")
	}
}
