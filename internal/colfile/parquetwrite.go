package colfile

import (
	"bufio"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// DefaultRowGroupRows is the row-group length used when
// ParquetOptions.RowGroupRows is 0: about 128 MiB or less of typical data.
const DefaultRowGroupRows = 1 << 20

// ParquetOptions configures a ParquetWriter.
type ParquetOptions struct {
	// Compression names the codec (see ParseCompression); "" is snappy.
	Compression string
	// RowGroupRows is the number of rows per row group (the last may have
	// fewer); 0 means DefaultRowGroupRows.
	RowGroupRows int64
}

// ParquetWriter writes record batches to a Parquet file. Rows are gathered
// into row groups of RowGroupRows rows whatever the batch sizes, so a
// row group's encoded, compressed pages are held in memory until it is
// full. The Arrow schema is stored in the file's metadata.
//
// A ParquetWriter is not safe for concurrent use.
type ParquetWriter struct {
	fw     *pqarrow.FileWriter
	buf    *bufio.Writer
	schema *arrow.Schema
	closed bool
}

// NewParquetWriter returns a writer of rows of schema to w. It writes the
// file's magic number to w at once and the footer at Close. w is never
// closed: pqarrow closes its sink if the sink is an io.Closer, so the
// writer hands pqarrow a wrapper that hides Close.
func NewParquetWriter(w io.Writer, schema *arrow.Schema, o ParquetOptions) (*ParquetWriter, error) {
	codec, err := ParseCompression(o.Compression)
	if err != nil {
		return nil, err
	}
	rows := o.RowGroupRows
	if rows <= 0 {
		rows = DefaultRowGroupRows
	}
	props := parquet.NewWriterProperties(
		parquet.WithCompression(codec),
		parquet.WithMaxRowGroupLength(rows),
	)
	buf := bufio.NewWriterSize(w, 64<<10)
	fw, err := pqarrow.NewFileWriter(schema, writerOnly{buf}, props,
		pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		return nil, fmt.Errorf("colfile: parquet schema %s: %w", schema, err)
	}
	return &ParquetWriter{fw: fw, buf: buf, schema: schema}, nil
}

// Write appends the rows of rec, which must have the writer's column
// types in schema order (ErrSchemaMismatch otherwise). Write does not keep
// rec. After an error the file is unusable; Close it and discard it.
func (p *ParquetWriter) Write(rec arrow.RecordBatch) error {
	if p.closed {
		return ErrClosed
	}
	if err := checkColumns(p.schema, rec); err != nil {
		return err
	}
	if rec.NumRows() == 0 {
		return nil // pqarrow would start an empty row group
	}
	if !rec.Schema().Equal(p.schema) { // pqarrow insists on equal names too
		rec = array.NewRecordBatch(p.schema, rec.Columns(), rec.NumRows())
		defer rec.Release()
	}
	if err := p.fw.WriteBuffered(rec); err != nil {
		return fmt.Errorf("colfile: parquet write: %w", err)
	}
	return nil
}

// Close finishes the last row group, writes the footer and flushes. It
// does not close the writer given to NewParquetWriter. Later calls return
// nil.
func (p *ParquetWriter) Close() error {
	if p.closed {
		return nil
	}
	p.closed = true
	if err := p.fw.Close(); err != nil {
		return fmt.Errorf("colfile: parquet close: %w", err)
	}
	if err := p.buf.Flush(); err != nil {
		return fmt.Errorf("colfile: parquet close: %w", err)
	}
	return nil
}

// writerOnly hides every method of an io.Writer but Write, so that pqarrow
// does not close it.
type writerOnly struct{ w io.Writer }

// Write writes to the wrapped writer.
func (o writerOnly) Write(b []byte) (int, error) { return o.w.Write(b) }
