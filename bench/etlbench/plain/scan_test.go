package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
)

// TestScanFileEveryLineOnce is a property test: whatever the number of
// chunks and wherever the chunk boundaries fall, every line is seen
// exactly once, whole.
func TestScanFileEveryLineOnce(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for iter := range 200 {
		var want []string
		var b bytes.Buffer
		for i := range r.IntN(40) {
			l := fmt.Sprintf("%d|%s", i, bytes.Repeat([]byte("x"), r.IntN(30)))
			want = append(want, l)
			b.WriteString(l + "\n")
		}
		if b.Len() > 0 && r.IntN(4) == 0 {
			b.Truncate(b.Len() - 1) // no final newline
		}
		path := filepath.Join(t.TempDir(), "t.tbl")
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		n := 1 + r.IntN(9)
		var mu sync.Mutex
		var got []string
		err := scanFile(path, n, func(_ int, l []byte) error {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, string(l))
			return nil
		})
		slices.Sort(got)
		slices.Sort(want)
		if err != nil || !slices.Equal(got, want) {
			t.Fatalf("iteration %d, %d chunks of %q: got %q, %v; want %q", iter, n, b.String(), got, err, want)
		}
	}
}

func TestScanFileErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.tbl")
	if err := os.WriteFile(path, []byte("1|\n2|\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := scanFile(path, 2, func(_ int, l []byte) error {
		if l[0] == '2' {
			return errNumber
		}
		return nil
	})
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("t.tbl: line at byte 3")) {
		t.Errorf("got %v, want the file and the line's offset", err)
	}
	if err := scanFile(filepath.Join(t.TempDir(), "none"), 2, nil); err == nil {
		t.Error("missing file: got no error")
	}
}
