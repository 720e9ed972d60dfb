package columnar

import (
	"fmt"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// bitmap is a validity bitmap under construction: nil while every value is
// valid.
type bitmap struct {
	bits  []byte
	nulls int
	n     int
}

func newBitmap(n int) bitmap { return bitmap{n: n} }

// setNull marks row i null.
func (b *bitmap) setNull(i int) {
	if b.bits == nil {
		b.bits = make([]byte, bitutil.BytesForBits(int64(b.n)))
		for j := range b.bits {
			b.bits[j] = 0xff
		}
	}
	if bitutil.BitIsSet(b.bits, i) {
		bitutil.ClearBit(b.bits, i)
		b.nulls++
	}
}

func (b *bitmap) buffer() *memory.Buffer {
	if b.bits == nil {
		return nil
	}
	return memory.NewBufferBytes(b.bits)
}

// nullsOf marks in b the rows where any of arrs is null.
func (b *bitmap) nullsOf(arrs ...arrow.Array) {
	for _, a := range arrs {
		if a == nil || a.NullN() == 0 {
			continue
		}
		for i := range b.n {
			if a.IsNull(i) {
				b.setNull(i)
			}
		}
	}
}

func bytesOf[T any](vals []T) []byte {
	if len(vals) == 0 {
		return nil
	}
	var z T
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(vals))), len(vals)*int(unsafe.Sizeof(z)))
}

// fixed makes an array of a fixed-width type from values (which it keeps)
// and a validity bitmap.
func fixed[T any](dt arrow.DataType, vals []T, valid bitmap) arrow.Array {
	data := array.NewData(dt, len(vals), []*memory.Buffer{valid.buffer(), memory.NewBufferBytes(bytesOf(vals))}, nil, valid.nulls, 0)
	defer data.Release()
	return array.MakeFromData(data)
}

// boolArray makes a Boolean array from values and a validity bitmap.
func boolArray(vals []bool, valid bitmap) arrow.Array {
	bits := make([]byte, bitutil.BytesForBits(int64(len(vals))))
	for i, v := range vals {
		if v {
			bitutil.SetBit(bits, i)
		}
	}
	data := array.NewData(arrow.FixedWidthTypes.Boolean, len(vals), []*memory.Buffer{valid.buffer(), memory.NewBufferBytes(bits)}, nil, valid.nulls, 0)
	defer data.Release()
	return array.MakeFromData(data)
}

// stringArray makes a String array of the given values.
func stringArray(vals []string, valid bitmap) arrow.Array {
	size := 0
	for _, v := range vals {
		size += len(v)
	}
	offsets := make([]int32, len(vals)+1)
	data := make([]byte, 0, size)
	for i, v := range vals {
		data = append(data, v...)
		offsets[i+1] = int32(len(data))
	}
	d := array.NewData(arrow.BinaryTypes.String, len(vals), []*memory.Buffer{valid.buffer(), memory.NewBufferBytes(bytesOf(offsets)), memory.NewBufferBytes(data)}, nil, valid.nulls, 0)
	defer d.Release()
	return array.MakeFromData(d)
}

// Placeholder is the column a source delivers in place of one no step
// reads: an all-null array of the Null type, which costs no memory. It
// keeps the column positions of the declared schema.
func Placeholder(n int) arrow.Array { return array.NewNull(n) }

// Shape is s with the type Null where cols holds a placeholder: the
// schema of a batch some of whose columns were never read.
func Shape(s *arrow.Schema, cols []arrow.Array) *arrow.Schema {
	var fields []arrow.Field
	for i, c := range cols {
		if IsPlaceholder(c) && s.Field(i).Type.ID() != arrow.NULL {
			if fields == nil {
				fields = append([]arrow.Field(nil), s.Fields()...)
			}
			fields[i] = arrow.Field{Name: fields[i].Name, Type: arrow.Null, Nullable: true}
		}
	}
	if fields == nil {
		return s
	}
	return arrow.NewSchema(fields, nil)
}

// IsPlaceholder reports whether a is a placeholder column.
func IsPlaceholder(a arrow.Array) bool { return a.DataType().ID() == arrow.NULL }

// decimalType returns the decimal type of precision p (capped at 38) and
// scale s.
func decimalType(p, s int32) *arrow.Decimal128Type {
	return &arrow.Decimal128Type{Precision: min(max(p, 1), 38), Scale: s}
}

// pow10 returns 10^n as a Decimal128.
func pow10(n int32) decimal128.Num {
	r := decimal128.FromI64(1)
	for range n {
		r = r.Mul(decimal128.FromI64(10))
	}
	return r
}

// typeName renders dt for messages.
func typeName(dt arrow.DataType) string {
	if d, ok := dt.(*arrow.Decimal128Type); ok {
		return fmt.Sprintf("decimal(%d,%d)", d.Precision, d.Scale)
	}
	return dt.String()
}

// markNullAt marks row i null in a bitmap that grows with its rows.
func (b *bitmap) markNullAt(i int) {
	need := int(bitutil.BytesForBits(int64(i + 1)))
	for len(b.bits) < need {
		b.bits = append(b.bits, 0xff)
	}
	bitutil.ClearBit(b.bits, i)
	b.nulls++
}

// sized returns b for n rows: every row not marked null is valid.
func (b bitmap) sized(n int) bitmap {
	if b.bits == nil {
		return bitmap{n: n}
	}
	need := int(bitutil.BytesForBits(int64(n)))
	for len(b.bits) < need {
		b.bits = append(b.bits, 0xff)
	}
	b.n = n
	return b
}
