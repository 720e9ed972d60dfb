package state

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"testing"
)

// fill builds a backend with two tables and a timer set, mostly spilled,
// and returns the expected contents.
func fill(t *testing.T, b *Backend) (map[int64]account, map[string]int, []timer) {
	accts := newTable[int64, account](t, b, "accounts")
	counts := newTable[string, int](t, b, "counts")
	tm := newTimers[string](t, b, "timers")
	wantA, wantC := map[int64]account{}, map[string]int{}
	var wantT []timer
	for i := range 3000 {
		a := account{Balance: int64(i) * 3, Owner: fmt.Sprint("o", i), Tags: []string{"x"}}
		accts.Put(int64(i), a)
		wantA[int64(i)] = a
		if i%3 == 0 {
			k := fmt.Sprint("c", i)
			counts.Put(k, i)
			wantC[k] = i
		}
		if i%2 == 0 {
			tr := timer{int64(i % 97), fmt.Sprint("t", i)}
			tm.Register(tr.TS, tr.Key)
			wantT = append(wantT, tr)
		}
	}
	for i := range 100 {
		accts.Delete(int64(i))
		delete(wantA, int64(i))
	}
	sortTimers(wantT)
	return wantA, wantC, wantT
}

func snapshot(t *testing.T, b *Backend) []byte {
	t.Helper()
	var buf bytes.Buffer
	n, err := b.Snapshot(&buf)
	if err != nil {
		t.Fatalf("Snapshot: %v", err)
	}
	if n != int64(buf.Len()) {
		t.Errorf("Snapshot returned %d bytes, wrote %d", n, buf.Len())
	}
	return buf.Bytes()
}

func TestSnapshotRestore(t *testing.T) {
	src := openBackend(t, 8<<10)
	wantA, wantC, wantT := fill(t, src)
	snap := snapshot(t, src)
	if again := snapshot(t, src); !bytes.Equal(again, snap) {
		t.Error("two snapshots of the same state differ")
	}

	dst := openBackend(t, 8<<10)
	if err := dst.Restore(bytes.NewReader(snap)); err != nil {
		t.Fatalf("Restore: %v", err)
	}
	// Opened in another order than they were created: ids come by name.
	tm := newTimers[string](t, dst, "timers")
	counts := newTable[string, int](t, dst, "counts")
	accts := newTable[int64, account](t, dst, "accounts")
	if got := contents(t, accts); !reflect.DeepEqual(got, wantA) {
		t.Errorf("restored accounts: %d entries, want %d", len(got), len(wantA))
	}
	if got := contents(t, counts); !reflect.DeepEqual(got, wantC) {
		t.Errorf("restored counts: %d entries, want %d", len(got), len(wantC))
	}
	if got, _, _ := accts.Get(2999); got.Owner != "o2999" {
		t.Errorf("restored Get(2999) = %+v", got)
	}
	if next, ok := tm.Next(); !ok || next != wantT[0].TS {
		t.Errorf("restored Next() = %d, %v; want %d", next, ok, wantT[0].TS)
	}
	if got := fireAll(t, tm, math.MaxInt64); !reflect.DeepEqual(got, wantT) {
		t.Errorf("restored timers: fired %d, want %d in order", len(got), len(wantT))
	}
	if err := dst.Restore(bytes.NewReader(snap)); !errors.Is(err, ErrNotEmpty) {
		t.Errorf("second Restore: %v, want ErrNotEmpty", err)
	}
}

func TestSnapshotEmpty(t *testing.T) {
	snap := snapshot(t, openBackend(t, 0))
	dst := openBackend(t, 0)
	if err := dst.Restore(bytes.NewReader(snap)); err != nil {
		t.Fatalf("Restore of an empty snapshot: %v", err)
	}
}

func TestRestoreCorrupt(t *testing.T) {
	src := openBackend(t, 8<<10)
	fill(t, src)
	snap := snapshot(t, src)
	positions := []int{0, 7, 8, 9, 12, 20, 21, len(snap) / 2, len(snap) - 14, len(snap) - 5, len(snap) - 1}
	for _, pos := range positions {
		bad := bytes.Clone(snap)
		bad[pos] ^= 0x10
		dst := openBackend(t, 0)
		if err := dst.Restore(bytes.NewReader(bad)); !errors.Is(err, ErrCorrupt) {
			t.Errorf("byte %d of %d flipped: Restore = %v, want ErrCorrupt", pos, len(snap), err)
		}
		if s := dst.Stats(); s.CachedEntries != 0 {
			t.Errorf("after a failed Restore: %+v", s)
		}
		if err := dst.Restore(bytes.NewReader(snap)); err != nil {
			t.Errorf("Restore after a failed one: %v, want the backend left empty", err)
		}
	}
}

func TestRestoreTruncated(t *testing.T) {
	src := openBackend(t, 8<<10)
	fill(t, src)
	snap := snapshot(t, src)
	for _, n := range []int{0, 3, 8, 15, 30, len(snap) / 3, len(snap) - 13, len(snap) - 1} {
		dst := openBackend(t, 0)
		if err := dst.Restore(bytes.NewReader(snap[:n])); !errors.Is(err, ErrCorrupt) {
			t.Errorf("first %d of %d bytes: Restore = %v, want ErrCorrupt", n, len(snap), err)
		}
	}
}

// TestSnapshotToAnotherGoroutine streams a snapshot through a pipe, as a
// task does to upload it; Restore stops at the end marker.
func TestSnapshotToAnotherGoroutine(t *testing.T) {
	src := openBackend(t, 8<<10)
	wantA, _, _ := fill(t, src)
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	dst := openBackend(t, 0)
	go func() {
		err := dst.Restore(io.MultiReader(pr, bytes.NewReader([]byte("trailing"))))
		io.Copy(io.Discard, pr)
		done <- err
	}()
	_, err := src.Snapshot(pw)
	pw.CloseWithError(err)
	if err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("Restore: %v", err)
	}
	if got := contents(t, newTable[int64, account](t, dst, "accounts")); !reflect.DeepEqual(got, wantA) {
		t.Errorf("restored %d accounts, want %d", len(got), len(wantA))
	}
}
