package delim

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// A column accumulates the values of one output field in plain Go slices
// and turns them into an Arrow array at Flush. Row i of a column is the
// i-th call of add or addNull since the last build; the Scanner keeps all
// columns at the same length by truncating them when a record is
// rejected.
type column interface {
	// add parses f and appends its value; on bad text it returns the
	// reason and appends nothing. f may alias a scratch buffer: it must
	// not be kept.
	add(f string) (reason string)
	// addNull appends a null.
	addNull()
	// truncate drops the rows from n on.
	truncate(n int)
	// reserve makes the (empty) column ready for about n rows; it is
	// called before the first row of every batch.
	reserve(n int)
	// size is about how many bytes the column holds.
	size() int
	// build returns the n rows held as an array and starts empty, keeping
	// nothing the array uses.
	build(n int) arrow.Array
}

// newColumn returns the column for values of type t.
func newColumn(t arrow.DataType) (column, error) {
	switch t.ID() {
	case arrow.INT64:
		return &int64Col{}, nil
	case arrow.INT32:
		return &int32Col{}, nil
	case arrow.FLOAT64:
		return &float64Col{}, nil
	case arrow.DATE32:
		return &date32Col{}, nil
	case arrow.BOOL:
		return &boolCol{}, nil
	case arrow.STRING:
		return &stringCol{}, nil
	case arrow.DECIMAL128:
		return newDecimalCol(t.(*arrow.Decimal128Type))
	}
	return nil, fmt.Errorf("%w %s", ErrUnsupportedType, t)
}

// validity is a column's null bitmap, kept only from its first null on:
// a column without nulls never pays for it.
type validity struct {
	bits []byte // nil until the first null; else one bit per row, 1 = valid
	hint int    // bytes of the largest bitmap so far, to size the next one
}

// set records row i (the next row) as valid or null; rows before the
// first null are marked valid when the bitmap is created.
func (v *validity) set(i int, valid bool) {
	if v.bits == nil && valid {
		return
	}
	v.setSlow(i, valid)
}

// setSlow is set for a column that has or gets a bitmap.
func (v *validity) setSlow(i int, valid bool) {
	if v.bits == nil {
		n := int(bitutil.BytesForBits(int64(i)))
		v.bits = make([]byte, n, max(2*n+1, v.hint))
		bitutil.SetBitsTo(v.bits, 0, int64(i), true)
	}
	appendBit(&v.bits, i, valid)
}

// truncate drops the rows from n on.
func (v *validity) truncate(n int) {
	if v.bits != nil {
		v.bits = v.bits[:bitutil.BytesForBits(int64(n))]
	}
}

// take returns the bitmap of n rows and its null count for building an
// array, nil and 0 when no row is null, and starts empty.
func (v *validity) take(n int) (*memory.Buffer, int) {
	bits := v.bits
	v.bits, v.hint = nil, max(v.hint, len(bits))
	if bits == nil {
		return nil, 0
	}
	nulls := n - bitutil.CountSetBits(bits, 0, n)
	if nulls == 0 {
		return nil, 0
	}
	return memory.NewBufferBytes(bits), nulls
}

// appendBit sets bit i of *bits, growing it by a byte when i starts one.
// Bits are set or cleared explicitly, so bytes left by truncate need no
// clearing.
func appendBit(bits *[]byte, i int, on bool) {
	if i&7 == 0 {
		*bits = append((*bits)[:i>>3], 0)
	}
	if on {
		(*bits)[i>>3] |= 1 << (i & 7)
	} else {
		(*bits)[i>>3] &^= 1 << (i & 7)
	}
}

// makeArray wraps buffers (validity first) as an array of n values of t.
func makeArray(t arrow.DataType, n int, nulls int, bufs ...*memory.Buffer) arrow.Array {
	data := array.NewData(t, n, bufs, nil, nulls, 0)
	defer data.Release()
	return array.MakeFromData(data)
}
