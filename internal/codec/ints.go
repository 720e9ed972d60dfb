package codec

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// intColumn maps a signed integer type of the given size to Int64; values
// widen on the way in and narrow on the way out, losslessly.
func intColumn[T any](size uintptr) Column[T] {
	widen := widenInt[T](size)
	narrow := func(x int64) T {
		switch size {
		case 1:
			return as[T](int8(x))
		case 2:
			return as[T](int16(x))
		case 4:
			return as[T](int32(x))
		}
		return as[T](x)
	}
	return Column[T]{Type: arrow.PrimitiveTypes.Int64,
		Appender: func(b array.Builder) func(T) int {
			ib := b.(*array.Int64Builder)
			return func(v T) int { ib.Append(widen(v)); return 8 }
		},
		Getter: func(a arrow.Array) func(int) T {
			ia := a.(*array.Int64)
			return func(i int) T { return narrow(ia.Value(i)) }
		}}
}

// uintColumn maps an unsigned integer type of the given size to Uint64.
func uintColumn[T any](size uintptr) Column[T] {
	widen := widenUint[T](size)
	narrow := func(x uint64) T {
		switch size {
		case 1:
			return as[T](uint8(x))
		case 2:
			return as[T](uint16(x))
		case 4:
			return as[T](uint32(x))
		}
		return as[T](x)
	}
	return Column[T]{Type: arrow.PrimitiveTypes.Uint64,
		Appender: func(b array.Builder) func(T) int {
			ub := b.(*array.Uint64Builder)
			return func(v T) int { ub.Append(widen(v)); return 8 }
		},
		Getter: func(a arrow.Array) func(int) T {
			ua := a.(*array.Uint64)
			return func(i int) T { return narrow(ua.Value(i)) }
		}}
}
