package sdk

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"spindle/dataflow"
	"spindle/internal/colfile"
	"spindle/internal/columnar"
	"spindle/internal/proto"
)

// Format is a file format of table output: Parquet or CSV.
type Format interface {
	ext() string
	newWriter(w io.Writer, s *arrow.Schema) (batchWriter, error)
	check() error
}

type batchWriter interface {
	Write(rec arrow.RecordBatch) error
	Close() error
}

// Parquet writes Parquet files.
type Parquet struct {
	// Compression is "snappy" (the default), "zstd", "gzip", "lz4" or
	// "none".
	Compression string
	// RowGroupRows is the rows per row group; 0 is 1 Mi rows.
	RowGroupRows int64
}

func (Parquet) ext() string { return ".parquet" }
func (f Parquet) check() error {
	_, err := colfile.ParseCompression(f.Compression)
	return err
}
func (f Parquet) newWriter(w io.Writer, s *arrow.Schema) (batchWriter, error) {
	return colfile.NewParquetWriter(w, s, colfile.ParquetOptions{Compression: f.Compression, RowGroupRows: f.RowGroupRows})
}

// CSV writes delimited text files with a header line in each (as Spark
// does with header=true). Decimals keep their scale, floats use the
// shortest form that reads back exactly, dates are YYYY-MM-DD.
type CSV struct {
	Delimiter byte   // ',' by default
	NoHeader  bool   // leave out the header line
	Null      string // the text of a null, "" by default
}

func (CSV) ext() string { return ".csv" }
func (f CSV) check() error {
	switch f.Delimiter {
	case '"', '\n', '\r':
		return fmt.Errorf("CSV delimiter %q is not allowed", f.Delimiter)
	}
	return nil
}
func (f CSV) newWriter(w io.Writer, s *arrow.Schema) (batchWriter, error) {
	return colfile.NewCSVWriter(w, s, colfile.CSVOptions{Delim: f.Delimiter, Header: !f.NoHeader, Null: f.Null}), nil
}

// WriteOption configures Write.
type WriteOption func(*tableSink)

// PartitionBy writes Hive-style partitioned directories: a row goes to
// DIR/c1=v1/c2=v2/part-NNNNN.ext, without the partition columns in the
// file. A null value is __HIVE_DEFAULT_PARTITION__; characters that are
// not letters, digits, ' ', '.', '_' or '-' are escaped as %XX.
func PartitionBy(cols ...string) WriteOption { return func(s *tableSink) { s.partitionBy = cols } }

// Write writes the table into files part-NNNNN.ext of directory dir, one
// per task of its stage (and partition directory). The job master commits
// them when the job succeeds, and then writes an empty _SUCCESS file. The
// directory must not exist or be empty.
func (t *Table) Write(name, dir string, f Format, opts ...WriteOption) {
	if t.broken() {
		return
	}
	if dir == "" {
		t.fail(name, fmt.Errorf("no output directory given"))
		return
	}
	if err := f.check(); err != nil {
		t.fail(name, err)
		return
	}
	s := &tableSink{dir: dir, format: f, schema: t.schema}
	for _, o := range opts {
		o(s)
	}
	for _, c := range s.partitionBy {
		if !t.schema.HasField(c) {
			t.fail(name, fmt.Errorf("no column %q to partition by (columns: %s)", c, strings.Join(names(t.schema), ", ")))
			return
		}
	}
	if len(s.partitionBy) > 0 {
		var err error
		if s.keys, err = columnar.NewKeys(t.schema, s.partitionBy); err != nil {
			t.fail(name, err)
			return
		}
		if len(s.partitionBy) == len(t.schema.Fields()) {
			t.fail(name, fmt.Errorf("every column is a partition column: no data would be left in the files"))
			return
		}
	}
	t.p.addTable(name, "WriteTable", dataflow.KindSink, s, t.schema, t.node)
}

type tableSink struct {
	dir         string
	format      Format
	schema      *arrow.Schema
	partitionBy []string
	keys        *columnar.Keys
}

func (s *tableSink) needs([]string) [][]string { return [][]string{nil} }

// OutputDir implements dataflow.Output.
func (s *tableSink) OutputDir() string { return s.dir }

// Validate implements dataflow.Validator: refuse to mix a new job's
// output with an old one's.
func (s *tableSink) Validate() error { return freeOutput(s.dir) }

// partFile is one file a task writes.
type partFile struct {
	temp, final string
	f           *os.File
	bw          *bufio.Writer
	w           batchWriter
	rows        int64
}

