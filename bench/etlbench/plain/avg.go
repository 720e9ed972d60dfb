package main

import (
	"math"
	"math/big"
)

// average is avg() of a decimal column from the unscaled sum of its count
// values at the given scale: float64(sum) / (float64(count) * 10^scale),
// one rounding of the sum (none while it is below 2^53) and one of the
// division. It reproduces the reference answers byte for byte, where
// dividing by the count and by 10^scale in two steps does not (avg_price
// of Q1's N|F group at SF 0.01: 35588.50968390805, want
// 35588.50968390804).
func average(sum *big.Int, count int64, scale int) float64 {
	s, _ := new(big.Float).SetInt(sum).Float64() // nearest float64
	return s / (float64(count) * math.Pow10(scale))
}
