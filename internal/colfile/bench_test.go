package colfile

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

// BenchmarkCSVWriter measures CSVWriter on batches of every column type.
func BenchmarkCSVWriter(b *testing.B) {
	rec := allBatch(0, 4096)
	defer rec.Release()
	w := NewCSVWriter(io.Discard, allSchema, CSVOptions{Header: true})
	b.ReportAllocs()
	for b.Loop() {
		if err := w.Write(rec); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*int(rec.NumRows()))/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkParquetRoundTrip measures writing and reading back a file.
func BenchmarkParquetRoundTrip(b *testing.B) {
	rec := allBatch(0, 4096)
	defer rec.Release()
	path := filepath.Join(b.TempDir(), "bench.parquet")
	b.ReportAllocs()
	for b.Loop() {
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		w, err := NewParquetWriter(f, allSchema, ParquetOptions{})
		if err != nil {
			b.Fatal(err)
		}
		for range 16 {
			if err := w.Write(rec); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
		f.Close()
		err = ReadParquet(context.Background(), path, nil, nil, 0, func(arrow.RecordBatch) error { return nil })
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*16*int(rec.NumRows()))/b.Elapsed().Seconds(), "rows/s")
}
