package delim

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// Scanner parses records of one schema into Arrow record batches. Plan it
// once with NewScanner, Add records, and Flush them as batches. A Scanner
// is not safe for concurrent use.
type Scanner struct {
	opts    Options
	delim   string        // opts.Delim as a string, for strings.Count
	hasNull bool          // opts.Null != ""
	fields  []arrow.Field // the file's fields, in file order
	out     *arrow.Schema // the projected schema
	steps   []step        // the projected fields, in file order
	delims  int           // delimiters in a record
	ends    []int         // offsets of the delimiters up to the end of the last projected field
	cols    []column      // the output columns, in output order
	scratch []byte        // a quoted field with its escapes undone

	n     int  // records held
	hint  int  // records of the largest batch, to size the next one
	ready bool // the columns are reserved for the current batch
}

// A step is one projected field, planned.
type step struct {
	field     int    // index of the field in the file
	eol       bool   // the field ends the record (last field, no Trailing)
	emptyNull bool   // an empty unquoted field is null
	nullable  bool   // a null is allowed
	col       column // where the value goes
}

// NewScanner plans a scanner for records of schema, which lists all the
// fields of a record in order. project lists the indexes (into schema) of
// the fields to materialize, in output order; nil means all of them.
// Fields not projected are never parsed or validated (and may be of any
// type), but every record must have exactly len(schema.Fields()) fields.
//
// The error wraps ErrOptions for unusable opts, ErrProjection for an index
// out of range or repeated, and ErrUnsupportedType for a projected field
// of a type delim cannot parse.
func NewScanner(schema *arrow.Schema, project []int, opts Options) (*Scanner, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	if schema == nil || schema.NumFields() == 0 {
		return nil, fmt.Errorf("%w: the schema has no fields", ErrProjection)
	}
	s := &Scanner{opts: opts, delim: string([]byte{opts.Delim}), hasNull: opts.Null != "", fields: schema.Fields()}
	if project == nil {
		project = make([]int, len(s.fields))
		for i := range project {
			project[i] = i
		}
	}
	if err := s.plan(project); err != nil {
		return nil, err
	}
	out := make([]arrow.Field, len(project))
	for i, f := range project {
		out[i] = s.fields[f]
	}
	md := schema.Metadata()
	s.out = arrow.NewSchema(out, &md)
	return s, nil
}

// plan builds the columns and the steps for project.
func (s *Scanner) plan(project []int) error {
	byField := make([]column, len(s.fields))
	s.cols = make([]column, len(project))
	for i, f := range project {
		if f < 0 || f >= len(s.fields) {
			return fmt.Errorf("%w: index %d of %d fields", ErrProjection, f, len(s.fields))
		}
		if byField[f] != nil {
			return fmt.Errorf("%w: field %d (%s) projected twice", ErrProjection, f, s.fields[f].Name)
		}
		col, err := newColumn(s.fields[f].Type)
		if err != nil {
			return fmt.Errorf("%w, in schema field %d (%s)", err, f, s.fields[f].Name)
		}
		byField[f], s.cols[i] = col, col
	}
	last := -1
	for f, col := range byField {
		if col != nil {
			s.steps, last = append(s.steps, s.step(f, col)), f
		}
	}
	s.delims = len(s.fields) - 1
	if s.opts.Trailing {
		s.delims++
	}
	s.ends = make([]int, min(last+1, s.delims))
	return nil
}

// step returns the step for field f into col.
func (s *Scanner) step(f int, col column) step {
	isString := s.fields[f].Type.ID() == arrow.STRING
	return step{
		field:     f,
		eol:       f == len(s.fields)-1 && !s.opts.Trailing,
		emptyNull: !isString || s.opts.Null == "",
		nullable:  s.fields[f].Nullable,
		col:       col,
	}
}

// Schema returns the projected schema: the schema of the batches.
func (s *Scanner) Schema() *arrow.Schema { return s.out }

// Len returns the number of records held.
func (s *Scanner) Len() int { return s.n }

// Bytes returns about how many bytes the held records take, for flushing
// by size. Flush well before a string column reaches 2 GiB: a record that
// would pass it is rejected.
func (s *Scanner) Bytes() int {
	n := 0
	for _, c := range s.cols {
		n += c.size()
	}
	return n
}

// Flush returns the held records as one batch, nil when there are none,
// and starts empty. The batch owns its memory (the Scanner never writes it
// again); the caller releases it.
func (s *Scanner) Flush() arrow.RecordBatch {
	if s.n == 0 {
		return nil
	}
	arrs := make([]arrow.Array, len(s.cols))
	for i, c := range s.cols {
		arrs[i] = c.build(s.n)
	}
	rec := array.NewRecordBatch(s.out, arrs, int64(s.n))
	for _, a := range arrs {
		a.Release()
	}
	s.hint, s.n, s.ready = max(s.hint, s.n), 0, false
	return rec
}

// reserve readies the columns for a new batch the size of the largest
// one so far.
func (s *Scanner) reserve() {
	for _, c := range s.cols {
		c.reserve(s.hint)
	}
	s.ready = true
}

// rollback drops what a rejected record appended.
func (s *Scanner) rollback() {
	for _, c := range s.cols {
		c.truncate(s.n)
	}
}
