package delim

import (
	"fmt"
	"math/bits"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// pow10 holds the powers of ten that fit in a uint64.
var pow10 = [20]uint64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9,
	1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19}

// decimalCol holds a decimal128 column. Text is an optional sign, digits,
// and an optional '.' with at most scale fraction digits (fewer are
// padded with zeros; more are bad, never rounded); at least one digit in
// all, and at most precision-scale integer digits after leading zeros.
type decimalCol struct {
	typ    *arrow.Decimal128Type
	name   string // "decimal(15,2)", for reasons
	scale  int
	maxInt int    // most significant integer digits: precision - scale
	small  bool   // precision <= 18: parseFast applies
	places string // the start of the reason for too many places
	vals   []decimal128.Num
	validity
}

// newDecimalCol checks t and returns its column.
func newDecimalCol(t *arrow.Decimal128Type) (*decimalCol, error) {
	if t.Precision < 1 || t.Precision > 38 || t.Scale < 0 || t.Scale > t.Precision {
		return nil, fmt.Errorf("%w %s: want precision 1 to 38 and scale 0 to precision", ErrUnsupportedType, t)
	}
	return &decimalCol{
		typ:    t,
		name:   fmt.Sprintf("decimal(%d,%d)", t.Precision, t.Scale),
		scale:  int(t.Scale),
		maxInt: int(t.Precision - t.Scale),
		small:  t.Precision <= fastDigits,
		places: fmt.Sprintf("more than %d decimal places ", t.Scale),
	}, nil
}

func (c *decimalCol) add(f string) string {
	var v decimal128.Num
	if u, ok := c.parseFast(f); ok {
		v = decimal128.FromI64(u)
	} else {
		var reason string
		if v, reason = c.parseWide(f); reason != "" {
			return reason
		}
	}
	c.vals = append(c.vals, v)
	c.set(len(c.vals)-1, true)
	return ""
}

// decimalText is the layout of well-formed decimal text.
type decimalText struct {
	neg       bool
	int, frac string // digits before and after the '.'
}

// splitDecimal checks the syntax of s and splits it into sign and digits.
func splitDecimal(s string) (t decimalText, ok bool) {
	i := 0
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		t.neg, i = s[0] == '-', 1
	}
	j := skipDigits(s, i)
	t.int = s[i:j]
	if j < len(s) && s[j] == '.' {
		k := skipDigits(s, j+1)
		t.frac, j = s[j+1:k], k
	}
	return t, j == len(s) && len(t.int)+len(t.frac) > 0
}

// skipDigits returns the index of the first non-digit of s from i on.
func skipDigits(s string, i int) int {
	for i < len(s) && s[i]-'0' <= 9 {
		i++
	}
	return i
}

// check returns the reason t does not fit c, or "".
func (c *decimalCol) check(t decimalText, f string) string {
	if len(t.frac) > c.scale {
		return c.places + quote(f)
	}
	if len(t.int) > c.maxInt && significant(t.int) > c.maxInt {
		return outOfRange(c.name, f)
	}
	return ""
}

// significant is the number of digits of s after its leading zeros.
func significant(s string) int {
	i := 0
	for i < len(s) && s[i] == '0' {
		i++
	}
	return len(s) - i
}

// parseFast parses f in one pass when that is simple: the precision is
// at most 18, so that every valid value fits in an int64, and f has no
// leading zeros beyond what the precision allows. It returns false for
// everything else, valid or not, which parseWide then decides.
func (c *decimalCol) parseFast(f string) (int64, bool) {
	if !c.small {
		return 0, false
	}
	i := 0
	if len(f) > 0 && (f[0] == '-' || f[0] == '+') {
		i = 1
	}
	var u uint64
	start := i
	for ; i < len(f) && f[i]-'0' <= 9; i++ {
		u = u*10 + uint64(f[i]-'0')
	}
	nInt, nFrac := i-start, 0
	if i < len(f) && f[i] == '.' {
		i++
		fs := i
		for ; i < len(f) && f[i]-'0' <= 9; i++ {
			u = u*10 + uint64(f[i]-'0')
		}
		nFrac = i - fs
	}
	if i != len(f) || nInt > c.maxInt || nFrac > c.scale || nInt+nFrac == 0 {
		return 0, false
	}
	v := int64(u * pow10[c.scale-nFrac])
	if f[0] == '-' {
		v = -v
	}
	return v, true
}

