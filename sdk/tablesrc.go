package sdk

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"spindle/dataflow"
	"spindle/internal/colfile"
	"spindle/internal/columnar"
	"spindle/internal/delim"
	"spindle/internal/proto"
	"spindle/internal/textio"
)

// BadRecords is what a text source does with a record it cannot parse
// (Spark's CSV modes).
type BadRecords int

// Bad-record policies.
const (
	// FailFast fails the job at the first bad record, naming its file,
	// line and column.
	FailFast BadRecords = iota
	// DropMalformed skips bad records, counting them (rows_rejected).
	DropMalformed
	// RejectMalformed skips bad records, counting them and writing each,
	// with its file, line, column and reason, to the Rejects directory.
	RejectMalformed
)

// CSVOptions describe delimited text input.
type CSVOptions struct {
	// Delimiter separates fields; 0 means ','.
	Delimiter byte
	// NoQuote turns off RFC 4180 quoting ("a,b" as one field, "" as a
	// quote): for formats whose fields never hold quotes, like .tbl.
	NoQuote bool
	// Header says the first line of each file names the columns; it is
	// skipped (the schema names them).
	Header bool
	// Trailing says every record ends with an extra delimiter (.tbl).
	Trailing bool
	// Null is the text of a null; an empty field is null in any column
	// but a string one.
	Null string
	// OnBad is the bad-record policy: FailFast by default.
	OnBad BadRecords
	// Rejects is the directory RejectMalformed writes bad records to, as
	// files <step>-NNNNN.tsv of lines file, line, column, reason and the
	// record, committed with the job's outputs.
	Rejects string
	// MaxRejects, when above 0, fails the job when a task meets more bad
	// records than that.
	MaxRejects int64
	// SplitSize is the bytes of input per task; 0 divides the input by
	// the job's parallelism (at least 32 MiB a task).
	SplitSize int64
}

// TBL are the options of TPC-H .tbl files: '|'-separated with a trailing
// '|', no header, no quoting.
var TBL = CSVOptions{Delimiter: '|', NoQuote: true, Trailing: true}

// ReadCSV reads delimited text files (a file, a directory, a glob, or a
// comma-separated list of these, as ReadText; a name ending in .gz is
// gunzipped, by one task) of the given schema. Types:
// int64, int32, float64, decimal128, date32 (YYYY-MM-DD), string, bool.
// Files are split at line boundaries and read in parallel; only the
// columns some later step reads are parsed (the others are not checked
// either, except that every record must have all its fields).
func ReadCSV(p *Pipeline, name, input string, schema *arrow.Schema, o CSVOptions) *Table {
	t := &Table{p: p, node: -1, schema: schema}
	if input == "" {
		p.fail(Usagef("step %q: no input given", name))
		return t
	}
	if o.Delimiter == 0 {
		o.Delimiter = ','
	}
	if o.OnBad == RejectMalformed && o.Rejects == "" {
		p.fail(Usagef("step %q: RejectMalformed needs a Rejects directory", name))
		return t
	}
	src := &csvSource{p: p, name: name, input: input, schema: schema, o: o}
	if _, err := delim.NewScanner(schema, nil, src.delimOptions()); err != nil {
		p.fail(Usagef("step %q: %v", name, err))
		return t
	}
	t = p.addTable(name, "ReadCSV", dataflow.KindSource, src, schema)
	src.node = t.node
	return t
}

type csvSource struct {
	p      *Pipeline
	node   int
	name   string
	input  string
	schema *arrow.Schema
	o      CSVOptions
}

func (s *csvSource) delimOptions() delim.Options {
	d := delim.Options{Delim: s.o.Delimiter, Trailing: s.o.Trailing, Null: s.o.Null}
	if !s.o.NoQuote {
		d.Quote = '"'
	}
	return d
}

// Validate implements dataflow.Validator: the input must exist, and the
// rejects directory must be free.
func (s *csvSource) Validate() error {
	if _, err := textio.Expand(s.input); err != nil {
		return err
	}
	if s.o.Rejects != "" {
		return freeOutput(s.o.Rejects)
	}
	return nil
}

// OutputDir implements dataflow.Output for the rejects, when there are.
func (s *csvSource) OutputDir() string { return s.o.Rejects }

func (s *csvSource) inputBytes() (int64, bool) { return inputBytes(s.input) }

