package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
)

// Errors of the field parsers, wrapped with the offending text.
var (
	errFields  = errors.New("plain: too few '|'-terminated fields")
	errNumber  = errors.New("plain: malformed number")
	errRange   = errors.New("plain: number out of range")
	errTooFine = errors.New("plain: more fraction digits than the column's scale")
)

// cursor reads the '|'-terminated fields of one .tbl line from the left.
// The first error sticks: later reads return zero values and err keeps
// it, so a row's fields are read first and the error checked once.
type cursor struct {
	line []byte
	err  error
}

// next returns the next field.
func (c *cursor) next() []byte {
	i := indexPipe(c.line)
	if i < 0 {
		c.fail(errFields)
		c.line = nil
		return nil
	}
	f := c.line[:i]
	c.line = c.line[i+1:]
	return f
}

// indexPipe is bytes.IndexByte(b, '|') for short distances: fields are a
// few bytes long, too few for IndexByte's vector loop to pay for its
// setup, so it looks at 8 bytes at a time in a uint64.
func indexPipe(b []byte) int {
	i := 0
	for ; i+8 <= len(b); i += 8 {
		if m := pipes(binary.LittleEndian.Uint64(b[i:])); m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for ; i < len(b); i++ {
		if b[i] == '|' {
			return i
		}
	}
	return -1
}

// pipes returns the high bit of every byte of the little-endian word w
// that is '|', and no other bit.
func pipes(w uint64) uint64 {
	const low7 = 0x7f7f7f7f7f7f7f7f
	x := w ^ 0x7c7c7c7c7c7c7c7c          // '|' bytes become 0
	return ^((x&low7 + low7) | x | low7) // exact: a byte's high bit stays iff the byte is 0
}

// skip skips n fields, finding their ends 8 bytes at a time.
func (c *cursor) skip(n int) {
	if n <= 0 {
		return
	}
	b := c.line
	i := 0
	for ; i+8 <= len(b); i += 8 {
		m := pipes(binary.LittleEndian.Uint64(b[i:]))
		for ; m != 0; m &= m - 1 {
			if n--; n == 0 {
				c.line = b[i+bits.TrailingZeros64(m)/8+1:]
				return
			}
		}
	}
	c.line = b[i:]
	for range n {
		c.next()
	}
}

// int reads the next field as an integer.
func (c *cursor) int() int64 {
	v, err := parseInt(c.next())
	c.fail(err)
	return v
}

// decimal reads the next field as a decimal at the given scale. The usual
// field, digits with at most scale fraction digits, is parsed in the same
// pass that finds its end; anything else goes through parseDecimal, for
// its errors.
func (c *cursor) decimal(scale int) int64 {
	b := c.line
	i, neg := 0, len(b) > 0 && b[0] == '-'
	if neg {
		i++
	}
	var v int64
	start := i
	for ; i < len(b) && b[i]-'0' <= 9; i++ {
		v = v*10 + int64(b[i]-'0')
	}
	digits, frac := i-start, 0
	if i < len(b) && b[i] == '.' {
		for i++; i < len(b) && b[i]-'0' <= 9; i++ {
			v = v*10 + int64(b[i]-'0')
			frac++
		}
	}
	if i == len(b) || b[i] != '|' || digits+frac == 0 || frac > scale || digits+scale > 15 {
		v, err := parseDecimal(c.next(), scale)
		c.fail(err)
		return v
	}
	c.line = b[i+1:]
	for ; frac < scale; frac++ {
		v *= 10
	}
	if neg {
		v = -v
	}
	return v
}

// date reads the next field, which must look like YYYY-MM-DD.
func (c *cursor) date() []byte {
	f := c.next()
	if !isDate(f) {
		c.fail(fmt.Errorf("%w: date %q", errNumber, f))
	}
	return f
}

// year reads the next field, a YYYY-MM-DD date, and returns its year.
func (c *cursor) year() uint32 {
	f := c.date()
	if c.err != nil {
		return 0
	}
	var y uint32
	for _, b := range f[:4] {
		if b < '0' || b > '9' {
			c.fail(fmt.Errorf("%w: date %q", errNumber, f))
			return 0
		}
		y = y*10 + uint32(b-'0')
	}
	return y
}

// fail records err unless an error is already recorded.
func (c *cursor) fail(err error) {
	if c.err == nil {
		c.err = err
	}
}

// isDate reports whether b looks like YYYY-MM-DD.
func isDate(b []byte) bool {
	return len(b) == 10 && b[4] == '-' && b[7] == '-'
}

// maxInt bounds the magnitude of what parseInt and parseDecimal return
// (unscaled): DECIMAL(15, s) and TPC-H's keys fit. cursor.decimal's fast
// path, at most 15 digits with the scale, agrees.
const maxInt = 1e15

// parseInt parses an optionally signed decimal integer.
func parseInt(b []byte) (int64, error) {
	v, frac, err := parseFixed(b, 0)
	if err == nil && frac {
		err = fmt.Errorf("%w: %q is not an integer", errNumber, b)
	}
	return v, err
}

// parseDecimal parses an optionally signed decimal number with at most
// scale fraction digits into its unscaled value: "24710.35" at scale 2 is
// 2471035, "7" is 700.
func parseDecimal(b []byte, scale int) (int64, error) {
	v, _, err := parseFixed(b, scale)
	return v, err
}

// parseFixed parses b as [-]digits[.digits] into value*10^scale and
// reports whether b had a fraction part.
func parseFixed(b []byte, scale int) (v int64, frac bool, err error) {
	s := b
	neg := len(s) > 0 && s[0] == '-'
	if neg {
		s = s[1:]
	}
	digits, fracDigits := 0, -1
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9':
			if fracDigits >= 0 {
				if fracDigits++; fracDigits > scale {
					return 0, true, fmt.Errorf("%w: %q at scale %d", errTooFine, b, scale)
				}
			}
			digits++
			v = v*10 + int64(c-'0')
			if v >= maxInt {
				return 0, false, fmt.Errorf("%w: %q", errRange, b)
			}
		case c == '.' && fracDigits < 0:
			fracDigits = 0
		default:
			return 0, false, fmt.Errorf("%w: %q", errNumber, b)
		}
	}
	if digits == 0 {
		return 0, false, fmt.Errorf("%w: %q", errNumber, b)
	}
	for range scale - max(fracDigits, 0) {
		if v *= 10; v >= maxInt {
			return 0, false, fmt.Errorf("%w: %q", errRange, b)
		}
	}
	if neg {
		v = -v
	}
	return v, fracDigits >= 0, nil
}
