package colfile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/schema"
)

// allSchema has a column of every type the round trip covers.
var allSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "small", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "price", Type: &arrow.Decimal128Type{Precision: 15, Scale: 2}, Nullable: true},
	{Name: "wide", Type: &arrow.Decimal128Type{Precision: 38, Scale: 6}, Nullable: true},
	{Name: "day", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
	{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "note", Type: arrow.BinaryTypes.LargeString, Nullable: true},
	{Name: "score", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "ok", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	{Name: "at", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
}, nil)

// allBatch returns rows first..first+n-1 of allSchema; every seventh row
// has nulls in its nullable columns.
func allBatch(first, n int) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, allSchema)
	defer b.Release()
	wideBase := decimal128.GetMaxValue(38).Negate()
	for r := first; r < first+n; r++ {
		b.Field(0).(*array.Int64Builder).Append(int64(r))
		if r%7 == 3 {
			for j := 1; j < len(b.Fields()); j++ {
				b.Field(j).AppendNull()
			}
			continue
		}
		b.Field(1).(*array.Int32Builder).Append(int32(-r))
		b.Field(2).(*array.Decimal128Builder).Append(decimal128.FromI64(int64(r)*1234567 - 500))
		b.Field(3).(*array.Decimal128Builder).Append(wideBase.Add(decimal128.FromI64(int64(r))))
		b.Field(4).(*array.Date32Builder).Append(arrow.Date32(r*37 - 5000))
		b.Field(5).(*array.StringBuilder).Append(fmt.Sprintf("name %d, \"quoted\"", r))
		b.Field(6).(*array.LargeStringBuilder).Append(strings.Repeat("x", r%5))
		b.Field(7).(*array.Float64Builder).Append(float64(r) / 3)
		b.Field(8).(*array.BooleanBuilder).Append(r%2 == 0)
		b.Field(9).(*array.TimestampBuilder).Append(arrow.Timestamp(time.Date(2020, 1, 1, 0, 0, r, 0, time.UTC).UnixMicro()))
	}
	return b.NewRecordBatch()
}

