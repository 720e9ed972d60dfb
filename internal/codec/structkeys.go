package codec

import (
	"cmp"
	"fmt"
	"reflect"
	"strings"
	"unsafe"
)

// keyField is a scalar field of a struct key at its offset in the
// outermost struct: the fields of structs inside a key are its own, in
// declaration order, depth first.
type keyField struct {
	off  uintptr
	kind keyKind
	size uintptr
}

type keyKind uint8

const (
	keyString keyKind = iota
	keyBool
	keyInt
	keyUint
	keyFloat32
	keyFloat64
)

// structSeed starts a struct key's hash: arbitrary, and not zero, which
// the finalizer would keep.
const structSeed = 0x9e3779b97f4a7c15

// structKey plans a struct key. Its hash folds the hashes of its fields,
// as KeyFor hashes them on their own, in order: h = mix(h ^ field), from
// structSeed. It orders keys field by field.
func structKey[T any](t reflect.Type) (Key[T], error) {
	fs, err := keyFields(t, 0, t.String(), nil)
	if err != nil {
		return Key[T]{}, err
	}
	if !t.Comparable() { // by a skipped field
		return Key[T]{}, fmt.Errorf("%w: %s cannot be a key: it is not comparable", ErrUnsupported, t)
	}
	k := Key[T]{
		Hash:    func(v T) uint64 { return hashFields(unsafe.Pointer(&v), fs) },
		Compare: func(a, b T) int { return compareFields(unsafe.Pointer(&a), unsafe.Pointer(&b), fs) },
		Clone:   func(v T) T { return v },
	}
	var strs []uintptr
	for _, f := range fs {
		if f.kind == keyString {
			strs = append(strs, f.off)
		}
	}
	if len(strs) > 0 {
		k.Clone = func(v T) T {
			for _, off := range strs {
				s := (*string)(unsafe.Add(unsafe.Pointer(&v), off))
				*s = strings.Clone(*s)
			}
			return v
		}
	}
	return k, nil
}

// keyFields appends the fields of struct t, at offset base and found at
// path, to out. Fields are skipped, and unexported ones refused, as For
// does: a key holds what crosses the shuffle.
func keyFields(t reflect.Type, base uintptr, path string, out []keyField) ([]keyField, error) {
	for i := range t.NumField() {
		f := t.Field(i)
		fpath := path + "." + f.Name
		if _, skip := fieldName(f); skip {
			continue
		}
		if !f.IsExported() {
			return nil, fmt.Errorf("%w: field %s is unexported (tag it `spindle:\"-\"` to skip it)", ErrUnsupported, fpath)
		}
		off := base + f.Offset
		if f.Type.Kind() == reflect.Struct && f.Type != timeType {
			var err error
			if out, err = keyFields(f.Type, off, fpath, out); err != nil {
				return nil, err
			}
			continue
		}
		k, ok := keyKindOf(f.Type.Kind())
		if !ok {
			return nil, fmt.Errorf("%w: field %s has type %s, which cannot be part of a key", ErrUnsupported, fpath, f.Type)
		}
		out = append(out, keyField{off, k, f.Type.Size()})
	}
	return out, nil
}

func keyKindOf(k reflect.Kind) (keyKind, bool) {
	switch k {
	case reflect.String:
		return keyString, true
	case reflect.Bool:
		return keyBool, true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return keyInt, true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return keyUint, true
	case reflect.Float32:
		return keyFloat32, true
	case reflect.Float64:
		return keyFloat64, true
	}
	return 0, false
}

func hashFields(p unsafe.Pointer, fs []keyField) uint64 {
	h := uint64(structSeed)
	for _, f := range fs {
		h = mix(h ^ f.hash(unsafe.Add(p, f.off)))
	}
	return h
}

func compareFields(a, b unsafe.Pointer, fs []keyField) int {
	for _, f := range fs {
		if c := f.compare(unsafe.Add(a, f.off), unsafe.Add(b, f.off)); c != 0 {
			return c
		}
	}
	return 0
}

// hash is the hash of the field at p, the same as KeyFor's of its type.
func (f keyField) hash(p unsafe.Pointer) uint64 {
	switch f.kind {
	case keyString:
		return fnv1a(*(*string)(p))
	case keyBool:
		return mix(uint64(*(*uint8)(p)))
	case keyInt:
		return mix(uint64(loadInt(p, f.size)))
	case keyUint:
		return mix(loadUint(p, f.size))
	case keyFloat32:
		return mix(floatBits(float64(*(*float32)(p))))
	}
	return mix(floatBits(*(*float64)(p)))
}

func (f keyField) compare(a, b unsafe.Pointer) int {
	switch f.kind {
	case keyString:
		return strings.Compare(*(*string)(a), *(*string)(b))
	case keyBool:
		return cmp.Compare(*(*uint8)(a), *(*uint8)(b))
	case keyInt:
		return cmp.Compare(loadInt(a, f.size), loadInt(b, f.size))
	case keyUint:
		return cmp.Compare(loadUint(a, f.size), loadUint(b, f.size))
	case keyFloat32:
		return cmp.Compare(*(*float32)(a), *(*float32)(b))
	}
	return cmp.Compare(*(*float64)(a), *(*float64)(b))
}

func loadInt(p unsafe.Pointer, size uintptr) int64 {
	switch size {
	case 1:
		return int64(*(*int8)(p))
	case 2:
		return int64(*(*int16)(p))
	case 4:
		return int64(*(*int32)(p))
	}
	return *(*int64)(p)
}

func loadUint(p unsafe.Pointer, size uintptr) uint64 {
	switch size {
	case 1:
		return uint64(*(*uint8)(p))
	case 2:
		return uint64(*(*uint16)(p))
	case 4:
		return uint64(*(*uint32)(p))
	}
	return *(*uint64)(p)
}