// inputBytes is the total size of the files input names.
func inputBytes(input string) (int64, bool) {
	files, err := textio.Expand(input)
	if err != nil {
		return 0, false
	}
	var n int64
	for _, f := range files {
		fi, err := os.Stat(f)
		if err != nil {
			return 0, false
		}
		n += fi.Size()
	}
	return n, true
}

// Splits implements dataflow.SplitSource. A gzipped file (.gz) is one
// split: it cannot be read from the middle.
func (s *csvSource) Splits(ctx context.Context, parallelism int) ([]proto.Split, error) {
	files, err := textio.Expand(s.input)
	if err != nil {
		return nil, err
	}
	var plain []string
	var gz []proto.Split
	for _, f := range files {
		if !strings.HasSuffix(f, ".gz") {
			plain = append(plain, f)
			continue
		}
		fi, err := os.Stat(f)
		if err != nil {
			return nil, err
		}
		gz = append(gz, proto.Split{Path: f, Length: fi.Size()})
	}
	if len(plain) == 0 {
		return gz, nil
	}
	sp, err := (&textSource{input: strings.Join(plain, ","), opts: options{splitSize: s.o.SplitSize}}).Splits(ctx, parallelism)
	return append(sp, gz...), err
}

// readGzip calls fn for every line of the gzipped file of split, with
// the line's start in the decompressed text.
func readGzip(ctx context.Context, split proto.Split, fn func(line string, start, next int64) error, progress func(int64)) error {
	f, err := os.Open(split.Path)
	if err != nil {
		return err
	}
	defer f.Close()
	counted := &countingReader{r: f}
	zr, err := gzip.NewReader(bufio.NewReaderSize(counted, 1<<16))
	if err != nil {
		return fmt.Errorf("%s: %w", split.Path, err)
	}
	br := bufio.NewReaderSize(zr, 1<<20)
	var off int64
	for n := 0; ; n++ {
		line, err := br.ReadString('\n')
		if len(line) > 0 {
			start := off
			off += int64(len(line))
			line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
			if ferr := fn(line, start, off); ferr != nil {
				return ferr
			}
		}
		if n%4096 == 0 {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			progress(counted.n)
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", split.Path, err)
		}
	}
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// projection is the indexes of the columns to parse.
func (s *csvSource) projection() []int {
	cols, ok := s.p.neededColumns(s.node)
	if !ok {
		return nil
	}
	out := []int{}
	for i, f := range s.schema.Fields() {
		if slices.Contains(cols, f.Name) {
			out = append(out, i)
		}
	}
	return out
}

func (s *csvSource) read(tc *taskCtx, split proto.Split, emit any) error {
	out := emit.(func(arrow.RecordBatch))
	project := s.projection()
	sc, err := delim.NewScanner(s.schema, project, s.delimOptions())
	if err != nil {
		return err
	}
	r := &csvRead{s: s, tc: tc, split: split, lines: &lineCounter{path: split.Path}}
	defer r.closeRejects()
	flush := func() {
		rec := sc.Flush()
		if rec == nil {
			return
		}
		defer rec.Release()
		tc.count("rows_read", rec.NumRows())
		cols := make([]arrow.Array, len(s.schema.Fields()))
		k := 0
		for i := range cols {
			if project == nil || slices.Contains(project, i) {
				cols[i] = rec.Column(k)
				cols[i].Retain()
				k++
			} else {
				cols[i] = columnar.Placeholder(int(rec.NumRows()))
			}
		}
		b := newBatch(s.schema, cols, rec.NumRows())
		out(b)
		b.Release()
	}
	whole := tc.spec.Split.Length
	first := true
	onLine := func(line string, lineStart, next int64) error {
		if first {
			first = false
			if split.Start == 0 && s.o.Header {
				return nil
			}
		}
		if line == "" {
			return nil
		}
		if bad := sc.Add(line); bad != nil {
			if err := r.bad(line, lineStart, next, bad); err != nil {
				return err
			}
		}
		if sc.Len() >= batchRows || sc.Bytes() >= 8<<20 {
			flush()
		}
		return tc.err
	}
	progress := func(done int64) {
		if whole > 0 {
			tc.env.Progress(float64(done) / float64(whole))
		}
	}
	if strings.HasSuffix(split.Path, ".gz") {
		r.lines = nil // lines are numbered as they are read
		n := int64(0)
		err = readGzip(tc.ctx, split, func(line string, start, next int64) error {
			n++
			r.lineNo = n
			return onLine(line, start, next)
		}, progress)
	} else {
		start := split.Start
		err = textio.ReadLinesAt(tc.ctx, split, func(line string, next int64) error {
			lineStart := start
			if start == split.Start && split.Start > 0 {
				lineStart = -1 // found when needed: after the line the split begins in
			}
			start = next
			return onLine(line, lineStart, next)
		}, progress)
	}
	if err != nil {
		return err
	}
	flush()
	tc.count("bytes_read", split.Length)
	return r.finish()
}

// csvRead is one task's reading of a split: its bad records.
type csvRead struct {
	s       *csvSource
	tc      *taskCtx
	split   proto.Split
	lines   *lineCounter // nil for a gzipped file
	lineNo  int64        // the current line, in a gzipped file
	bads    int64
	rejects *os.File
	rw      *bufio.Writer
	temp    string
}

// bad handles a record the scanner refused, which starts at file offset
// start (-1: unknown, the split's first line) and ends before next.
func (r *csvRead) bad(line string, start, next int64, why *delim.Reject) error {
	r.bads++
	r.tc.count("rows_rejected", 1)
	lineNo := func() int64 {
		if r.lines == nil { // a gzipped file: counted while reading
			return r.lineNo
		}
		if start < 0 {
			start = lineStartBefore(r.split.Path, next, int64(len(line)))
		}
		n, err := r.lines.lineAt(start)
		if err != nil {
			return 0
		}
		return n
	}
	switch r.s.o.OnBad {
	case FailFast:
		r.tc.res.Fatal = true // the same data fails every attempt
		return fmt.Errorf("%s:%d: %v: bad record (read with DropMalformed or RejectMalformed to go on without it)", r.split.Path, lineNo(), why)
	case RejectMalformed:
		if err := r.writeReject(line, lineNo(), why); err != nil {
			return err
		}
	}
	if r.s.o.MaxRejects > 0 && r.bads > r.s.o.MaxRejects {
		r.tc.res.Fatal = true
		return fmt.Errorf("%s: more than %d bad records (MaxRejects); the last, line %d: %v", r.split.Path, r.s.o.MaxRejects, lineNo(), why)
	}
	return nil
}

func (r *csvRead) writeReject(line string, lineNo int64, why *delim.Reject) error {
	if r.rejects == nil {
		part := fmt.Sprintf("%s-%05d.tsv", safeName(r.s.name), r.tc.spec.Index)
		r.temp = filepath.Join(r.s.o.Rejects, stagingDir, r.tc.spec.AttemptID, part)
		if err := os.MkdirAll(filepath.Dir(r.temp), 0o755); err != nil {
			return err
		}
		f, err := os.Create(r.temp)
		if err != nil {
			return err
		}
		r.rejects, r.rw = f, bufio.NewWriterSize(f, 1<<16)
		r.rw.WriteString("file\tline\tcolumn\treason\trecord\n")
		r.tc.res.Staged = append(r.tc.res.Staged, proto.StagedFile{Temp: r.temp, Final: filepath.Join(r.s.o.Rejects, part)})
	}
	col := ""
	if why.Column > 0 {
		col = fmt.Sprintf("%d (%s)", why.Column, why.Field)
	}
	fmt.Fprintf(r.rw, "%s\t%d\t%s\t%s\t%s\n", r.split.Path, lineNo, col, strings.ReplaceAll(why.Reason, "\t", " "), line)
	return nil
}

// finish closes the rejects file, synced.
func (r *csvRead) finish() error {
	if r.rejects == nil {
		return nil
	}
	f := r.rejects
	r.rejects = nil
	if err := errors.Join(r.rw.Flush(), f.Sync(), f.Close()); err != nil {
		return fmt.Errorf("write %s: %w", r.temp, err)
	}
	return nil
}

func (r *csvRead) closeRejects() {
	if r.rejects != nil {
		r.rejects.Close()
	}
}

// safeName makes a step name usable in a file name.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == 0 || r == ':' {
			return '_'
		}
		return r
	}, s)
}

