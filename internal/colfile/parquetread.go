package colfile

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// DefaultBatchRows is the batch length ReadParquet uses when batchRows is
// 0 or less.
const DefaultBatchRows = 64 << 10

// ParquetSchema returns the Arrow schema of the Parquet file at path: the
// stored Arrow schema if the writer kept one (as ParquetWriter does), or
// the schema pqarrow derives from the Parquet types. The "PARQUET:field_id"
// metadata pqarrow puts on every top-level field is left out when it is
// -1 (no id), so the schema of a file written by ParquetWriter equals the
// schema it was written with.
func ParquetSchema(path string) (*arrow.Schema, error) {
	var sc *arrow.Schema
	err := withReader(path, DefaultBatchRows, func(fr *pqarrow.FileReader) error {
		var err error
		sc, err = fr.Schema()
		sc = cleanSchema(sc)
		return err
	})
	return sc, err
}

// ParquetRowGroups returns the compressed byte size of each row group of
// the Parquet file at path, in file order; its length is the number of
// row groups. A caller can cut a file into splits of whole row groups
// with it. The size is the footer's total_compressed_size, or the sum of
// the column chunks' sizes if the writer left that out.
func ParquetRowGroups(path string) ([]int64, error) {
	f, err := file.OpenParquetFile(path, false)
	if err != nil {
		return nil, fmt.Errorf("colfile: open %s: %w", path, err)
	}
	defer f.Close()
	meta := f.MetaData()
	sizes := make([]int64, meta.NumRowGroups())
	for i := range sizes {
		rg := meta.RowGroup(i)
		sizes[i] = rg.TotalCompressedSize()
		if sizes[i] == 0 {
			if sizes[i], err = chunkBytes(rg); err != nil {
				return nil, fmt.Errorf("colfile: %s row group %d: %w", path, i, err)
			}
		}
	}
	return sizes, nil
}

// chunkBytes returns the sum of the compressed sizes of rg's column chunks.
func chunkBytes(rg *metadata.RowGroupMetaData) (int64, error) {
	var n int64
	for c := range rg.NumColumns() {
		cc, err := rg.ColumnChunk(c)
		if err != nil {
			return 0, err
		}
		n += cc.TotalCompressedSize()
	}
	return n, nil
}

// ReadParquet calls fn with the rows of the given row groups of the
// Parquet file at path, in batches of batchRows rows (DefaultBatchRows if
// 0 or less; the last batch may be shorter, and a batch may span row
// groups), in file order.
//
// rowGroups nil means all; an empty, non-nil slice means none; the groups
// are read in file order whatever the order given, each once. columns nil
// or empty means all, in file order; otherwise the batches have exactly
// the named top-level columns in the order named. An unknown column is
// ErrUnknownColumn, with the file's columns in the message.
//
// The batch passed to fn is released when fn returns; fn calls Retain to
// keep it. An error from fn stops the read and is returned as is. ctx is
// checked between batches.
func ReadParquet(ctx context.Context, path string, rowGroups []int, columns []string, batchRows int64, fn func(rec arrow.RecordBatch) error) error {
	if batchRows <= 0 {
		batchRows = DefaultBatchRows
	}
	return withReader(path, batchRows, func(fr *pqarrow.FileReader) error {
		leaves, err := leafColumns(fr, columns)
		if err != nil {
			return err
		}
		groups, err := pickRowGroups(fr, rowGroups)
		if err != nil || countRows(fr, groups) == 0 {
			return err
		}
		rr, err := fr.GetRecordReader(ctx, leaves, groups)
		if err != nil {
			return err
		}
		defer rr.Release()
		sc := cleanSchema(rr.Schema())
		for {
			if err := ctx.Err(); err != nil {
				return err
			}
			if !rr.Next() {
				return rr.Err()
			}
			if err := callFn(fn, sc, rr.RecordBatch()); err != nil {
				return errFromFn{err}
			}
		}
	})
}

// callFn calls fn with the columns of rec under schema sc.
func callFn(fn func(arrow.RecordBatch) error, sc *arrow.Schema, rec arrow.RecordBatch) error {
	if sc != rec.Schema() {
		rec = array.NewRecordBatch(sc, rec.Columns(), rec.NumRows())
		defer rec.Release()
	}
	return fn(rec)
}

// fieldIDKey is the field metadata key under which pqarrow reports
// Parquet field ids; "-1" means the field has none.
const fieldIDKey = "PARQUET:field_id"