func (s *tableSink) open(tc *taskCtx) (any, func() error, error) {
	files := map[string]*partFile{}
	var order []string
	var werr error
	part := fmt.Sprintf("part-%05d%s", tc.spec.Index, s.format.ext())
	fileFor := func(sub string, schema *arrow.Schema) *partFile {
		if pf, ok := files[sub]; ok {
			return pf
		}
		pf := &partFile{temp: filepath.Join(s.dir, stagingDir, tc.spec.AttemptID, sub, part), final: filepath.Join(s.dir, sub, part)}
		files[sub] = pf
		order = append(order, sub)
		if err := os.MkdirAll(filepath.Dir(pf.temp), 0o755); err != nil {
			werr = err
			return pf
		}
		f, err := os.Create(pf.temp)
		if err != nil {
			werr = err
			return pf
		}
		pf.f, pf.bw = f, bufio.NewWriterSize(f, 1<<16)
		pf.w, werr = s.format.newWriter(pf.bw, schema)
		return pf
	}
	write := func(pf *partFile, rec arrow.RecordBatch) {
		if werr == nil && pf.w != nil {
			werr = pf.w.Write(rec)
			pf.rows += rec.NumRows()
		}
	}
	dataSchema := s.schema
	var dataCols []int
	if len(s.partitionBy) > 0 {
		var fields []arrow.Field
		for i, f := range s.schema.Fields() {
			if !slices.Contains(s.partitionBy, f.Name) {
				fields, dataCols = append(fields, f), append(dataCols, i)
			}
		}
		dataSchema = arrow.NewSchema(fields, nil)
	} else if tc.spec.Index == 0 { // the output has a file even when the table is empty
		fileFor("", s.schema)
	}
	emit := func(rec arrow.RecordBatch) {
		if werr != nil {
			return
		}
		if len(s.partitionBy) == 0 {
			write(fileFor("", s.schema), rec)
			return
		}
		werr = s.byPartition(rec, dataCols, dataSchema, func(sub string, part arrow.RecordBatch) {
			write(fileFor(sub, dataSchema), part)
		})
	}
	closeFn := func() error {
		var rows int64
		for _, sub := range order {
			pf := files[sub]
			if pf.f == nil {
				continue
			}
			if err := errors.Join(werr, closeWriter(pf.w), pf.bw.Flush(), pf.f.Sync(), pf.f.Close()); err != nil {
				return fmt.Errorf("write %s: %w", pf.temp, err)
			}
			rows += pf.rows
			tc.res.Staged = append(tc.res.Staged, proto.StagedFile{Temp: pf.temp, Final: pf.final})
		}
		if werr != nil {
			return fmt.Errorf("write %s: %w", s.dir, werr)
		}
		tc.count("rows_written", rows)
		return nil
	}
	return emit, closeFn, nil
}

func closeWriter(w batchWriter) error {
	if w == nil {
		return nil
	}
	return w.Close()
}

// byPartition cuts rec by the values of its partition columns and passes
// each piece, without those columns, with its directory.
func (s *tableSink) byPartition(rec arrow.RecordBatch, dataCols []int, dataSchema *arrow.Schema, fn func(sub string, part arrow.RecordBatch)) error {
	m := columnar.NewKeyMap(s.keys)
	ids := m.IDs(rec, true, nil)
	keyCols := m.Columns()
	defer func() {
		for _, c := range keyCols {
			c.Release()
		}
	}()
	sel := make([][]int32, m.Len())
	for i, id := range ids {
		sel[id] = append(sel[id], int32(i))
	}
	cols := make([]arrow.Array, len(dataCols))
	for k, c := range dataCols {
		cols[k] = rec.Column(c)
	}
	data := array.NewRecordBatch(columnar.Shape(dataSchema, cols), cols, rec.NumRows())
	defer data.Release()
	for id, rows := range sel {
		var dirs []string
		for k, c := range s.partitionBy {
			dirs = append(dirs, c+"="+partitionValue(keyCols[k], id))
		}
		part, err := columnar.Take(data, rows)
		if err != nil {
			return err
		}
		fn(filepath.Join(dirs...), part)
		part.Release()
	}
	return nil
}

// partitionValue is the directory name of row i of a, as Hive writes it.
func partitionValue(a arrow.Array, i int) string {
	if a.IsNull(i) {
		return "__HIVE_DEFAULT_PARTITION__"
	}
	v := colfile.AppendValue(nil, a, i)
	var b strings.Builder
	for _, c := range v {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == ' ', c == '.', c == '_', c == '-':
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