// addAhead is add for a field f of at most 8 bytes that starts a string
// ahead of at least 8 bytes (f is ahead[:len(f)]), so that all of f can be
// read as one word.
func (c *decimalCol) addAhead(f, ahead string) string {
	u, ok := c.parse8(load64(ahead, 0), len(f))
	if !ok {
		return c.add(f)
	}
	c.vals = append(c.vals, decimal128.FromI64(u))
	c.set(len(c.vals)-1, true)
	return ""
}

// parse8 is parseFast for text of n (at most 8) bytes in the low bytes of
// w, without a loop: it takes off the sign, closes the gap of the '.'
// and converts the digits with digits8. Like parseFast it returns false
// for everything it does not simply accept.
func (c *decimalCol) parse8(w uint64, n int) (int64, bool) {
	if !c.small || n == 0 {
		return 0, false
	}
	neg := false
	if b := byte(w); b == '-' || b == '+' {
		neg, w, n = b == '-', w>>8, n-1
	}
	w = keepLow(w, n)
	nFrac := 0
	if m := zeroBytes(w ^ dots); m != 0 {
		if m&(m-1) != 0 {
			return 0, false // two dots
		}
		below := uint64(1)<<(uint(bits.TrailingZeros64(m))&^7) - 1 // the bytes before the '.'
		w = w&below | w>>8&^below
		n--
		nFrac = n - bits.TrailingZeros64(m)>>3
	}
	if n == 0 || nFrac > c.scale || n-nFrac > c.maxInt {
		return 0, false
	}
	u, ok := digits8(w, n)
	if !ok {
		return 0, false
	}
	v := int64(u * pow10[c.scale-nFrac])
	if neg {
		v = -v
	}
	return v, true
}

// parseWide parses f with 128-bit arithmetic, folding the digits in by
// chunks of up to 19, and returns the reason when f is bad.
func (c *decimalCol) parseWide(f string) (decimal128.Num, string) {
	t, ok := splitDecimal(f)
	if !ok {
		return decimal128.Num{}, badValue(c.name, f)
	}
	if r := c.check(t, f); r != "" {
		return decimal128.Num{}, r
	}
	var hi, lo uint64
	hi, lo = foldDigits(hi, lo, t.int)
	hi, lo = foldDigits(hi, lo, t.frac)
	for pad := c.scale - len(t.frac); pad > 0; pad -= 19 {
		hi, lo = mulAdd128(hi, lo, pow10[min(pad, 19)], 0)
	}
	v := decimal128.New(int64(hi), lo)
	if t.neg {
		v = v.Negate()
	}
	return v, ""
}

// foldDigits returns (hi, lo)*10^len(digits) + digits.
func foldDigits(hi, lo uint64, digits string) (uint64, uint64) {
	for len(digits) > 0 {
		n := min(len(digits), 19)
		var chunk uint64
		for _, d := range []byte(digits[:n]) {
			chunk = chunk*10 + uint64(d-'0')
		}
		hi, lo = mulAdd128(hi, lo, pow10[n], chunk)
		digits = digits[n:]
	}
	return hi, lo
}

// mulAdd128 returns (hi, lo)*m + a in 128-bit unsigned arithmetic
// (callers keep the result below 10^38, so it does not overflow).
func mulAdd128(hi, lo, m, a uint64) (uint64, uint64) {
	h, l := bits.Mul64(lo, m)
	l, carry := bits.Add64(l, a, 0)
	return hi*m + h + carry, l
}

func (c *decimalCol) addNull() {
	c.vals = append(c.vals, decimal128.Num{})
	c.set(len(c.vals)-1, false)
}

func (c *decimalCol) truncate(n int) { c.vals = c.vals[:n]; c.validity.truncate(n) }
func (c *decimalCol) reserve(n int)  { c.vals = make([]decimal128.Num, 0, n) }
func (c *decimalCol) size() int      { return 16 * len(c.vals) }

func (c *decimalCol) build(n int) arrow.Array {
	vals := c.vals
	c.vals = nil
	valid, nulls := c.take(n)
	return makeArray(c.typ, n, nulls, valid,
		memory.NewBufferBytes(arrow.Decimal128Traits.CastToBytes(vals)))
}
