package codec

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// ErrUnsupported is returned by For for a type with no Arrow mapping.
var ErrUnsupported = errors.New("codec: unsupported element type")

// Column is the plan for one Go type as one Arrow column.
type Column[T any] struct {
	Type arrow.DataType
	// Appender returns a function that appends a value to b (a builder of
	// Type) and returns about how many bytes it added.
	Appender func(b array.Builder) func(v T) int
	// Getter returns a function that reads row i of a (an array of Type).
	Getter func(a arrow.Array) func(i int) T
	// Size estimates the bytes a value takes in memory.
	Size func(v T) int
	// Clone detaches a value a Getter returned from the array's memory, so
	// that keeping it does not keep the whole array alive; nil for types
	// without pointers, whose values are copies already.
	Clone func(v T) T
}

// NewBuilder returns a builder for c's Arrow type.
func (c Column[T]) NewBuilder() array.Builder {
	return array.NewBuilder(memory.DefaultAllocator, c.Type)
}

// For plans T. Strings and byte slices returned by a Getter point into
// the Arrow array's memory; Clone them to keep them without keeping the
// array.
//
// A struct is a column of Arrow structs (see the package doc for its
// fields), a time.Time a Timestamp of microseconds in UTC (read back in
// UTC, truncated to the microsecond), and a pointer its target's column
// with nil as null. Errors wrap
// ErrUnsupported and name the field at fault. The functions that a
// struct's or pointer's Appender and Getter return reuse a buffer: each
// is for one goroutine, like the builder it appends to.
func For[T any]() (Column[T], error) {
	t := reflect.TypeFor[T]()
	fixed := func(T) int { return int(t.Size()) }
	switch t.Kind() {
	case reflect.Struct, reflect.Pointer:
		if t == timeType {
			return any(timeColumn()).(Column[T]), nil
		}
		root, err := planType(t, "", map[reflect.Type]bool{})
		if err != nil {
			return Column[T]{}, err
		}
		return column[T](root), nil
	case reflect.String:
		return Column[T]{arrow.BinaryTypes.String, appendString[T], getString[T],
			func(v T) int { return 16 + len(as[string](v)) },
			func(v T) T { return as[T](strings.Clone(as[string](v))) }}, nil
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return Column[T]{arrow.BinaryTypes.Binary, appendBytes[T], getBytes[T],
				func(v T) int { return 24 + len(as[[]byte](v)) },
				func(v T) T { return as[T](bytes.Clone(as[[]byte](v))) }}, nil
		}
	case reflect.Bool:
		return Column[T]{arrow.FixedWidthTypes.Boolean, appendBool[T], getBool[T], fixed, nil}, nil
	case reflect.Float32, reflect.Float64:
		c := floatColumn[T](t.Kind())
		c.Size = fixed
		return c, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		c := intColumn[T](t.Size())
		c.Size = fixed
		return c, nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		c := uintColumn[T](t.Size())
		c.Size = fixed
		return c, nil
	}
	return Column[T]{}, fmt.Errorf("%w: %s", ErrUnsupported, t)
}

// column is the Column of a planned type. Its Appender and Getter pass
// the node's functions a buffer of their own, not the value's address,
// which would make every value escape to the heap.
func column[T any](root *node) Column[T] {
	c := Column[T]{Type: root.typ,
		Appender: func(b array.Builder) func(T) int {
			add, buf := root.append(b), new(T)
			return func(v T) int {
				*buf = v
				n := add(unsafe.Pointer(buf))
				*buf = *new(T) // do not keep what v refers to alive
				return n
			}
		},
		Getter: func(a arrow.Array) func(int) T {
			get, buf := root.get(a), new(T)
			return func(i int) T {
				*buf = *new(T) // fields that are not planned read as zero
				get(i, unsafe.Pointer(buf))
				return *buf
			}
		},
		Size: func(v T) int { return int(root.size) + extraAt(unsafe.Pointer(&v), root.slots) },
	}
	if len(root.slots) > 0 {
		c.Clone = func(v T) T { cloneAt(unsafe.Pointer(&v), root.slots); return v }
	}
	return c
}

// as reinterprets v as U; For only pairs T and U of the same underlying
// kind and size.
func as[U, T any](v T) U { return *(*U)(unsafe.Pointer(&v)) }

func appendString[T any](b array.Builder) func(T) int {
	sb := b.(*array.StringBuilder)
	return func(v T) int { s := as[string](v); sb.Append(s); return len(s) + 4 }
}

func getString[T any](a arrow.Array) func(int) T {
	sa := a.(*array.String)
	return func(i int) T { return as[T](sa.Value(i)) }
}

func appendBytes[T any](b array.Builder) func(T) int {
	bb := b.(*array.BinaryBuilder)
	return func(v T) int { p := as[[]byte](v); bb.Append(p); return len(p) + 4 }
}

// getBytes returns values capped at their length: they share the array's
// buffer, and an append must copy rather than overwrite the next value.
func getBytes[T any](a arrow.Array) func(int) T {
	ba := a.(*array.Binary)
	return func(i int) T {
		v := ba.Value(i)
		return as[T](v[:len(v):len(v)])
	}
}

func appendBool[T any](b array.Builder) func(T) int {
	bb := b.(*array.BooleanBuilder)
	return func(v T) int { bb.Append(as[bool](v)); return 1 }
}

func getBool[T any](a arrow.Array) func(int) T {
	ba := a.(*array.Boolean)
	return func(i int) T { return as[T](ba.Value(i)) }
}

func floatColumn[T any](k reflect.Kind) Column[T] {
	if k == reflect.Float32 {
		return Column[T]{Type: arrow.PrimitiveTypes.Float32,
			Appender: func(b array.Builder) func(T) int {
				fb := b.(*array.Float32Builder)
				return func(v T) int { fb.Append(as[float32](v)); return 4 }
			},
			Getter: func(a arrow.Array) func(int) T {
				fa := a.(*array.Float32)
				return func(i int) T { return as[T](fa.Value(i)) }
			}}
	}
	return Column[T]{Type: arrow.PrimitiveTypes.Float64,
		Appender: func(b array.Builder) func(T) int {
			fb := b.(*array.Float64Builder)
			return func(v T) int { fb.Append(as[float64](v)); return 8 }
		},
		Getter: func(a arrow.Array) func(int) T {
			fa := a.(*array.Float64)
			return func(i int) T { return as[T](fa.Value(i)) }
		}}
}
