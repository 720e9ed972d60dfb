package main

import (
	"math/big"
	"math/bits"
	"strings"
)

// int128 is a signed 128-bit integer in two's complement, for exact sums
// of fixed-point values. The zero value is 0.
type int128 struct{ hi, lo uint64 }

// add adds v to x.
func (x *int128) add(v int64) {
	var carry uint64
	x.lo, carry = bits.Add64(x.lo, uint64(v), 0)
	x.hi += uint64(v>>63) + carry // v>>63 is 0 or all ones: v's sign extension
}

// plus returns x + y.
func (x int128) plus(y int128) int128 {
	lo, carry := bits.Add64(x.lo, y.lo, 0)
	return int128{hi: x.hi + y.hi + carry, lo: lo}
}

// big returns x as a big.Int.
func (x int128) big() *big.Int {
	v := new(big.Int).SetUint64(x.hi)
	v.Lsh(v, 64).Or(v, new(big.Int).SetUint64(x.lo))
	if int64(x.hi) < 0 {
		v.Sub(v, new(big.Int).Lsh(big.NewInt(1), 128))
	}
	return v
}

// formatScaled formats the unscaled value v at the given scale with
// exactly scale fraction digits: 2471035 at scale 2 is "24710.35".
func formatScaled(v *big.Int, scale int) string {
	digits := new(big.Int).Abs(v).String()
	if len(digits) <= scale {
		digits = strings.Repeat("0", scale-len(digits)+1) + digits
	}
	sign := ""
	if v.Sign() < 0 {
		sign = "-"
	}
	if scale == 0 {
		return sign + digits
	}
	cut := len(digits) - scale
	return sign + digits[:cut] + "." + digits[cut:]
}
