package codec

import (
	"cmp"
	"fmt"
	"math"
	"reflect"
	"strings"
)

// Key is the plan for using T as a shuffle key: a hash that is the same in
// every process (for partitioning), an order (nil when T has none), and a
// Clone that detaches a key from the memory it was read from.
type Key[T any] struct {
	Hash    func(T) uint64
	Compare func(a, b T) int
	Clone   func(T) T
}

// KeyFor plans T as a key. Strings, bools, ints, uints and floats work,
// and comparable structs of them and of such structs. A struct's fields
// are those For plans; it orders field by field in declaration order, and
// its hash folds its fields' hashes in that order (depth first, from a
// fixed seed: h = mix(h ^ field)). Errors wrap ErrUnsupported and name the
// field at fault.
func KeyFor[T any]() (Key[T], error) {
	t := reflect.TypeFor[T]()
	id := func(v T) T { return v }
	switch t.Kind() {
	case reflect.Struct:
		if t != timeType {
			return structKey[T](t)
		}
	case reflect.String:
		return Key[T]{
			Hash:    func(v T) uint64 { return fnv1a(as[string](v)) },
			Compare: func(a, b T) int { return strings.Compare(as[string](a), as[string](b)) },
			Clone:   func(v T) T { return as[T](strings.Clone(as[string](v))) },
		}, nil
	case reflect.Bool:
		return Key[T]{
			Hash:    func(v T) uint64 { return mix(uint64(as[uint8](v))) },
			Compare: func(a, b T) int { return cmp.Compare(as[uint8](a), as[uint8](b)) },
			Clone:   id,
		}, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		w := widenInt[T](t.Size())
		return Key[T]{
			Hash:    func(v T) uint64 { return mix(uint64(w(v))) },
			Compare: func(a, b T) int { return cmp.Compare(w(a), w(b)) },
			Clone:   id,
		}, nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		w := widenUint[T](t.Size())
		return Key[T]{
			Hash:    func(v T) uint64 { return mix(w(v)) },
			Compare: func(a, b T) int { return cmp.Compare(w(a), w(b)) },
			Clone:   id,
		}, nil
	case reflect.Float32, reflect.Float64:
		f := func(v T) float64 {
			if t.Kind() == reflect.Float32 {
				return float64(as[float32](v))
			}
			return as[float64](v)
		}
		return Key[T]{
			Hash:    func(v T) uint64 { return mix(floatBits(f(v))) },
			Compare: func(a, b T) int { return cmp.Compare(f(a), f(b)) },
			Clone:   id,
		}, nil
	}
	return Key[T]{}, fmt.Errorf("%w: %s cannot be a key", ErrUnsupported, t)
}

// floatBits are the bits a float key hashes by: the same for values that
// are equal as keys, so +0 and -0 (equal in a Go map) land in one
// partition; every NaN hashes alike too.
func floatBits(x float64) uint64 {
	switch {
	case x == 0:
		return 0
	case x != x:
		return 0x7ff8000000000001
	}
	return math.Float64bits(x)
}

// fnv1a is 64-bit FNV-1a, fixed across processes and releases (unlike
// hash/maphash, which is seeded per process).
func fnv1a(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// mix is the splitmix64 finalizer, so that small integer keys spread.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

func widenInt[T any](size uintptr) func(T) int64 {
	switch size {
	case 1:
		return func(v T) int64 { return int64(as[int8](v)) }
	case 2:
		return func(v T) int64 { return int64(as[int16](v)) }
	case 4:
		return func(v T) int64 { return int64(as[int32](v)) }
	}
	return func(v T) int64 { return as[int64](v) }
}

func widenUint[T any](size uintptr) func(T) uint64 {
	switch size {
	case 1:
		return func(v T) uint64 { return uint64(as[uint8](v)) }
	case 2:
		return func(v T) uint64 { return uint64(as[uint16](v)) }
	case 4:
		return func(v T) uint64 { return uint64(as[uint32](v)) }
	}
	return func(v T) uint64 { return as[uint64](v) }
}
