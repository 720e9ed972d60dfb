package colfile

import (
	"bufio"
	"bytes"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
)

// CSVOptions configures a CSVWriter.
type CSVOptions struct {
	// Delim separates fields; 0 means ','. It may not be '"', '\n' or '\r'.
	Delim byte
	// Header writes the field names as the first line.
	Header bool
	// Null is the text of a null value; "" by default.
	Null string
}

// CSVWriter writes record batches as CSV text, one line per row, each line
// ended by '\n', fields in schema order formatted by AppendValue.
//
// A field is quoted, with its inner '"' doubled, when and only when it
// contains the delimiter, '"', '\n' or '\r' (RFC 4180). Nothing else is
// quoted: not the empty string, not leading spaces, and not a value equal
// to Options.Null, so a null and a value whose text is the null text look
// the same; pick a Null that does not occur if that matters. A null is
// written as Null, never quoted.
//
// Output is buffered (64 KiB); Close flushes it. A CSVWriter is not safe
// for concurrent use.
type CSVWriter struct {
	w       *bufio.Writer
	schema  *arrow.Schema
	opts    CSVOptions
	quote   [256]bool // bytes that force quoting
	field   []byte    // scratch for one field's text
	started bool      // the header, if any, has been written
	closed  bool
	err     error // first error; later calls return it
}

// NewCSVWriter returns a writer of rows of schema to w. It writes nothing
// until the first Write or Close. An invalid Delim is reported by Write
// and Close as ErrBadDelim.
func NewCSVWriter(w io.Writer, schema *arrow.Schema, o CSVOptions) *CSVWriter {
	if o.Delim == 0 {
		o.Delim = ','
	}
	c := &CSVWriter{w: bufio.NewWriterSize(w, 64<<10), schema: schema, opts: o}
	for _, b := range []byte{o.Delim, '"', '\n', '\r'} {
		c.quote[b] = true
	}
	if o.Delim == '"' || o.Delim == '\n' || o.Delim == '\r' {
		c.err = fmt.Errorf("%w: %q", ErrBadDelim, o.Delim)
	}
	return c
}

// Write appends the rows of rec, after the header if this is the first
// call. rec must have the writer's column types in schema order
// (ErrSchemaMismatch otherwise); field names are not compared. Write does
// not keep rec.
func (c *CSVWriter) Write(rec arrow.RecordBatch) error {
	if err := c.check(rec); err != nil {
		return err
	}
	c.writeHeader()
	cols := rec.Columns()
	for row := range int(rec.NumRows()) {
		for j, col := range cols {
			if j > 0 {
				c.w.WriteByte(c.opts.Delim)
			}
			if col.IsNull(row) {
				c.w.WriteString(c.opts.Null)
				continue
			}
			c.field = appendValid(c.field[:0], col, row)
			c.writeField(c.field)
		}
		c.w.WriteByte('\n')
	}
	return c.flushErr()
}

// Close writes the header if Header is set and nothing has been written
// yet, and flushes the buffer. It does not close the underlying writer.
// Later calls return the first error or nil.
func (c *CSVWriter) Close() error {
	if c.err != nil || c.closed {
		return c.err
	}
	c.writeHeader()
	c.closed = true
	if err := c.w.Flush(); err != nil {
		c.err = fmt.Errorf("colfile: csv: %w", err)
	}
	return c.err
}

// check returns the sticky error, ErrClosed or ErrSchemaMismatch.
func (c *CSVWriter) check(rec arrow.RecordBatch) error {
	switch {
	case c.err != nil:
		return c.err
	case c.closed:
		return ErrClosed
	}
	return checkColumns(c.schema, rec)
}

// writeHeader writes the header line once, if asked for.
func (c *CSVWriter) writeHeader() {
	if c.started {
		return
	}
	c.started = true
	if !c.opts.Header {
		return
	}
	for j, f := range c.schema.Fields() {
		if j > 0 {
			c.w.WriteByte(c.opts.Delim)
		}
		c.field = append(c.field[:0], f.Name...)
		c.writeField(c.field)
	}
	c.w.WriteByte('\n')
}

// writeField writes one non-null field, quoted if it must be.
func (c *CSVWriter) writeField(text []byte) {
	if !c.needsQuotes(text) {
		c.w.Write(text)
		return
	}
	c.w.WriteByte('"')
	for {
		k := bytes.IndexByte(text, '"')
		if k < 0 {
			break
		}
		c.w.Write(text[:k+1])
		c.w.WriteByte('"')
		text = text[k+1:]
	}
	c.w.Write(text)
	c.w.WriteByte('"')
}

// needsQuotes reports whether text holds a byte that forces quoting.
func (c *CSVWriter) needsQuotes(text []byte) bool {
	for _, b := range text {
		if c.quote[b] {
			return true
		}
	}
	return false
}

// flushErr records and returns the bufio writer's sticky error, if any.
// (bufio keeps the first write error and returns it from every later
// write, so checking once per batch loses nothing.)
func (c *CSVWriter) flushErr() error {
	if _, err := c.w.Write(nil); err != nil && c.err == nil {
		c.err = fmt.Errorf("colfile: csv: %w", err)
	}
	return c.err
}

// checkColumns returns ErrSchemaMismatch unless rec has schema's column
// types in order.
func checkColumns(schema *arrow.Schema, rec arrow.RecordBatch) error {
	fields := schema.Fields()
	if int(rec.NumCols()) != len(fields) {
		return fmt.Errorf("%w: %d columns, want %d", ErrSchemaMismatch, rec.NumCols(), len(fields))
	}
	for j, f := range fields {
		if got := rec.Column(j).DataType(); !arrow.TypeEqual(got, f.Type) {
			return fmt.Errorf("%w: column %d (%s) is %s, want %s", ErrSchemaMismatch, j, f.Name, got, f.Type)
		}
	}
	return nil
}
