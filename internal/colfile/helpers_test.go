package colfile

import (
	"math/rand/v2"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// newRand returns a deterministic generator, so failures reproduce.
func newRand() *rand.Rand { return rand.New(rand.NewPCG(1, 2)) }

// decimalOf returns cents as a Decimal128 value.
func decimalOf(cents int64) decimal128.Num { return decimal128.FromI64(cents) }
