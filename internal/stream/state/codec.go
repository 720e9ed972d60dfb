package state

import (
	"fmt"
	"reflect"
	"unsafe"
)

// Codec is the binary encoding of a Go type. Append appends the encoding
// of v to dst and returns the extended slice; Decode reads a value that
// takes all of src, and returns an error wrapping ErrCorrupt if src is not
// one. Decoded strings and byte slices are copies, never views of src.
// The functions hold no state: a Codec may be shared by goroutines.
//
// The encoding is deterministic (maps are written in the order of their
// encoded keys) and is the stored format of state, so changing it
// invalidates snapshots; the tests pin it.
type Codec[T any] struct {
	Append func(dst []byte, v T) []byte
	Decode func(src []byte) (T, error)
}

// node is the plan of one type: functions over an untyped pointer to a
// value of it. dec decodes into the zero value at p (fresh memory: a new
// variable, slice, map holder or pointer target) and returns what is left
// of src. min is the fewest bytes an encoding takes, which
// bounds the length a corrupt slice header may claim.
type node struct {
	enc func(dst []byte, p unsafe.Pointer) []byte
	dec func(src []byte, p unsafe.Pointer) ([]byte, error)
	min int
}

// CodecFor plans T once with reflect and returns its codec; encoding and
// decoding then run planned closures over unsafe pointers, with no
// reflection except to allocate slices, maps and pointer targets.
//
// Supported: bool, every int, uint and float kind, complex64 and
// complex128, string, time.Time (the instant, read back in UTC), arrays,
// slices, maps, pointers (a nil flag, then the target) and structs of
// these, nested to any depth, including recursive types through pointers,
// slices or maps. A struct is its exported fields in declaration order; a
// field tagged `state:"-"` or named _ is skipped and decodes as zero. An
// unexported field is an error rather than silently dropped, since a value
// that lost it on spilling would differ from the cached one. Ints are
// zigzag varints, uints varints, floats their IEEE bits in little endian,
// strings and byte slices a varint length and the bytes; slices and maps
// store their length plus one so that nil survives. Values must not be
// cyclic: a pointer is encoded as its target.
//
// Other kinds (chan, func, interface, unsafe.Pointer) give an error that
// wraps ErrUnsupported and names the path of the field at fault.
func CodecFor[T any]() (Codec[T], error) {
	return codecFor[T](false)
}

func codecFor[T any](key bool) (Codec[T], error) {
	t := reflect.TypeFor[T]()
	if ls, ok := flatten(t, 0, key, nil); ok {
		return flatCodec[T](ls), nil
	}
	n, err := newPlanner(key).plan(t, t.String())
	if err != nil {
		return Codec[T]{}, err
	}
	return Codec[T]{
		Append: func(dst []byte, v T) []byte { return n.enc(dst, unsafe.Pointer(&v)) },
		Decode: func(src []byte) (T, error) {
			var v T
			rest, err := n.dec(src, unsafe.Pointer(&v))
			if err == nil && len(rest) != 0 {
				err = errTrailing
			}
			return v, err
		},
	}, nil
}

// flatCodec is the codec of a scalar or flat struct: direct calls, so
// that v stays on the stack.
func flatCodec[T any](ls []leaf) Codec[T] {
	return Codec[T]{
		Append: func(dst []byte, v T) []byte { return encLeaves(dst, unsafe.Pointer(&v), ls) },
		Decode: func(src []byte) (T, error) {
			var v T
			rest, err := decLeaves(src, unsafe.Pointer(&v), ls)
			if err == nil && len(rest) != 0 {
				err = errTrailing
			}
			return v, err
		},
	}
}

// keyCodecFor plans a key type. A table caches entries in a Go map keyed
// by K but stores them under K's encoding, so the two must agree: keys
// are equal exactly when their encodings are. That holds for bool, ints,
// uints, strings, and arrays and structs of them with every field
// encoded, and for floats once a key's -0 is written as +0 (NaN, which
// is not even equal to itself, makes no usable key); not for pointers (==
// compares addresses, the encoding targets), time.Time (== compares
// locations) or structs with skipped fields.
func keyCodecFor[K comparable]() (Codec[K], error) {
	t := reflect.TypeFor[K]()
	if err := checkKey(t, t.String()); err != nil {
		return Codec[K]{}, err
	}
	return codecFor[K](true)
}

func checkKey(t reflect.Type, path string) error {
	switch t.Kind() {
	case reflect.Bool, reflect.String, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32,
		reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Uintptr, reflect.Float32, reflect.Float64:
		return nil
	case reflect.Array:
		return checkKey(t.Elem(), path+"[]")
	case reflect.Struct:
		if t == timeType {
			break
		}
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() || f.Tag.Get("state") == "-" {
				return fmt.Errorf("%w: key %s has a field %s that is not encoded", ErrUnsupported, path, f.Name)
			}
			if err := checkKey(f.Type, path+"."+f.Name); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("%w: %s as a key at %s (== and the encoding disagree)", ErrUnsupported, t, path)
}

// planner plans types; inProgress holds the types being planned, so that
// a recursive type refers to its own plan instead of recursing forever.
// key plans a key type: floats write -0 as +0.
type planner struct {
	inProgress map[reflect.Type]*node
	key        bool
}

func newPlanner(key bool) *planner {
	return &planner{inProgress: map[reflect.Type]*node{}, key: key}
}

func (pl *planner) plan(t reflect.Type, path string) (*node, error) {
	if n, ok := pl.inProgress[t]; ok {
		return forward(n), nil
	}
	if ls, ok := flatten(t, 0, pl.key, nil); ok {
		return leafNode(ls), nil
	}
	n := &node{}
	pl.inProgress[t] = n
	defer delete(pl.inProgress, t)
	planned, err := pl.compound(t, path)
	if err != nil {
		return nil, err
	}
	*n = *planned
	return n, nil
}

// forward refers to a plan that is still being built.
func forward(n *node) *node {
	return &node{
		enc: func(dst []byte, p unsafe.Pointer) []byte { return n.enc(dst, p) },
		dec: func(src []byte, p unsafe.Pointer) ([]byte, error) { return n.dec(src, p) },
	}
}

func (pl *planner) compound(t reflect.Type, path string) (*node, error) {
	switch t.Kind() {
	case reflect.Struct:
		if t == timeType {
			return timeNode(), nil
		}
		return pl.structNode(t, path)
	case reflect.Array:
		return pl.arrayNode(t, path)
	case reflect.Slice:
		return pl.sliceNode(t, path)
	case reflect.Map:
		return pl.mapNode(t, path)
	case reflect.Pointer:
		return pl.pointerNode(t, path)
	}
	return nil, fmt.Errorf("%w: %s at %s", ErrUnsupported, t, path)
}
