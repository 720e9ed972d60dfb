package colfile

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// TestDuckDBReadsParquet checks that DuckDB, a reader we do not control,
// reads the decimals, dates and strings ParquetWriter writes as the same
// values CSVWriter prints. It runs only if a duckdb executable is on PATH.
func TestDuckDBReadsParquet(t *testing.T) {
	duckdb, err := exec.LookPath("duckdb")
	if err != nil {
		t.Skip("duckdb not installed: put a duckdb executable on PATH to check that DuckDB reads the Parquet files ParquetWriter writes")
	}
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "price", Type: &arrow.Decimal128Type{Precision: 15, Scale: 2}, Nullable: true},
		{Name: "wide", Type: &arrow.Decimal128Type{Precision: 38, Scale: 6}, Nullable: true},
		{Name: "day", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
		{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	rec := duckdbBatch(sc)
	defer rec.Release()

	path := filepath.Join(t.TempDir(), "duck's.parquet")
	var file bytes.Buffer
	w, err := NewParquetWriter(&file, sc, ParquetOptions{Compression: "zstd", RowGroupRows: 2})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, file.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	var want bytes.Buffer
	cw := NewCSVWriter(&want, sc, CSVOptions{Header: true})
	if err := cw.Write(rec); err != nil {
		t.Fatal(err)
	}
	cw.Close()

	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	query := "select id, price, wide, day, name from read_parquet('" + strings.ReplaceAll(path, "'", "''") + "') order by id"
	cmd := exec.CommandContext(ctx, duckdb, "-csv", "-c", query)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("duckdb %s: %v\n%s", query, err, stderr.Bytes())
	}
	got, wantRows := parseCSV(t, "duckdb output", out), parseCSV(t, "CSVWriter output", want.Bytes())
	if !slices.EqualFunc(got, wantRows, slices.Equal) {
		t.Errorf("duckdb read\n%q\nwant\n%q", got, wantRows)
	}
}

// duckdbBatch returns rows with decimal, date and string edge cases.
func duckdbBatch(sc *arrow.Schema) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, sc)
	defer b.Release()
	rows := []struct {
		cents int64
		wide  decimal128.Num
		day   int32
		name  string
	}{
		{38045600, decimal128.FromI64(1234567), 10561, "plain"},
		{-5, decimal128.FromI64(-42), -1, "comma, and \"quotes\""},
		{0, decimal128.GetMaxValue(38), -25567, "ünïcode"},
		{99999999999999, decimal128.GetMaxValue(38).Negate(), 11016, ""},
	}
	for i, r := range rows {
		b.Field(0).(*array.Int64Builder).Append(int64(i))
		b.Field(1).(*array.Decimal128Builder).Append(decimal128.FromI64(r.cents))
		b.Field(2).(*array.Decimal128Builder).Append(r.wide)
		b.Field(3).(*array.Date32Builder).Append(arrow.Date32(r.day))
		b.Field(4).(*array.StringBuilder).Append(r.name)
	}
	b.Field(0).(*array.Int64Builder).Append(int64(len(rows)))
	for j := 1; j < len(sc.Fields()); j++ {
		b.Field(j).AppendNull()
	}
	return b.NewRecordBatch()
}

// parseCSV parses CSV text into records.
func parseCSV(t *testing.T, what string, text []byte) [][]string {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(text)).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v\n%s", what, err, text)
	}
	return recs
}
