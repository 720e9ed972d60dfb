package codec

import (
	"errors"
	"fmt"
	"reflect"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// ErrColumn is returned by a Rows Getter for a record that lacks a column
// of the plan or has it of another type.
var ErrColumn = errors.New("codec: column missing or of another type")

// Rows is the plan of a struct type T as the columns of a record batch:
// one top-level column per planned field, planned as For plans a struct's
// fields.
type Rows[T any] struct {
	Schema *arrow.Schema
	// Appender returns a function that appends v to bs (builders of
	// Schema's fields, in order, such as an array.RecordBuilder's Fields).
	Appender func(bs []array.Builder) func(v T)
	// Getter returns a function that reads row i of rec, which must have
	// Schema's fields by name, in any order and with extra columns
	// allowed. The error, for a column missing or of another type (by
	// arrow.TypeEqual), wraps ErrColumn.
	Getter func(rec arrow.RecordBatch) (func(i int) T, error)
}

// RowsFor plans T, which must be a struct. The functions that Appender
// and Getter return reuse a buffer: each is for one goroutine.
func RowsFor[T any]() (Rows[T], error) {
	t := reflect.TypeFor[T]()
	if t.Kind() != reflect.Struct || t == timeType {
		return Rows[T]{}, fmt.Errorf("%w: rows of %s: not a struct", ErrUnsupported, t)
	}
	root, err := planType(t, "", map[reflect.Type]bool{})
	if err != nil {
		return Rows[T]{}, err
	}
	fs := root.fields
	return Rows[T]{Schema: arrow.NewSchema(arrowFields(fs), nil),
		Appender: func(bs []array.Builder) func(T) {
			if len(bs) != len(fs) {
				panic(fmt.Sprintf("codec: %d builders for the %d columns of %s", len(bs), len(fs), t))
			}
			add, buf := appendFields(fs, func(i int) array.Builder { return bs[i] }), new(T)
			return func(v T) {
				*buf = v
				add(unsafe.Pointer(buf))
				*buf = *new(T)
			}
		},
		Getter: func(rec arrow.RecordBatch) (func(int) T, error) {
			cols, err := columnsOf(rec, fs)
			if err != nil {
				return nil, err
			}
			get, buf := getFields(fs, func(j int) arrow.Array { return cols[j] }), new(T)
			return func(i int) T {
				*buf = *new(T)
				get(i, unsafe.Pointer(buf))
				return *buf
			}, nil
		},
	}, nil
}

// columnsOf finds the column of each field in rec by name.
func columnsOf(rec arrow.RecordBatch, fs []field) ([]arrow.Array, error) {
	cols := make([]arrow.Array, len(fs))
	for j, f := range fs {
		idx := rec.Schema().FieldIndices(f.name)
		switch {
		case len(idx) == 0:
			return nil, fmt.Errorf("%w: no column %q", ErrColumn, f.name)
		case len(idx) > 1:
			return nil, fmt.Errorf("%w: %d columns named %q", ErrColumn, len(idx), f.name)
		}
		col := rec.Column(idx[0])
		if !arrow.TypeEqual(col.DataType(), f.n.typ) {
			return nil, fmt.Errorf("%w: column %q is %s, want %s", ErrColumn, f.name, col.DataType(), f.n.typ)
		}
		cols[j] = col
	}
	return cols, nil
}
