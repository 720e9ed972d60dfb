package sdk

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"spindle/dataflow"
	"spindle/internal/columnar"
)

// Table is a distributed table: rows of a declared schema, produced by one
// step of a Pipeline and processed column by column as Arrow record
// batches. It is the columnar counterpart of Dataset (see ToTable and
// FromTable) and runs on the same planner, shuffle and job master.
//
// Methods add a step named by their first argument and return the new
// table; a mistake (an unknown column, a type mismatch) is reported by
// Main as a usage error, and the rest of the chain is skipped.
type Table struct {
	p      *Pipeline
	node   int
	schema *arrow.Schema
}

// Schema is the table's schema.
func (t *Table) Schema() *arrow.Schema { return t.schema }

// Expr is a column expression; see Col, Lit, Dec and Date.
type Expr = columnar.Expr

// Col refers to a column by name.
func Col(name string) Expr { return columnar.Col(name) }

// Lit is a literal int, int64, float64, string or bool.
func Lit(v any) Expr { return columnar.Lit(v) }

// Dec is an exact decimal literal such as "0.05": its scale is its number
// of fractional digits.
func Dec(s string) Expr { return columnar.Dec(s) }

// Date is a date literal, YYYY-MM-DD.
func Date(s string) Expr { return columnar.Date(s) }

// batchRows is how many rows operators put in a batch they build.
const batchRows = 64 << 10

// tableNode is what the SDK knows of every table step's Impl: the columns
// of each input it reads to produce the given columns of its output (nil
// for an input: all of them). Sources parse only the columns some step
// reads.
type tableNode interface {
	needs(out []string) [][]string
}

// addTable adds a step producing a table of schema s.
func (p *Pipeline) addTable(name, op string, kind dataflow.Kind, impl any, s *arrow.Schema, inputs ...int) *Table {
	d := add[arrow.RecordBatch](p, name, op, kind, impl, inputs...)
	p.g.Node(d.node).Type = "table" + schemaString(s)
	return &Table{p: p, node: d.node, schema: s}
}

func schemaString(s *arrow.Schema) string {
	var b strings.Builder
	b.WriteByte('<')
	for i, f := range s.Fields() {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%s:%s", f.Name, f.Type)
	}
	b.WriteByte('>')
	return b.String()
}

// broken is the table of a step that failed to build: every method on it
// does nothing, since the first error is what Main reports.
func (t *Table) broken() bool { return t == nil || t.node < 0 }

// fail records err for step name and returns a broken table.
func (t *Table) fail(name string, err error) *Table {
	t.p.fail(Usagef("step %q: %v", name, err))
	return &Table{p: t.p, node: -1, schema: t.schema}
}

// same records an error if o is not a table of t's pipeline.
func (t *Table) same(name string, o *Table) bool {
	if o == nil || o.p != t.p {
		t.p.fail(fmt.Errorf("sdk: step %q reads a table of another pipeline (or nil)", name))
		return false
	}
	return !o.broken()
}

// columnNeeds resolves, once per process, which columns each table step
// must produce: sources then parse only those.
type columnNeeds struct {
	once sync.Once
	by   map[int][]string // node → columns needed of its output; missing: all
}

func (p *Pipeline) neededColumns(node int) ([]string, bool) {
	p.needs.once.Do(p.resolveNeeds)
	cols, ok := p.needs.by[node]
	return cols, ok
}

// resolveNeeds walks the graph from its last step back: a step's needed
// columns are the union of what its consumers read of it.
func (p *Pipeline) resolveNeeds() {
	p.needs.by = make(map[int][]string)
	all := make(map[int]bool) // nodes whose every column is needed
	need := make(map[int][]string)
	for _, n := range slices.Backward(p.g.Nodes) {
		tn, ok := n.Impl.(tableNode)
		var per [][]string
		if ok {
			out := need[n.ID]
			if all[n.ID] {
				out = nil
			} else if out == nil {
				out = []string{}
			}
			per = tn.needs(out)
		}
		for k, in := range n.Inputs {
			if !ok || k >= len(per) || per[k] == nil {
				all[in] = true
				continue
			}
			for _, c := range per[k] {
				if !slices.Contains(need[in], c) {
					need[in] = append(need[in], c)
				}
			}
		}
	}
	for id, cols := range need {
		if !all[id] {
			p.needs.by[id] = cols
		}
	}
}

