package nexmark

import (
	"math"
	"math/bits"
	"math/rand/v2"
)

// rng is the random source of one event: a PCG seeded from the Config's
// seed and the event id. It is a plain value so that it lives on the stack
// (rand.New would allocate).
type rng struct{ pcg rand.PCG }

// newRNG seeds the source of event id. The id goes through a splitmix64
// finalizer first so that neighbouring ids start far apart.
func newRNG(seed uint64, id int64) rng {
	var r rng
	r.pcg.Seed(seed, mix64(uint64(id)+0x9e3779b97f4a7c15))
	return r
}

// mix64 is the splitmix64 output function (without its increment).
func mix64(x uint64) uint64 {
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

func (r *rng) uint64() uint64 { return r.pcg.Uint64() }

// intn returns a value in [0, n) for n > 0, by Lemire's multiply-shift
// without rejection: its bias of at most n/2^64 does not matter here.
func (r *rng) intn(n int64) int64 {
	hi, _ := bits.Mul64(r.pcg.Uint64(), uint64(n))
	return int64(hi)
}

// float64 returns a value in [0, 1) with 53 random bits.
func (r *rng) float64() float64 {
	return float64(r.pcg.Uint64()>>11) * 0x1p-53
}

// price is Beam's PriceGenerator: round(10^(6u) * 100) for uniform u, so
// log-uniform from 100 to 10^8. 10^y is computed as e^(y ln 10), three
// times faster than math.Pow and equal to it but for the last bit.
func (r *rng) price() int64 {
	return int64(math.Round(math.Exp(r.float64()*(6*math.Ln10)) * 100))
}

// splitmix64 is a cheap stream for bulk text, seeded from the event's PCG.
type splitmix64 uint64

func (s *splitmix64) next() uint64 {
	*s += 0x9e3779b97f4a7c15
	return mix64(uint64(*s))
}
