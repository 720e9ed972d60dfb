package delim

import (
	"errors"
	"math"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// fastDigits is the most digits parseInt handles without strconv: any
// 18-digit number fits in an int64.
const fastDigits = 18

// numErr tells why text is not a number.
type numErr uint8

const (
	numOK    numErr = iota
	numBad          // not a number
	numRange        // a number, too large in magnitude
)

// parseInt parses an optionally signed decimal integer into an int64.
// Up to 18 digits it is a plain loop; longer text goes to strconv, which
// decides between bad syntax and overflow.
func parseInt(s string) (int64, numErr) {
	i := 0
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		i = 1
	}
	if i == len(s) {
		return 0, numBad
	}
	if len(s)-i > fastDigits {
		return parseIntSlow(s)
	}
	var u int64
	for ; i < len(s); i++ {
		d := s[i] - '0'
		if d > 9 {
			return 0, numBad
		}
		u = u*10 + int64(d)
	}
	if s[0] == '-' {
		u = -u
	}
	return u, numOK
}

// parseInt8 is parseInt for text of n (at most 8) bytes in the low bytes
// of w, converted with digits8; ok is false for anything but an
// optionally signed run of digits.
func parseInt8(w uint64, n int) (v int64, ok bool) {
	neg := false
	if b := byte(w); b == '-' || b == '+' {
		neg, w, n = b == '-', w>>8, n-1
	}
	if n == 0 {
		return 0, false
	}
	u, ok := digits8(w, n)
	if neg {
		return -int64(u), ok
	}
	return int64(u), ok
}

// parseIntSlow is parseInt for long text.
func parseIntSlow(s string) (int64, numErr) {
	v, err := strconv.ParseInt(s, 10, 64)
	if errors.Is(err, strconv.ErrRange) {
		return 0, numRange
	}
	if err != nil {
		return 0, numBad
	}
	return v, numOK
}

// int64Col holds an int64 column.
type int64Col struct {
	vals []int64
	validity
}

func (c *int64Col) add(f string) string {
	v, e := parseInt(f)
	switch e {
	case numBad:
		return badValue("int64", f)
	case numRange:
		return outOfRange("int64", f)
	}
	c.vals = append(c.vals, v)
	c.set(len(c.vals)-1, true)
	return ""
}

// addAhead is add for a field f of at most 8 bytes that starts a string
// ahead of at least 8 bytes, read as one word.
func (c *int64Col) addAhead(f, ahead string) string {
	v, ok := parseInt8(load64(ahead, 0), len(f))
	if !ok {
		return c.add(f)
	}
	c.vals = append(c.vals, v)
	c.set(len(c.vals)-1, true)
	return ""
}

func (c *int64Col) addNull() {
	c.vals = append(c.vals, 0)
	c.set(len(c.vals)-1, false)
}

func (c *int64Col) truncate(n int) { c.vals = c.vals[:n]; c.validity.truncate(n) }
func (c *int64Col) reserve(n int)  { c.vals = make([]int64, 0, n) }
func (c *int64Col) size() int      { return 8 * len(c.vals) }

func (c *int64Col) build(n int) arrow.Array {
	vals := c.vals
	c.vals = nil
	valid, nulls := c.take(n)
	return makeArray(arrow.PrimitiveTypes.Int64, n, nulls, valid,
		memory.NewBufferBytes(arrow.Int64Traits.CastToBytes(vals)))
}

// int32Col holds an int32 column.
type int32Col struct {
	vals []int32
	validity
}

func (c *int32Col) add(f string) string {
	v, e := parseInt(f)
	if e == numOK && (v < math.MinInt32 || v > math.MaxInt32) {
		e = numRange
	}
	switch e {
	case numBad:
		return badValue("int32", f)
	case numRange:
		return outOfRange("int32", f)
	}
	c.vals = append(c.vals, int32(v))
	c.set(len(c.vals)-1, true)
	return ""
}

// addAhead is add for a field f of at most 8 bytes that starts a string
// ahead of at least 8 bytes, read as one word. Eight bytes always fit in
// an int32.
func (c *int32Col) addAhead(f, ahead string) string {
	v, ok := parseInt8(load64(ahead, 0), len(f))
	if !ok {
		return c.add(f)
	}
	c.vals = append(c.vals, int32(v))
	c.set(len(c.vals)-1, true)
	return ""
}

func (c *int32Col) addNull() {
	c.vals = append(c.vals, 0)
	c.set(len(c.vals)-1, false)
}

func (c *int32Col) truncate(n int) { c.vals = c.vals[:n]; c.validity.truncate(n) }
func (c *int32Col) reserve(n int)  { c.vals = make([]int32, 0, n) }
func (c *int32Col) size() int      { return 4 * len(c.vals) }

func (c *int32Col) build(n int) arrow.Array {
	vals := c.vals
	c.vals = nil
	valid, nulls := c.take(n)
	return makeArray(arrow.PrimitiveTypes.Int32, n, nulls, valid,
		memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(vals)))
}

// float64Col holds a float64 column, parsed as strconv.ParseFloat does
// (so "NaN", "Inf" and hexadecimal floats are accepted).
type float64Col struct {
	vals []float64
	validity
}

func (c *float64Col) add(f string) string {
	v, err := strconv.ParseFloat(f, 64)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return outOfRange("float64", f)
		}
		return badValue("float64", f)
	}
	c.vals = append(c.vals, v)
	c.set(len(c.vals)-1, true)
	return ""
}

func (c *float64Col) addNull() {
	c.vals = append(c.vals, 0)
	c.set(len(c.vals)-1, false)
}

func (c *float64Col) truncate(n int) { c.vals = c.vals[:n]; c.validity.truncate(n) }
func (c *float64Col) reserve(n int)  { c.vals = make([]float64, 0, n) }
func (c *float64Col) size() int      { return 8 * len(c.vals) }

func (c *float64Col) build(n int) arrow.Array {
	vals := c.vals
	c.vals = nil
	valid, nulls := c.take(n)
	return makeArray(arrow.PrimitiveTypes.Float64, n, nulls, valid,
		memory.NewBufferBytes(arrow.Float64Traits.CastToBytes(vals)))
}