// union returns the names in a or b, each once.
func union(a []string, b ...string) []string {
	out := slices.Clone(a)
	for _, x := range b {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// newBatch makes a batch of schema s (with placeholders where cols has
// them) and releases cols.
func newBatch(s *arrow.Schema, cols []arrow.Array, rows int64) arrow.RecordBatch {
	rec := array.NewRecordBatch(columnar.Shape(s, cols), cols, rows)
	for _, c := range cols {
		c.Release()
	}
	return rec
}

// tableOp is an element-wise table step: fn turns each input batch into
// an output batch (nil: nothing), and reports errors through the task.
type tableOp struct {
	fn   func(rec arrow.RecordBatch) (arrow.RecordBatch, error)
	need func(out []string) []string
}

func (o *tableOp) needs(out []string) [][]string { return [][]string{o.need(out)} }

// openTask implements taskOp.
func (o *tableOp) openTask(tc *taskCtx, next any) (any, func() error, error) {
	emit := next.(func(arrow.RecordBatch))
	return func(rec arrow.RecordBatch) {
		if tc.err != nil {
			return
		}
		out, err := o.fn(rec)
		if err != nil {
			tc.err = err
			return
		}
		if out != nil {
			if out.NumRows() > 0 {
				emit(out)
			}
			out.Release()
		}
	}, nil, nil
}

// Filter keeps the rows where pred is true (not false or null).
func (t *Table) Filter(name string, pred Expr) *Table {
	if t.broken() {
		return t
	}
	b, err := pred.Bind(t.schema)
	if err == nil && b.Type().ID() != arrow.BOOL {
		err = fmt.Errorf("filter %s is %s, want a boolean", pred, b.Type())
	}
	if err != nil {
		return t.fail(name, err)
	}
	op := &tableOp{
		fn: func(rec arrow.RecordBatch) (arrow.RecordBatch, error) {
			mask := b.Eval(rec)
			defer mask.Release()
			return columnar.Filter(rec, mask)
		},
		need: func(out []string) []string {
			if out == nil {
				return nil
			}
			return union(out, pred.Columns()...)
		},
	}
	return t.p.addTable(name, "Filter", dataflow.KindNarrow, op, t.schema, t.node)
}

// Select keeps the named columns, in that order.
func (t *Table) Select(name string, cols ...string) *Table {
	if t.broken() {
		return t
	}
	idx := make([]int, len(cols))
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		f := t.schema.FieldIndices(c)
		if len(f) == 0 {
			return t.fail(name, fmt.Errorf("no column %q (columns: %s)", c, strings.Join(names(t.schema), ", ")))
		}
		if slices.Index(cols, c) != i {
			return t.fail(name, fmt.Errorf("column %q selected twice", c))
		}
		idx[i], fields[i] = f[0], t.schema.Field(f[0])
	}
	out := arrow.NewSchema(fields, nil)
	op := &tableOp{
		fn: func(rec arrow.RecordBatch) (arrow.RecordBatch, error) {
			cs := make([]arrow.Array, len(idx))
			for i, j := range idx {
				cs[i] = rec.Column(j)
				cs[i].Retain()
			}
			return newBatch(out, cs, rec.NumRows()), nil
		},
		need: func(need []string) []string {
			if need == nil {
				return cols
			}
			return need
		},
	}
	return t.p.addTable(name, "Select", dataflow.KindNarrow, op, out, t.node)
}

// WithColumn adds column col computed by e, or replaces it if the table
// has one by that name.
func (t *Table) WithColumn(name, col string, e Expr) *Table {
	if t.broken() {
		return t
	}
	b, err := e.Bind(t.schema)
	if err != nil {
		return t.fail(name, err)
	}
	fields := slices.Clone(t.schema.Fields())
	pos := slices.IndexFunc(fields, func(f arrow.Field) bool { return f.Name == col })
	f := arrow.Field{Name: col, Type: b.Type(), Nullable: true}
	if pos < 0 {
		pos = len(fields)
		fields = append(fields, f)
	} else {
		fields[pos] = f
	}
	out := arrow.NewSchema(fields, nil)
	op := &tableOp{
		fn: func(rec arrow.RecordBatch) (arrow.RecordBatch, error) {
			cs := make([]arrow.Array, len(fields))
			for i := range cs {
				if i == pos {
					continue
				}
				cs[i] = rec.Column(i)
				cs[i].Retain()
			}
			cs[pos] = b.Eval(rec)
			return newBatch(out, cs, rec.NumRows()), nil
		},
		need: func(need []string) []string {
			if need == nil {
				return nil
			}
			kept := slices.DeleteFunc(slices.Clone(need), func(c string) bool { return c == col })
			return union(kept, e.Columns()...)
		},
	}
	return t.p.addTable(name, "WithColumn", dataflow.KindNarrow, op, out, t.node)
}

func names(s *arrow.Schema) []string {
	out := make([]string, 0, s.NumFields())
	for _, f := range s.Fields() {
		out = append(out, f.Name)
	}
	return out
}