// lineStartBefore finds where the line of length n ending just before
// next (its '\n', maybe after a '\r') starts.
func lineStartBefore(path string, next, n int64) int64 {
	f, err := os.Open(path)
	if err != nil {
		return max(0, next-n-1)
	}
	defer f.Close()
	start := next - n - 1 // just before the '\n'
	var b [1]byte
	if _, err := f.ReadAt(b[:], next-1); err != nil || b[0] != '\n' {
		return max(0, next-n) // the file's last line, without '\n'
	}
	if start > 0 {
		if _, err := f.ReadAt(b[:], next-2); err == nil && b[0] == '\r' {
			start--
		}
	}
	return max(0, start)
}

// lineCounter numbers lines by file offset, reading the file once however
// many offsets it is asked for in increasing order.
type lineCounter struct {
	path string
	off  int64 // counted up to here
	line int64 // newlines before off
	f    *os.File
}

// lineAt is the 1-based line number of the line starting at offset.
func (c *lineCounter) lineAt(offset int64) (int64, error) {
	if offset < c.off { // asked out of order: count again
		c.off, c.line = 0, 0
	}
	if c.f == nil {
		f, err := os.Open(c.path)
		if err != nil {
			return 0, err
		}
		c.f = f
	}
	buf := make([]byte, 1<<20)
	for c.off < offset {
		n := min(int64(len(buf)), offset-c.off)
		got, err := c.f.ReadAt(buf[:n], c.off)
		c.line += int64(bytes.Count(buf[:got], []byte{'\n'}))
		c.off += int64(got)
		if err != nil && !errors.Is(err, io.EOF) {
			return 0, err
		}
		if got == 0 {
			break
		}
	}
	return c.line + 1, nil
}

