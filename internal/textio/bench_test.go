package textio

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"testing"

	"spindle/internal/proto"
)

// benchFile writes about 64 MiB of real text (the large fixture, repeated)
// once per benchmark and returns its split.
func benchFile(b *testing.B) proto.Split {
	b.Helper()
	text, err := os.ReadFile(filepath.Join(fixtureDir, "large-lf.txt"))
	if err != nil {
		b.Fatal(err)
	}
	data := make([]byte, 0, 64<<20+len(text))
	for len(data) < 64<<20 {
		data = append(data, text...)
	}
	path := filepath.Join(b.TempDir(), "bench.txt")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		b.Fatal(err)
	}
	return proto.Split{Path: path, Length: int64(len(data))}
}

func BenchmarkReadLines(b *testing.B) {
	s := benchFile(b)
	b.SetBytes(s.Length)
	var n int
	for b.Loop() {
		err := ReadLines(context.Background(), s, func(l string) error {
			n += len(l)
			return nil
		}, nil)
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScannerBaseline is bufio.Scanner over the same file, for scale.
func BenchmarkScannerBaseline(b *testing.B) {
	s := benchFile(b)
	b.SetBytes(s.Length)
	var n int
	for b.Loop() {
		f, err := os.Open(s.Path)
		if err != nil {
			b.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<30)
		for sc.Scan() {
			n += len(sc.Text()) // Text allocates, as a string per line would
		}
		f.Close()
	}
}