// writeParquet writes batches of allBatch of the given sizes to a new file
// and returns its path.
func writeParquet(t *testing.T, o ParquetOptions, sizes ...int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "data.parquet")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := NewParquetWriter(f, allSchema, o)
	if err != nil {
		t.Fatal(err)
	}
	first := 0
	for _, n := range sizes {
		rec := allBatch(first, n)
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
		rec.Release()
		first += n
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// readAll reads path with ReadParquet and returns one batch holding every
// row read, and the number of batches fn was called with.
func readAll(t *testing.T, path string, groups []int, cols []string, batchRows int64) (arrow.RecordBatch, int) {
	t.Helper()
	var recs []arrow.RecordBatch
	err := ReadParquet(context.Background(), path, groups, cols, batchRows, func(rec arrow.RecordBatch) error {
		rec.Retain()
		recs = append(recs, rec)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	if len(recs) == 0 {
		return nil, 0
	}
	return concat(t, recs), len(recs)
}

// concat joins batches of one schema into one.
func concat(t *testing.T, recs []arrow.RecordBatch) arrow.RecordBatch {
	t.Helper()
	cols := make([]arrow.Array, recs[0].NumCols())
	for j := range cols {
		parts := make([]arrow.Array, len(recs))
		for i, r := range recs {
			parts[i] = r.Column(j)
		}
		c, err := array.Concatenate(parts, mem)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Release()
		cols[j] = c
	}
	return array.NewRecordBatch(recs[0].Schema(), cols, -1)
}

// checkEqual fails unless got has want's column types and values.
func checkEqual(t *testing.T, name string, got, want arrow.RecordBatch) {
	t.Helper()
	if got.NumRows() != want.NumRows() || got.NumCols() != want.NumCols() {
		t.Fatalf("%s: got %dx%d, want %dx%d", name, got.NumRows(), got.NumCols(), want.NumRows(), want.NumCols())
	}
	for j := range int(want.NumCols()) {
		g, w := got.Column(j), want.Column(j)
		if !arrow.TypeEqual(g.DataType(), w.DataType()) {
			t.Errorf("%s: column %s: got type %s, want %s", name, want.ColumnName(j), g.DataType(), w.DataType())
			continue
		}
		if !array.Equal(g, w) {
			t.Errorf("%s: column %s: got %v, want %v", name, want.ColumnName(j), g, w)
		}
	}
}

func TestParquetRoundTrip(t *testing.T) {
	for _, codec := range []string{"", "snappy", "zstd", "gzip", "lz4", "brotli", "none"} {
		path := writeParquet(t, ParquetOptions{Compression: codec}, 50, 50)
		got, _ := readAll(t, path, nil, nil, 0)
		want := allBatch(0, 100)
		checkEqual(t, "codec "+codec, got, want)
		got.Release()
		want.Release()
	}
}

func TestParquetSchema(t *testing.T) {
	path := writeParquet(t, ParquetOptions{}, 10)
	got, err := ParquetSchema(path)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Equal(allSchema) {
		t.Errorf("got schema %s, want %s", got, allSchema)
	}
}

func TestParquetRowGroups(t *testing.T) {
	path := writeParquet(t, ParquetOptions{RowGroupRows: 100}, 70, 70, 70)
	sizes, err := ParquetRowGroups(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(sizes) != 3 || slices.Min(sizes) <= 0 {
		t.Fatalf("got row group sizes %v, want 3 positive sizes", sizes)
	}
	tests := []struct {
		groups     []int
		first, n   int
		batchRows  int64
		minBatches int
	}{
		{nil, 0, 210, 0, 1},
		{[]int{0}, 0, 100, 0, 1},
		{[]int{1}, 100, 100, 30, 4},
		{[]int{2}, 200, 10, 0, 1},
		{[]int{2, 1, 2}, 100, 110, 0, 1},
	}
	for _, tt := range tests {
		got, batches := readAll(t, path, tt.groups, nil, tt.batchRows)
		want := allBatch(tt.first, tt.n)
		checkEqual(t, fmt.Sprintf("row groups %v", tt.groups), got, want)
		if batches < tt.minBatches {
			t.Errorf("row groups %v: got %d batches, want at least %d", tt.groups, batches, tt.minBatches)
		}
		got.Release()
		want.Release()
	}
	if got, _ := readAll(t, path, []int{}, nil, 0); got != nil {
		t.Errorf("no row groups: got %d rows, want none", got.NumRows())
	}
}

func TestParquetProjection(t *testing.T) {
	path := writeParquet(t, ParquetOptions{}, 30)
	full := allBatch(0, 30)
	defer full.Release()
	tests := [][]string{{"price"}, {"name", "id"}, {"at", "wide", "day", "ok"}}
	for _, cols := range tests {
		got, _ := readAll(t, path, nil, cols, 0)
		idx := make([]arrow.Array, len(cols))
		fields := make([]arrow.Field, len(cols))
		for k, c := range cols {
			i := full.Schema().FieldIndices(c)[0]
			idx[k], fields[k] = full.Column(i), full.Schema().Field(i)
		}
		want := array.NewRecordBatch(arrow.NewSchema(fields, nil), idx, full.NumRows())
		checkEqual(t, fmt.Sprintf("columns %v", cols), got, want)
		for k, c := range cols {
			if got.ColumnName(k) != c {
				t.Errorf("columns %v: got column %d %q, want %q", cols, k, got.ColumnName(k), c)
			}
		}
		got.Release()
		want.Release()
	}
}

func TestParquetEmptyFile(t *testing.T) {
	path := writeParquet(t, ParquetOptions{})
	sc, err := ParquetSchema(path)
	if err != nil {
		t.Fatal(err)
	}
	if !sc.Equal(allSchema) {
		t.Errorf("got schema %s, want %s", sc, allSchema)
	}
	sizes, err := ParquetRowGroups(path)
	if err != nil || len(sizes) != 0 {
		t.Errorf("got row groups %v, %v, want none", sizes, err)
	}
	if got, n := readAll(t, path, nil, []string{"id"}, 0); n != 0 {
		t.Errorf("got %d batches (%d rows), want none", n, got.NumRows())
	}
	if err := ReadParquet(context.Background(), path, nil, []string{"nope"}, 0, nil); !errors.Is(err, ErrUnknownColumn) {
		t.Errorf("unknown column of an empty file: got %v, want %v", err, ErrUnknownColumn)
	}
	empty := writeParquet(t, ParquetOptions{}, 0, 0)
	if got, n := readAll(t, empty, nil, nil, 0); n != 0 {
		t.Errorf("empty batches: got %d batches (%d rows), want none", n, got.NumRows())
	}
}

func TestParquetErrors(t *testing.T) {
	path := writeParquet(t, ParquetOptions{}, 5)
	ctx := context.Background()
	nop := func(arrow.RecordBatch) error { return nil }

	err := ReadParquet(ctx, path, nil, []string{"id", "nope"}, 0, nop)
	if !errors.Is(err, ErrUnknownColumn) {
		t.Errorf("unknown column: got %v, want %v", err, ErrUnknownColumn)
	}
	for _, s := range []string{path, `"nope"`, "id, small, price"} {
		if err == nil || !strings.Contains(err.Error(), s) {
			t.Errorf("unknown column: got %v, want it to mention %s", err, s)
		}
	}

	missing := filepath.Join(t.TempDir(), "missing.parquet")
	if _, err := ParquetSchema(missing); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing file: got %v, want an error naming %s", err, missing)
	}
	if _, err := ParquetRowGroups(missing); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing file: got %v, want an error naming %s", err, missing)
	}
	notParquet := filepath.Join(t.TempDir(), "text.parquet")
	os.WriteFile(notParquet, []byte("just some text, not parquet at all"), 0o644)
	if err := ReadParquet(ctx, notParquet, nil, nil, 0, nop); err == nil || !strings.Contains(err.Error(), notParquet) {
		t.Errorf("not parquet: got %v, want an error naming %s", err, notParquet)
	}
	if err := ReadParquet(ctx, path, []int{1}, nil, 0, nop); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("row group out of range: got %v, want an error naming %s", err, path)
	}

	stop := errors.New("stop")
	if err := ReadParquet(ctx, path, nil, nil, 0, func(arrow.RecordBatch) error { return stop }); err != stop {
		t.Errorf("callback error: got %v, want it as is", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := ReadParquet(cancelled, path, nil, nil, 0, nop); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: got %v, want %v", err, context.Canceled)
	}

	if _, err := NewParquetWriter(&bytes.Buffer{}, allSchema, ParquetOptions{Compression: "lzo"}); !errors.Is(err, ErrUnknownCompression) ||
		!strings.Contains(err.Error(), "snappy, zstd") {
		t.Errorf("unknown codec: got %v, want %v listing the codecs", err, ErrUnknownCompression)
	}
	w, err := NewParquetWriter(&bytes.Buffer{}, allSchema, ParquetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rec := csvBatch(t, csvRow{ptr[int64](1), ptr("x"), ptr[int64](1)})
	defer rec.Release()
	if err := w.Write(rec); !errors.Is(err, ErrSchemaMismatch) {
		t.Errorf("other schema: got %v, want %v", err, ErrSchemaMismatch)
	}
}

func TestParseCompression(t *testing.T) {
	for _, name := range []string{"", "snappy", "ZSTD", "gzip", "lz4", "lz4_raw", "brotli", "none"} {
		if _, err := ParseCompression(name); err != nil {
			t.Errorf("%q: got %v", name, err)
		}
	}
	if _, err := ParseCompression("lzo"); !errors.Is(err, ErrUnknownCompression) {
		t.Errorf("lzo: got %v, want %v", err, ErrUnknownCompression)
	}
}

// closeCounter counts calls to Close.
type closeCounter struct {
	bytes.Buffer
	closes int
}

func (c *closeCounter) Close() error { c.closes++; return nil }

func TestParquetWriterLeavesWriterOpen(t *testing.T) {
	var out closeCounter
	w, err := NewParquetWriter(&out, allSchema, ParquetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rec := allBatch(0, 3)
	defer rec.Release()
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if out.closes != 0 {
		t.Errorf("got %d calls to Close, want 0", out.closes)
	}
	if b := out.Bytes(); !bytes.HasPrefix(b, []byte("PAR1")) || !bytes.HasSuffix(b, []byte("PAR1")) {
		t.Errorf("got %d bytes without the parquet magic at both ends", len(b))
	}
	if err := w.Write(rec); !errors.Is(err, ErrClosed) {
		t.Errorf("write after close: got %v, want %v", err, ErrClosed)
	}
}

// TestParquetLogicalTypes checks the Parquet types other readers see,
// without the stored Arrow schema: decimals as DECIMAL(p, s), dates as
// DATE, strings as STRING (UTF8).
func TestParquetLogicalTypes(t *testing.T) {
	path := writeParquet(t, ParquetOptions{}, 3)
	f, err := file.OpenParquetFile(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := f.MetaData().Schema
	tests := []struct {
		column string
		want   schema.LogicalType
	}{
		{"price", schema.NewDecimalLogicalType(15, 2)},
		{"wide", schema.NewDecimalLogicalType(38, 6)},
		{"day", schema.DateLogicalType{}},
		{"name", schema.StringLogicalType{}},
		{"note", schema.StringLogicalType{}},
		{"at", schema.NewTimestampLogicalType(true, schema.TimeUnitMicros)},
	}
	for _, tt := range tests {
		i := sc.ColumnIndexByName(tt.column)
		if i < 0 {
			t.Errorf("%s: no such column", tt.column)
			continue
		}
		if got := sc.Column(i).LogicalType(); !got.Equals(tt.want) {
			t.Errorf("%s: got %s, want %s", tt.column, got, tt.want)
		}
	}
}

// TestParquetRowGroupLayout checks that rows are gathered into row groups
// of RowGroupRows rows whatever the batch sizes.
func TestParquetRowGroupLayout(t *testing.T) {
	tests := []struct {
		limit   int64
		batches []int
		want    []int64
	}{
		{100, []int{50, 50, 50}, []int64{100, 50}},
		{100, []int{100, 100}, []int64{100, 100}},
		{100, []int{250}, []int64{100, 100, 50}},
		{100, []int{30, 0, 90, 90}, []int64{100, 100, 10}},
		{0, []int{10, 10}, []int64{20}},
	}
	for _, tt := range tests {
		path := writeParquet(t, ParquetOptions{RowGroupRows: tt.limit}, tt.batches...)
		f, err := file.OpenParquetFile(path, false)
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for i := range f.NumRowGroups() {
			got = append(got, f.MetaData().RowGroup(i).NumRows())
		}
		f.Close()
		if !slices.Equal(got, tt.want) {
			t.Errorf("limit %d, batches %v: got row groups %v, want %v", tt.limit, tt.batches, got, tt.want)
		}
	}
}
