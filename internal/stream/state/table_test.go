package state

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
)

func openBackend(t testing.TB, cache int64) *Backend {
	t.Helper()
	b, err := Open(Options{Dir: filepath.Join(t.TempDir(), "state"), CacheBytes: cache})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Destroy() })
	return b
}

func newTable[K comparable, V any](t testing.TB, b *Backend, name string) *Table[K, V] {
	t.Helper()
	tab, err := NewTable[K, V](b, name)
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

type account struct {
	Balance int64
	Owner   string
	Tags    []string
}

// contents returns a table's entries by Range, checking that each key
// comes once and in the order of encoded keys.
func contents[K comparable, V any](t *testing.T, tab *Table[K, V]) map[K]V {
	t.Helper()
	got := map[K]V{}
	var last []byte
	err := tab.Range(func(k K, v V) error {
		if _, dup := got[k]; dup {
			t.Fatalf("Range: key %v twice", k)
		}
		enc := tab.key.Append(nil, k)
		if last != nil && bytes.Compare(last, enc) >= 0 {
			t.Fatalf("Range: key %v out of order", k)
		}
		last = enc
		got[k] = v
		return nil
	})
	if err != nil {
		t.Fatalf("Range: %v", err)
	}
	return got
}

// TestTableMatchesMap runs random operations on a table whose cache holds
// a few dozen entries, so that most live in Badger, against a map.
func TestTableMatchesMap(t *testing.T) {
	b := openBackend(t, 4<<10)
	tab := newTable[int64, account](t, b, "accounts")
	ref := map[int64]account{}
	r := rand.New(rand.NewPCG(7, 9))
	const keys, ops = 20_000, 100_000
	for i := range ops {
		k := r.Int64N(keys)
		switch op := r.IntN(100); {
		case op < 45:
			got, ok, err := tab.Get(k)
			want, wantOK := ref[k]
			if err != nil || ok != wantOK || !reflect.DeepEqual(got, want) {
				t.Fatalf("op %d: Get(%d) = %v, %v, %v; want %v, %v", i, k, got, ok, err, want, wantOK)
			}
		case op < 85:
			v := account{Balance: r.Int64(), Owner: fmt.Sprint("owner-", k), Tags: []string{"t", fmt.Sprint(i)}}
			ref[k] = v
			if err := tab.Put(k, v); err != nil {
				t.Fatalf("op %d: Put: %v", i, err)
			}
		case op < 99:
			delete(ref, k)
			if err := tab.Delete(k); err != nil {
				t.Fatalf("op %d: Delete: %v", i, err)
			}
		case r.IntN(200) == 0: // a few Ranges along the way
			if got := contents(t, tab); !reflect.DeepEqual(got, ref) {
				t.Fatalf("op %d: Range: %d entries, want %d", i, len(got), len(ref))
			}
		}
	}
	if got := contents(t, tab); !reflect.DeepEqual(got, ref) {
		t.Fatalf("Range: %d entries, want %d", len(got), len(ref))
	}
	s := b.Stats()
	if s.CachedBytes > 4<<10 || s.Spilled == 0 || tab.Len() >= len(ref)/10 {
		t.Errorf("stats %+v, %d cached of %d: want a full small cache and the rest spilled", s, tab.Len(), len(ref))
	}
}

func TestTableSpills100k(t *testing.T) {
	b := openBackend(t, 4<<10)
	tab := newTable[string, int](t, b, "counts")
	const n = 100_000
	for i := range n {
		if err := tab.Put(fmt.Sprint("k", i), i); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < n; i += 7 {
		if got, ok, err := tab.Get(fmt.Sprint("k", i)); err != nil || !ok || got != i {
			t.Fatalf("Get(k%d) = %d, %v, %v; want %d", i, got, ok, err, i)
		}
	}
	seen := 0
	if err := tab.Range(func(string, int) error { seen++; return nil }); err != nil || seen != n {
		t.Errorf("Range saw %d entries (%v), want %d", seen, err, n)
	}
	if tab.Len() > 200 {
		t.Errorf("Len() = %d cached, want a small cache", tab.Len())
	}
}

func TestTableRangeWithoutSpilling(t *testing.T) {
	b := openBackend(t, 0)
	tab := newTable[string, int](t, b, "small")
	want := map[string]int{}
	for i := range 100 {
		k := fmt.Sprint(i)
		want[k] = i
		tab.Put(k, i)
	}
	tab.Delete("7")
	delete(want, "7")
	// fn's changes do not show in this Range.
	err := tab.Range(func(k string, v int) error { return tab.Put(k+"x", v) })
	if err != nil {
		t.Fatal(err)
	}
	got := contents(t, tab)
	for k, v := range maps.Clone(want) {
		want[k+"x"] = v
	}
	if !maps.Equal(got, want) {
		t.Errorf("after Range: %d entries, want %d", len(got), len(want))
	}
	if b.Stats().Spilled != 0 {
		t.Errorf("Spilled = %d, want 0 for a table that fits", b.Stats().Spilled)
	}
}

func TestTableClear(t *testing.T) {
	b := openBackend(t, 4<<10)
	tab := newTable[int, string](t, b, "a")
	other := newTable[int, string](t, b, "b")
	for i := range 5000 {
		tab.Put(i, "v")
		other.Put(i, "w")
	}
	if err := tab.Clear(); err != nil {
		t.Fatal(err)
	}
	if got := contents(t, tab); len(got) != 0 {
		t.Errorf("after Clear: %d entries, want 0", len(got))
	}
	if _, ok, _ := tab.Get(42); ok {
		t.Error("after Clear: Get(42) found an entry")
	}
	if got := contents(t, other); len(got) != 5000 {
		t.Errorf("other table after Clear: %d entries, want 5000", len(got))
	}
	tab.Put(1, "again")
	if got, _, _ := tab.Get(1); got != "again" {
		t.Errorf("Get(1) after Clear and Put = %q, want again", got)
	}
}

func TestTableReopen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	b, err := Open(Options{Dir: dir, CacheBytes: 4 << 10})
	if err != nil {
		t.Fatal(err)
	}
	tab := newTable[int, int](t, b, "t")
	for i := range 1000 {
		tab.Put(i, i*i)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := tab.Get(1); !errors.Is(err, ErrClosed) {
		t.Errorf("Get after Close: %v, want ErrClosed", err)
	}
	b, err = Open(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Destroy()
	tab = newTable[int, int](t, b, "t")
	got := contents(t, tab)
	if len(got) != 1000 || got[31] != 961 {
		t.Errorf("reopened: %d entries, [31] = %d; want 1000, 961", len(got), got[31])
	}
}

func TestTableNames(t *testing.T) {
	b := openBackend(t, 0)
	newTable[int, int](t, b, "x")
	if _, err := NewTable[int, int](b, "x"); !errors.Is(err, ErrDuplicate) {
		t.Errorf("second NewTable(x): %v, want ErrDuplicate", err)
	}
	if _, err := NewTimers[int](b, "x"); !errors.Is(err, ErrDuplicate) {
		t.Errorf("NewTimers(x): %v, want ErrDuplicate", err)
	}
	if _, err := NewTable[*int, int](b, "p"); !errors.Is(err, ErrUnsupported) {
		t.Errorf("NewTable[*int]: %v, want ErrUnsupported", err)
	}
	if _, err := NewTable[int, chan int](b, "c"); !errors.Is(err, ErrUnsupported) {
		t.Errorf("NewTable[int, chan int]: %v, want ErrUnsupported", err)
	}
}

// TestTablePrefixesDoNotCollide checks tables whose encoded keys would
// overlap without the fixed-width id.
func TestTablePrefixesDoNotCollide(t *testing.T) {
	b := openBackend(t, 1<<10)
	var tabs []*Table[string, int]
	for i := range 300 {
		tabs = append(tabs, newTable[string, int](t, b, fmt.Sprint("t", i)))
	}
	for i, tab := range tabs {
		for j := range 3 {
			tab.Put(string([]byte{byte(i), byte(j)}), i)
		}
	}
	for i, tab := range tabs {
		got := contents(t, tab)
		keys := slices.Sorted(maps.Keys(got))
		if len(got) != 3 || got[keys[0]] != i {
			t.Fatalf("table %d: %v, want its own 3 entries", i, got)
		}
	}
}

func TestDestroy(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	b, err := Open(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	tab := newTable[int, int](t, b, "t")
	tab.Put(1, 1)
	if err := b.Destroy(); err != nil {
		t.Fatal(err)
	}
	if err := tab.Put(2, 2); !errors.Is(err, ErrClosed) {
		t.Errorf("Put after Destroy: %v, want ErrClosed", err)
	}
	if _, err := b.Snapshot(io.Discard); !errors.Is(err, ErrClosed) {
		t.Errorf("Snapshot after Destroy: %v, want ErrClosed", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("Dir after Destroy: %v, want it gone", err)
	}
}