// ReadParquet reads Parquet files (a file, a directory of them, a glob or
// a list, as ReadText), their schema taken from the first file; each row
// group is read by one task, and only the columns later steps read.
func ReadParquet(p *Pipeline, name, input string) *Table {
	t := &Table{p: p, node: -1}
	files, err := textio.Expand(input)
	if err != nil {
		p.fail(Usagef("step %q: %v", name, err))
		return t
	}
	schema, err := colfile.ParquetSchema(files[0])
	if err != nil {
		p.fail(Usagef("step %q: %v", name, err))
		return t
	}
	src := &parquetSource{p: p, input: input, schema: schema}
	t = p.addTable(name, "ReadParquet", dataflow.KindSource, src, schema)
	src.node = t.node
	return t
}

type parquetSource struct {
	p      *Pipeline
	node   int
	input  string
	schema *arrow.Schema
}

// Validate implements dataflow.Validator.
func (s *parquetSource) Validate() error {
	_, err := textio.Expand(s.input)
	return err
}

func (s *parquetSource) inputBytes() (int64, bool) {
	return inputBytes(s.input)
}

// Splits implements dataflow.SplitSource: one split per row group, whose
// Start is the row group's index and Length its compressed size.
func (s *parquetSource) Splits(ctx context.Context, parallelism int) ([]proto.Split, error) {
	files, err := textio.Expand(s.input)
	if err != nil {
		return nil, err
	}
	var out []proto.Split
	for _, f := range files {
		groups, err := colfile.ParquetRowGroups(f)
		if err != nil {
			return nil, err
		}
		for i, size := range groups {
			out = append(out, proto.Split{Path: f, Start: int64(i), Length: max(size, 1)})
		}
	}
	if len(out) == 0 && len(files) > 0 {
		out = append(out, proto.Split{Path: files[0], Start: -1})
	}
	return out, nil
}

func (s *parquetSource) read(tc *taskCtx, split proto.Split, emit any) error {
	if split.Start < 0 { // a file without row groups
		return nil
	}
	out := emit.(func(arrow.RecordBatch))
	need, pruned := s.p.neededColumns(s.node)
	var cols []string
	if pruned {
		for _, f := range s.schema.Fields() {
			if slices.Contains(need, f.Name) {
				cols = append(cols, f.Name)
			}
		}
		if cols == nil {
			cols = []string{s.schema.Field(0).Name} // something to count rows by
		}
	}
	err := colfile.ReadParquet(tc.ctx, split.Path, []int{int(split.Start)}, cols, batchRows, func(rec arrow.RecordBatch) error {
		full := make([]arrow.Array, len(s.schema.Fields()))
		for i, f := range s.schema.Fields() {
			idx := rec.Schema().FieldIndices(f.Name)
			if len(idx) == 0 || (pruned && !slices.Contains(need, f.Name)) {
				full[i] = columnar.Placeholder(int(rec.NumRows()))
				continue
			}
			full[i] = rec.Column(idx[0])
			full[i].Retain()
		}
		b := newBatch(s.schema, full, rec.NumRows())
		defer b.Release()
		tc.count("rows_read", rec.NumRows())
		out(b)
		return tc.err
	})
	if err != nil {
		return err
	}
	tc.count("bytes_read", split.Length)
	tc.env.Progress(1)
	return nil
}
