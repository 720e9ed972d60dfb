package colfile

import (
	"math/bits"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/decimal256"
)

// pow19 is 10^19, the largest power of ten below 2^64: magnitudes are cut
// into 19-digit pieces by dividing by it.
const pow19 = 10_000_000_000_000_000_000

// appendDecimal128 appends n / 10^scale exactly (see AppendValue).
func appendDecimal128(buf []byte, n decimal128.Num, scale int32) []byte {
	neg := n.Sign() < 0
	if neg {
		n = n.Negate() // the minimum stays put, and reads right as unsigned
	}
	words := [2]uint64{n.LowBits(), uint64(n.HighBits())}
	return appendScaled(buf, words[:], neg, scale)
}

// appendDecimal256 appends n / 10^scale exactly (see AppendValue).
func appendDecimal256(buf []byte, n decimal256.Num, scale int32) []byte {
	neg := n.Sign() < 0
	if neg {
		n = n.Negate()
	}
	words := n.Array()
	return appendScaled(buf, words[:], neg, scale)
}

// appendScaled appends the unsigned magnitude in words (least significant
// word first; the slice is overwritten) divided by 10^scale, after a '-'
// if neg and the magnitude is not zero.
func appendScaled(buf []byte, words []uint64, neg bool, scale int32) []byte {
	var tmp [80]byte // 2^256 has 78 digits
	digits := magnitudeDigits(tmp[:], words)
	if neg && !(len(digits) == 1 && digits[0] == '0') {
		buf = append(buf, '-')
	}
	if scale <= 0 {
		buf = append(buf, digits...)
		if len(digits) == 1 && digits[0] == '0' {
			return buf
		}
		return appendZeros(buf, int(-scale))
	}
	s := int(scale)
	if len(digits) > s {
		buf = append(buf, digits[:len(digits)-s]...)
		buf = append(buf, '.')
		return append(buf, digits[len(digits)-s:]...)
	}
	buf = append(buf, '0', '.')
	buf = appendZeros(buf, s-len(digits))
	return append(buf, digits...)
}

// magnitudeDigits writes the decimal digits of the unsigned number in
// words (least significant first; overwritten) at the end of tmp and
// returns them: "0" for zero, no leading zeros otherwise.
func magnitudeDigits(tmp []byte, words []uint64) []byte {
	i := len(tmp)
	for top := len(words) - 1; top > 0; {
		if words[top] == 0 {
			top--
			continue
		}
		var rem uint64
		for k := top; k >= 0; k-- {
			words[k], rem = bits.Div64(rem, words[k], pow19)
		}
		for range 19 {
			i--
			tmp[i] = byte('0' + rem%10)
			rem /= 10
		}
	}
	v := words[0]
	for v >= 10 {
		i--
		tmp[i] = byte('0' + v%10)
		v /= 10
	}
	i--
	tmp[i] = byte('0' + v)
	return tmp[i:]
}

// appendZeros appends n '0' bytes.
func appendZeros(buf []byte, n int) []byte {
	for range n {
		buf = append(buf, '0')
	}
	return buf
}
