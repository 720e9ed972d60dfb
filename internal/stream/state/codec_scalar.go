package state

import (
	"encoding/binary"
	"fmt"
	"math"
	"reflect"
	"unsafe"
)

var (
	errShort    = fmt.Errorf("%w: value truncated or malformed", ErrCorrupt)
	errTrailing = fmt.Errorf("%w: bytes after the value", ErrCorrupt)
)

// Scalars are leaves: an opcode and an offset, run by one switch. A
// struct of scalars (nested structs of scalars included) flattens into a
// list of leaves. Closures would read better, but a value passed by
// pointer to a closure escapes to the heap, which doubles the cost of
// encoding a small struct; a direct call keeps it on the stack.
type op uint8

const (
	opBool op = iota + 1
	opInt
	opInt8
	opInt16
	opInt32
	opInt64
	opUint
	opUint8
	opUint16
	opUint32
	opUint64
	opUintptr
	opFloat32
	opFloat64
	opComplex64
	opComplex128
	opString
	opFloat32Key // a float in a key: -0 is written as +0, since -0 == +0
	opFloat64Key
)

// leaf is one scalar at an offset into the value.
type leaf struct {
	op  op
	off uintptr
}

var kindOps = map[reflect.Kind]op{
	reflect.Bool: opBool, reflect.Int: opInt, reflect.Int8: opInt8, reflect.Int16: opInt16,
	reflect.Int32: opInt32, reflect.Int64: opInt64, reflect.Uint: opUint, reflect.Uint8: opUint8,
	reflect.Uint16: opUint16, reflect.Uint32: opUint32, reflect.Uint64: opUint64,
	reflect.Uintptr: opUintptr, reflect.Float32: opFloat32, reflect.Float64: opFloat64,
	reflect.Complex64: opComplex64, reflect.Complex128: opComplex128, reflect.String: opString,
}

// scalarOp returns the op of a scalar kind, or 0.
func scalarOp(k reflect.Kind, key bool) op {
	o := kindOps[k]
	switch {
	case key && o == opFloat32:
		return opFloat32Key
	case key && o == opFloat64:
		return opFloat64Key
	}
	return o
}

// flatten returns t as leaves if it is a scalar or a struct of scalars
// and such structs, all fields encoded; ok is false otherwise (including
// for unexported fields, left to the planner to report).
func flatten(t reflect.Type, base uintptr, key bool, dst []leaf) (leaves []leaf, ok bool) {
	if o := scalarOp(t.Kind(), key); o != 0 {
		return append(dst, leaf{o, base}), true
	}
	if t.Kind() != reflect.Struct || t == timeType {
		return nil, false
	}
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Name == "_" || f.Tag.Get("state") == "-" {
			continue
		}
		if !f.IsExported() {
			return nil, false
		}
		if dst, ok = flatten(f.Type, base+f.Offset, key, dst); !ok {
			return nil, false
		}
	}
	return dst, true
}

// leafMin is the fewest bytes leaves encode to.
func leafMin(ls []leaf) int {
	n := 0
	for _, l := range ls {
		switch l.op {
		case opFloat32, opFloat32Key:
			n += 4
		case opFloat64, opFloat64Key, opComplex64:
			n += 8
		case opComplex128:
			n += 16
		default:
			n++
		}
	}
	return n
}

func leafNode(ls []leaf) *node {
	return &node{
		enc: func(dst []byte, p unsafe.Pointer) []byte { return encLeaves(dst, p, ls) },
		dec: func(src []byte, p unsafe.Pointer) ([]byte, error) { return decLeaves(src, p, ls) },
		min: leafMin(ls),
	}
}

func encLeaves(dst []byte, p unsafe.Pointer, ls []leaf) []byte {
	for _, l := range ls {
		dst = encLeaf(dst, unsafe.Add(p, l.off), l.op)
	}
	return dst
}

func decLeaves(src []byte, p unsafe.Pointer, ls []leaf) ([]byte, error) {
	var err error
	for _, l := range ls {
		if src, err = decLeaf(src, unsafe.Add(p, l.off), l.op); err != nil {
			return nil, err
		}
	}
	return src, nil
}