// cleanSchema returns sc without the "no field id" metadata of its
// top-level fields, or sc itself if none has it.
func cleanSchema(sc *arrow.Schema) *arrow.Schema {
	if sc == nil {
		return nil
	}
	fields := sc.Fields()
	changed := false
	for i, f := range fields {
		k := f.Metadata.FindKey(fieldIDKey)
		if k < 0 || f.Metadata.Values()[k] != "-1" {
			continue
		}
		// Keys and Values are the metadata's own slices: copy before deleting.
		keys := slices.Delete(slices.Clone(f.Metadata.Keys()), k, k+1)
		values := slices.Delete(slices.Clone(f.Metadata.Values()), k, k+1)
		fields[i].Metadata = arrow.NewMetadata(keys, values)
		changed = true
	}
	if !changed {
		return sc
	}
	meta := sc.Metadata()
	return arrow.NewSchema(fields, &meta)
}

// errFromFn marks an error returned by ReadParquet's callback, which is
// passed on unwrapped.
type errFromFn struct{ err error }

// Error returns the callback's message.
func (e errFromFn) Error() string { return e.err.Error() }

// withReader opens path, calls fn with an Arrow reader of it and closes
// it. Errors other than fn's own are wrapped with the path.
func withReader(path string, batchRows int64, fn func(fr *pqarrow.FileReader) error) error {
	f, err := file.OpenParquetFile(path, false)
	if err != nil {
		return fmt.Errorf("colfile: open %s: %w", path, err)
	}
	defer f.Close()
	fr, err := pqarrow.NewFileReader(f, pqarrow.ArrowReadProperties{BatchSize: batchRows}, memory.DefaultAllocator)
	if err != nil {
		return fmt.Errorf("colfile: read %s: %w", path, err)
	}
	err = fn(fr)
	var own errFromFn
	switch {
	case err == nil:
		return nil
	case errors.As(err, &own):
		return own.err
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	}
	return fmt.Errorf("colfile: read %s: %w", path, err)
}

// pickRowGroups returns the requested row groups sorted and without
// duplicates, or all of them for nil.
func pickRowGroups(fr *pqarrow.FileReader, want []int) ([]int, error) {
	n := fr.ParquetReader().NumRowGroups()
	if want == nil {
		groups := make([]int, n)
		for i := range groups {
			groups[i] = i
		}
		return groups, nil
	}
	groups := slices.Compact(slices.Sorted(slices.Values(want)))
	if len(groups) == 0 {
		return groups, nil
	}
	if groups[0] < 0 || groups[len(groups)-1] >= n {
		return nil, fmt.Errorf("row groups %v: the file has %d", want, n)
	}
	return groups, nil
}

// countRows returns the number of rows in groups.
func countRows(fr *pqarrow.FileReader, groups []int) int64 {
	meta := fr.ParquetReader().MetaData()
	var n int64
	for _, g := range groups {
		n += meta.RowGroup(g).NumRows()
	}
	return n
}

// leafColumns returns the Parquet leaf column indices of the named
// top-level fields, field by field in the order named, or nil (all) for
// no names.
func leafColumns(fr *pqarrow.FileReader, names []string) ([]int, error) {
	if len(names) == 0 {
		return nil, nil
	}
	fields := fr.Manifest.Fields
	var leaves []int
	for k, name := range names {
		if slices.Contains(names[:k], name) {
			return nil, fmt.Errorf("column %q named twice", name)
		}
		i := slices.IndexFunc(fields, func(f pqarrow.SchemaField) bool { return f.Field.Name == name })
		if i < 0 {
			return nil, fmt.Errorf("%w %q: the file has %s", ErrUnknownColumn, name, fieldNames(fields))
		}
		leaves = appendLeaves(leaves, &fields[i])
	}
	return leaves, nil
}

// appendLeaves appends the leaf column indices under f.
func appendLeaves(leaves []int, f *pqarrow.SchemaField) []int {
	if f.IsLeaf() {
		return append(leaves, f.ColIndex)
	}
	for i := range f.Children {
		leaves = appendLeaves(leaves, &f.Children[i])
	}
	return leaves
}

// fieldNames lists the names of fields for an error message.
func fieldNames(fields []pqarrow.SchemaField) string {
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.Field.Name
	}
	return strings.Join(names, ", ")
}
