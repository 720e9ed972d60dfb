package codec

import (
	"fmt"
	"reflect"
	"sync"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// field is a planned struct field: its column name, its offset in the
// struct and its plan.
type field struct {
	name string
	off  uintptr
	n    *node
}

// planStruct plans a struct as an Arrow struct of its exported fields.
func planStruct(t reflect.Type, path string, open map[reflect.Type]bool) (*node, error) {
	if open[t] {
		return nil, unsupported(path, t, ", which contains itself")
	}
	open[t] = true
	defer delete(open, t)
	fs, err := planFields(t, path, open)
	if err != nil {
		return nil, err
	}
	s := &slab{t: reflect.ArrayOf(slabLen, t), size: t.Size()}
	n := &node{typ: arrow.StructOf(arrowFields(fs)...), kind: kindStruct, size: t.Size(), fields: fs,
		append: appendStruct(fs), get: getStruct(fs), assign: assignFields(fs), alloc: s.alloc}
	n.slots = slots(fs, 0, nil)
	return n, nil
}

// planFields plans t's fields, refusing unexported ones that are not
// skipped and two fields of one name.
func planFields(t reflect.Type, path string, open map[reflect.Type]bool) ([]field, error) {
	var fs []field
	names := map[string]string{} // column name → Go name
	if path == "" {
		path = t.String()
	}
	for i := range t.NumField() {
		f := t.Field(i)
		name, skip := fieldName(f)
		fpath := path + "." + f.Name
		switch {
		case skip:
			continue
		case !f.IsExported():
			return nil, fmt.Errorf("%w: field %s is unexported (tag it `spindle:\"-\"` to skip it)", ErrUnsupported, fpath)
		case names[name] != "":
			return nil, fmt.Errorf("%w: fields %s.%s and %s are both named %q", ErrUnsupported, path, names[name], f.Name, name)
		}
		names[name] = f.Name
		n, err := planType(f.Type, fpath, open)
		if err != nil {
			return nil, err
		}
		fs = append(fs, field{name, f.Offset, n})
	}
	return fs, nil
}

// fieldName is f's column name: its tag `spindle:"name"`, or else its Go
// name. Fields tagged `spindle:"-"` and blank (_) fields are skipped.
func fieldName(f reflect.StructField) (name string, skip bool) {
	switch tag := f.Tag.Get("spindle"); {
	case tag == "-" || f.Name == "_":
		return "", true
	case tag != "":
		return tag, false
	}
	return f.Name, false
}

func arrowFields(fs []field) []arrow.Field {
	out := make([]arrow.Field, len(fs))
	for i, f := range fs {
		out[i] = arrow.Field{Name: f.name, Type: f.n.typ, Nullable: f.n.kind == kindPointer}
	}
	return out
}

// boundField is a field's function for one builder or array.
type boundField[F any] struct {
	off uintptr
	fn  F
}

// appendFields returns a function that appends the fields of the struct
// at p, field i to builder(i).
func appendFields(fs []field, builder func(i int) array.Builder) func(p unsafe.Pointer) int {
	bs := make([]boundField[func(unsafe.Pointer) int], len(fs))
	for i, f := range fs {
		bs[i] = boundField[func(unsafe.Pointer) int]{f.off, f.n.append(builder(i))}
	}
	return func(p unsafe.Pointer) int {
		n := 0
		for _, b := range bs {
			n += b.fn(unsafe.Add(p, b.off))
		}
		return n
	}
}

// getFields returns a function that stores row i of the fields'
// arrays, field j's from array(j), in the struct at p.
func getFields(fs []field, array func(j int) arrow.Array) func(i int, p unsafe.Pointer) {
	gs := make([]boundField[func(int, unsafe.Pointer)], len(fs))
	for j, f := range fs {
		gs[j] = boundField[func(int, unsafe.Pointer)]{f.off, f.n.get(array(j))}
	}
	return func(i int, p unsafe.Pointer) {
		for _, g := range gs {
			g.fn(i, unsafe.Add(p, g.off))
		}
	}
}

func appendStruct(fs []field) func(array.Builder) func(unsafe.Pointer) int {
	return func(b array.Builder) func(unsafe.Pointer) int {
		sb := b.(*array.StructBuilder)
		add := appendFields(fs, sb.FieldBuilder)
		return func(p unsafe.Pointer) int { sb.Append(true); return 1 + add(p) }
	}
}

func getStruct(fs []field) func(arrow.Array) func(int, unsafe.Pointer) {
	return func(a arrow.Array) func(int, unsafe.Pointer) { return getFields(fs, a.(*array.Struct).Field) }
}

// assignFields copies the planned fields; skipped ones are left as they are.
func assignFields(fs []field) func(dst, src unsafe.Pointer) {
	return func(dst, src unsafe.Pointer) {
		for _, f := range fs {
			f.n.assign(unsafe.Add(dst, f.off), unsafe.Add(src, f.off))
		}
	}
}

// slabLen is how many values a slab allocates at a time.
const slabLen = 32

// slab allocates zero values of one struct type, the targets of pointers
// to it, slabLen at a time: a reflect call per slabLen values rather than
// per value. Values of one allocation keep each other's memory alive. It
// is safe for concurrent use.
type slab struct {
	t    reflect.Type // [slabLen]T
	size uintptr      // T's size
	mu   sync.Mutex   // protects following fields
	base unsafe.Pointer
	used int // values of base handed out
}

func (s *slab) alloc() unsafe.Pointer {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.base == nil || s.used == slabLen {
		s.base, s.used = reflect.New(s.t).UnsafePointer(), 0
	}
	p := unsafe.Add(s.base, uintptr(s.used)*s.size)
	s.used++
	return p
}