// encLeaf appends the scalar at p: ints as zigzag varints, uints as
// varints, floats as their IEEE bits in little endian, strings as a
// varint length and the bytes.
func encLeaf(dst []byte, p unsafe.Pointer, o op) []byte {
	switch o {
	case opBool:
		if *(*bool)(p) {
			return append(dst, 1)
		}
		return append(dst, 0)
	case opInt:
		return binary.AppendVarint(dst, int64(*(*int)(p)))
	case opInt8:
		return binary.AppendVarint(dst, int64(*(*int8)(p)))
	case opInt16:
		return binary.AppendVarint(dst, int64(*(*int16)(p)))
	case opInt32:
		return binary.AppendVarint(dst, int64(*(*int32)(p)))
	case opInt64:
		return binary.AppendVarint(dst, *(*int64)(p))
	case opUint:
		return binary.AppendUvarint(dst, uint64(*(*uint)(p)))
	case opUint8:
		return binary.AppendUvarint(dst, uint64(*(*uint8)(p)))
	case opUint16:
		return binary.AppendUvarint(dst, uint64(*(*uint16)(p)))
	case opUint32:
		return binary.AppendUvarint(dst, uint64(*(*uint32)(p)))
	case opUint64:
		return binary.AppendUvarint(dst, *(*uint64)(p))
	case opUintptr:
		return binary.AppendUvarint(dst, uint64(*(*uintptr)(p)))
	case opFloat32:
		return binary.LittleEndian.AppendUint32(dst, math.Float32bits(*(*float32)(p)))
	case opFloat64:
		return binary.LittleEndian.AppendUint64(dst, math.Float64bits(*(*float64)(p)))
	case opFloat32Key:
		return binary.LittleEndian.AppendUint32(dst, math.Float32bits(*(*float32)(p)+0))
	case opFloat64Key:
		return binary.LittleEndian.AppendUint64(dst, math.Float64bits(*(*float64)(p)+0))
	case opComplex64:
		c := *(*complex64)(p)
		dst = binary.LittleEndian.AppendUint32(dst, math.Float32bits(real(c)))
		return binary.LittleEndian.AppendUint32(dst, math.Float32bits(imag(c)))
	case opComplex128:
		c := *(*complex128)(p)
		dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(real(c)))
		return binary.LittleEndian.AppendUint64(dst, math.Float64bits(imag(c)))
	case opString:
		s := *(*string)(p)
		return append(binary.AppendUvarint(dst, uint64(len(s))), s...)
	}
	panic("state: unknown leaf op")
}

// decLeaf decodes the scalar at the start of src into p.
func decLeaf(src []byte, p unsafe.Pointer, o op) ([]byte, error) {
	switch o {
	case opBool:
		if len(src) == 0 || src[0] > 1 {
			return nil, errShort
		}
		*(*bool)(p) = src[0] == 1
		return src[1:], nil
	case opInt64:
		x, n := binary.Varint(src)
		if n <= 0 {
			return nil, errShort
		}
		*(*int64)(p) = x
		return src[n:], nil
	case opInt, opInt8, opInt16, opInt32:
		return decInt(src, p, o)
	case opUint, opUint8, opUint16, opUint32, opUint64, opUintptr:
		return decUint(src, p, o)
	case opFloat32, opFloat32Key:
		if len(src) < 4 {
			return nil, errShort
		}
		*(*float32)(p) = math.Float32frombits(binary.LittleEndian.Uint32(src))
		return src[4:], nil
	case opFloat64, opFloat64Key:
		if len(src) < 8 {
			return nil, errShort
		}
		*(*float64)(p) = math.Float64frombits(binary.LittleEndian.Uint64(src))
		return src[8:], nil
	case opComplex64:
		if len(src) < 8 {
			return nil, errShort
		}
		re := math.Float32frombits(binary.LittleEndian.Uint32(src))
		im := math.Float32frombits(binary.LittleEndian.Uint32(src[4:]))
		*(*complex64)(p) = complex(re, im)
		return src[8:], nil
	case opComplex128:
		if len(src) < 16 {
			return nil, errShort
		}
		re := math.Float64frombits(binary.LittleEndian.Uint64(src))
		im := math.Float64frombits(binary.LittleEndian.Uint64(src[8:]))
		*(*complex128)(p) = complex(re, im)
		return src[16:], nil
	case opString:
		l, n := binary.Uvarint(src)
		if n <= 0 || l > uint64(len(src)-n) {
			return nil, errShort
		}
		*(*string)(p) = string(src[n : n+int(l)])
		return src[n+int(l):], nil
	}
	panic("state: unknown leaf op")
}

func decInt(src []byte, p unsafe.Pointer, o op) ([]byte, error) {
	x, n := binary.Varint(src)
	if n <= 0 {
		return nil, errShort
	}
	ok := true
	switch o {
	case opInt:
		*(*int)(p), ok = int(x), int64(int(x)) == x
	case opInt8:
		*(*int8)(p), ok = int8(x), int64(int8(x)) == x
	case opInt16:
		*(*int16)(p), ok = int16(x), int64(int16(x)) == x
	case opInt32:
		*(*int32)(p), ok = int32(x), int64(int32(x)) == x
	default:
		*(*int64)(p) = x
	}
	if !ok {
		return nil, errShort
	}
	return src[n:], nil
}

func decUint(src []byte, p unsafe.Pointer, o op) ([]byte, error) {
	x, n := binary.Uvarint(src)
	if n <= 0 {
		return nil, errShort
	}
	ok := true
	switch o {
	case opUint:
		*(*uint)(p), ok = uint(x), uint64(uint(x)) == x
	case opUint8:
		*(*uint8)(p), ok = uint8(x), uint64(uint8(x)) == x
	case opUint16:
		*(*uint16)(p), ok = uint16(x), uint64(uint16(x)) == x
	case opUint32:
		*(*uint32)(p), ok = uint32(x), uint64(uint32(x)) == x
	case opUintptr:
		*(*uintptr)(p), ok = uintptr(x), uint64(uintptr(x)) == x
	default:
		*(*uint64)(p) = x
	}
	if !ok {
		return nil, errShort
	}
	return src[n:], nil
}
