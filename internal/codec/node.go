package codec

import (
	"fmt"
	"reflect"
	"time"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// node is the plan of a value the codec reaches through a pointer: a
// struct field, the target of a pointer field, or a whole struct. Its
// functions take that pointer, so one node serves a field of its type at
// any offset, and a value needs no reflection to read or write.
type node struct {
	typ  arrow.DataType
	kind nodeKind
	size uintptr // the value's Go size
	// append returns a function that appends the value at p to b (a
	// builder of typ) and returns about how many bytes it added.
	append func(b array.Builder) func(p unsafe.Pointer) int
	// get returns a function that stores row i of a (an array of typ) at p.
	get func(a arrow.Array) func(i int, p unsafe.Pointer)
	// assign stores the value at src at dst, as Go's = does.
	assign func(dst, src unsafe.Pointer)
	// alloc returns a new zero value, for the targets of pointers.
	alloc func() unsafe.Pointer
	// slots are the parts of the value that refer to other memory (see
	// slot); none for a value that is a copy already.
	slots  []slot
	fields []field // kindStruct: the planned fields, in declaration order
	elem   *node   // kindPointer: the target's plan
}

type nodeKind uint8

const (
	kindPlain   nodeKind = iota // holds no references (or only to Go's own memory, as time.Time)
	kindString                  // a string kind
	kindBytes                   // a []byte kind
	kindPointer                 // a pointer to a planned type: nil is null
	kindStruct                  // a struct: a column of Arrow structs
)

var timeType = reflect.TypeFor[time.Time]()

// planType plans t, found at path (named in errors; "" for the type
// planned, whose fields' paths start with its name). open holds
// the struct types being planned, to refuse types that contain themselves.
func planType(t reflect.Type, path string, open map[reflect.Type]bool) (*node, error) {
	switch {
	case t == timeType:
		return leaf(timeColumn(), kindPlain), nil
	case t.Kind() == reflect.Struct:
		return planStruct(t, path, open)
	case t.Kind() == reflect.Pointer:
		return planPointer(t, path, open)
	}
	return planScalar(t, path)
}

// planScalar plans the kinds For supports on its own, through For of
// their base type: a named type has its base type's layout.
func planScalar(t reflect.Type, path string) (*node, error) {
	switch t.Kind() {
	case reflect.String:
		return leaf(must(For[string]()), kindString), nil
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return leaf(must(For[[]byte]()), kindBytes), nil
		}
	case reflect.Bool:
		return leaf(must(For[bool]()), kindPlain), nil
	case reflect.Float32:
		return leaf(must(For[float32]()), kindPlain), nil
	case reflect.Float64:
		return leaf(must(For[float64]()), kindPlain), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return intLeaf(t.Size()), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return uintLeaf(t.Size()), nil
	}
	return nil, unsupported(path, t, "")
}

// unsupported is the error for a type found at path ("" at the top).
func unsupported(path string, t reflect.Type, why string) error {
	if path == "" {
		return fmt.Errorf("%w: %s%s", ErrUnsupported, t, why)
	}
	return fmt.Errorf("%w: field %s has type %s%s", ErrUnsupported, path, t, why)
}

func intLeaf(size uintptr) *node {
	switch size {
	case 1:
		return leaf(must(For[int8]()), kindPlain)
	case 2:
		return leaf(must(For[int16]()), kindPlain)
	case 4:
		return leaf(must(For[int32]()), kindPlain)
	}
	return leaf(must(For[int64]()), kindPlain)
}

func uintLeaf(size uintptr) *node {
	switch size {
	case 1:
		return leaf(must(For[uint8]()), kindPlain)
	case 2:
		return leaf(must(For[uint16]()), kindPlain)
	case 4:
		return leaf(must(For[uint32]()), kindPlain)
	}
	return leaf(must(For[uint64]()), kindPlain)
}

// must is for the plans of base types, which cannot fail.
func must[T any](c Column[T], err error) Column[T] {
	if err != nil {
		panic(err)
	}
	return c
}

// leaf is the node of a value of type U, planned as c.
func leaf[U any](c Column[U], k nodeKind) *node {
	n := &node{typ: c.Type, kind: k, size: unsafe.Sizeof(*new(U)),
		append: func(b array.Builder) func(unsafe.Pointer) int {
			add := c.Appender(b)
			return func(p unsafe.Pointer) int { return add(*(*U)(p)) }
		},
		get: func(a arrow.Array) func(int, unsafe.Pointer) {
			get := c.Getter(a)
			return func(i int, p unsafe.Pointer) { *(*U)(p) = get(i) }
		},
		assign: func(dst, src unsafe.Pointer) { *(*U)(dst) = *(*U)(src) },
		alloc:  func() unsafe.Pointer { return unsafe.Pointer(new(U)) },
	}
	if k != kindPlain {
		n.slots = []slot{{0, n}}
	}
	return n
}

// planPointer plans a pointer as its target's column, nullable. A pointer
// to a pointer is refused: Arrow has one null, not two.
func planPointer(t reflect.Type, path string, open map[reflect.Type]bool) (*node, error) {
	if t.Elem().Kind() == reflect.Pointer {
		return nil, unsupported(path, t, ", a pointer to a pointer")
	}
	e, err := planType(t.Elem(), path, open)
	if err != nil {
		return nil, err
	}
	n := &node{typ: e.typ, kind: kindPointer, size: unsafe.Sizeof(unsafe.Pointer(nil)), elem: e,
		append: appendPointer(e), get: getPointer(e),
		assign: func(dst, src unsafe.Pointer) { *(*unsafe.Pointer)(dst) = *(*unsafe.Pointer)(src) },
	}
	n.slots = []slot{{0, n}}
	return n, nil
}

func appendPointer(e *node) func(array.Builder) func(unsafe.Pointer) int {
	return func(b array.Builder) func(unsafe.Pointer) int {
		add := e.append(b)
		return func(p unsafe.Pointer) int {
			q := *(*unsafe.Pointer)(p)
			if q == nil {
				b.AppendNull()
				return 1
			}
			return add(q)
		}
	}
}

// getPointer reads a null as nil and a value into a new target.
func getPointer(e *node) func(arrow.Array) func(int, unsafe.Pointer) {
	return func(a arrow.Array) func(int, unsafe.Pointer) {
		get := e.get(a)
		return func(i int, p unsafe.Pointer) {
			if a.IsNull(i) {
				*(*unsafe.Pointer)(p) = nil
				return
			}
			q := e.alloc()
			get(i, q)
			*(*unsafe.Pointer)(p) = q
		}
	}
}

// timeColumn maps time.Time to a Timestamp of microseconds in UTC: Arrow's
// and Parquet's usual unit, whose range (±290,000 years) holds the zero
// time.Time, which nanoseconds (1677 to 2262) do not. Values read back are
// in UTC, truncated to the microsecond, without a monotonic reading.
func timeColumn() Column[time.Time] {
	return Column[time.Time]{Type: arrow.FixedWidthTypes.Timestamp_us,
		Appender: func(b array.Builder) func(time.Time) int {
			tb := b.(*array.TimestampBuilder)
			return func(v time.Time) int { tb.Append(arrow.Timestamp(v.UnixMicro())); return 8 }
		},
		Getter: func(a arrow.Array) func(int) time.Time {
			ta := a.(*array.Timestamp)
			return func(i int) time.Time { return time.UnixMicro(int64(ta.Value(i))).UTC() }
		},
		Size: func(time.Time) int { return int(unsafe.Sizeof(time.Time{})) },
	}
}
