package delim

import (
	"math"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// stringCol holds a string column: the values back to back in data, and
// offsets[i] the start of value i (offsets has one entry more than rows).
type stringCol struct {
	offsets []int32
	data    []byte
	hint    int // bytes of data in the largest batch, to size the next one
	validity
}

func (c *stringCol) add(f string) string {
	if !utf8.ValidString(f) {
		return reasonUTF8
	}
	if len(c.data)+len(f) > math.MaxInt32 {
		return reasonStringFull
	}
	c.data = append(c.data, f...)
	c.offsets = append(c.offsets, int32(len(c.data)))
	c.set(len(c.offsets)-2, true)
	return ""
}

func (c *stringCol) addNull() {
	c.offsets = append(c.offsets, int32(len(c.data)))
	c.set(len(c.offsets)-2, false)
}

func (c *stringCol) truncate(n int) {
	c.offsets = c.offsets[:n+1]
	c.data = c.data[:c.offsets[n]]
	c.validity.truncate(n)
}

func (c *stringCol) reserve(n int) {
	c.offsets = append(make([]int32, 0, n+1), 0)
	c.data = make([]byte, 0, c.hint)
}

func (c *stringCol) size() int { return len(c.data) + 4*len(c.offsets) }

func (c *stringCol) build(n int) arrow.Array {
	offsets, data := c.offsets, c.data
	c.offsets, c.data, c.hint = nil, nil, max(c.hint, len(data))
	valid, nulls := c.take(n)
	return makeArray(arrow.BinaryTypes.String, n, nulls, valid,
		memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(offsets)),
		memory.NewBufferBytes(data))
}

// boolCol holds a boolean column, one bit per row; text is "1", "0", or
// "true" or "false" in any case.
type boolCol struct {
	bits []byte
	n    int // rows held
	validity
}

func (c *boolCol) add(f string) string {
	var v bool
	switch {
	case f == "1" || len(f) == 4 && strings.EqualFold(f, "true"):
		v = true
	case f == "0" || len(f) == 5 && strings.EqualFold(f, "false"):
	default:
		return badValue("bool", f)
	}
	c.push(v, true)
	return ""
}

func (c *boolCol) addNull() { c.push(false, false) }

// push appends value v, valid or null.
func (c *boolCol) push(v, valid bool) {
	appendBit(&c.bits, c.n, v)
	c.set(c.n, valid)
	c.n++
}

func (c *boolCol) truncate(n int) {
	c.n = n
	c.bits = c.bits[:bitutil.BytesForBits(int64(n))]
	c.validity.truncate(n)
}

func (c *boolCol) reserve(n int) { c.bits = make([]byte, 0, bitutil.BytesForBits(int64(n))) }
func (c *boolCol) size() int     { return len(c.bits) }

func (c *boolCol) build(n int) arrow.Array {
	bits := c.bits
	c.bits, c.n = nil, 0
	valid, nulls := c.take(n)
	return makeArray(arrow.FixedWidthTypes.Boolean, n, nulls, valid, memory.NewBufferBytes(bits))
}
