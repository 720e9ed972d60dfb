package sdk

import (
	"fmt"
	"reflect"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"spindle/dataflow"
	"spindle/internal/codec"
)

// ToTable turns a dataset of structs into a table: one column per
// exported field (named by the field, or its `spindle:"name"` tag).
func ToTable[T any](p *Pipeline, name string, d Dataset[T]) *Table {
	check(p, d, name)
	rows, err := codec.RowsFor[T]()
	if err != nil {
		p.fail(Usagef("step %q: %v", name, err))
		return &Table{p: p, node: -1}
	}
	return p.addTable(name, "ToTable", dataflow.KindNarrow, &toTableOp[T]{rows: rows}, rows.Schema, d.node)
}

type toTableOp[T any] struct{ rows codec.Rows[T] }

func (o *toTableOp[T]) openTask(tc *taskCtx, next any) (any, func() error, error) {
	emit := next.(func(arrow.RecordBatch))
	b := array.NewRecordBuilder(memory.DefaultAllocator, o.rows.Schema)
	app := o.rows.Appender(b.Fields())
	n := 0
	flush := func() {
		if n == 0 {
			return
		}
		rec := b.NewRecordBatch()
		n = 0
		emit(rec)
		rec.Release()
	}
	return func(v T) {
			app(v)
			if n++; n >= batchRows {
				flush()
			}
		}, func() error {
			flush()
			b.Release()
			return nil
		}, nil
}

// FromTable turns a table into a dataset of structs T, whose fields are
// matched to columns by name (`spindle:"name"` tags rename them); every
// field needs a column of its type.
func FromTable[T any](p *Pipeline, name string, t *Table) Dataset[T] {
	rows, err := codec.RowsFor[T]()
	if err == nil && !t.broken() {
		for _, f := range rows.Schema.Fields() {
			i := t.schema.FieldIndices(f.Name)
			if len(i) == 0 || !arrow.TypeEqual(t.schema.Field(i[0]).Type, f.Type) {
				err = fmt.Errorf("%s needs a column %q of type %s; the table has %s", reflect.TypeFor[T](), f.Name, f.Type, schemaString(t.schema))
				break
			}
		}
	}
	if err != nil {
		p.fail(Usagef("step %q: %v", name, err))
	}
	node := t.node
	if node < 0 {
		node = 0
	}
	return add[T](p, name, "FromTable", dataflow.KindNarrow, &fromTableOp[T]{rows: rows}, node)
}

type fromTableOp[T any] struct{ rows codec.Rows[T] }

func (o *fromTableOp[T]) needs([]string) [][]string { return [][]string{nil} }

func (o *fromTableOp[T]) openTask(tc *taskCtx, next any) (any, func() error, error) {
	emit := next.(func(T))
	return func(rec arrow.RecordBatch) {
		if tc.err != nil {
			return
		}
		get, err := o.rows.Getter(rec)
		if err != nil {
			tc.err = err
			return
		}
		for i := range int(rec.NumRows()) {
			emit(get(i))
		}
	}, nil, nil
}
