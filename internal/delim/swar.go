package delim

import "math/bits"

// Bytes at a time, for finding delimiters in short fields: a call of
// strings.IndexByte costs more than its SIMD loop saves on the 1 to 20
// byte fields of typical records, so delimiters are found eight bytes at a
// time with plain integer arithmetic (SWAR) instead.

const (
	lows  = 0x0101010101010101 // 0x01 in every byte
	highs = 0x7f7f7f7f7f7f7f7f // 0x7f in every byte
)

// load64 returns the eight bytes of s from i as a little-endian word (the
// compiler makes this one load on the common architectures).
func load64(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// zeroBytes returns w with the high bit of each byte set exactly when that
// byte of w is zero (the carry-free form: no false positives).
func zeroBytes(w uint64) uint64 {
	t := (w&highs + highs) | w
	return ^(t | highs)
}

// findDelims stores in ends the offsets in line of the first len(ends)
// bytes equal to d and returns how many it found.
func findDelims(ends []int, line string, d byte) int {
	if len(ends) == 0 {
		return 0
	}
	pat := lows * uint64(d)
	n, i := 0, 0
	for ; i+8 <= len(line); i += 8 {
		for m := zeroBytes(load64(line, i) ^ pat); m != 0; m &= m - 1 {
			ends[n] = i + bits.TrailingZeros64(m)>>3
			if n++; n == len(ends) {
				return n
			}
		}
	}
	for ; i < len(line); i++ {
		if line[i] == d {
			ends[n] = i
			if n++; n == len(ends) {
				return n
			}
		}
	}
	return n
}

// Constants of the SWAR digit conversion.
const (
	zeros  = lows * '0'         // '0' in every byte
	nibHi  = 0xf0f0f0f0f0f0f0f0 // the high nibble of every byte
	sixes  = lows * 6           // 6 in every byte
	threes = 0x3333333333333333 // what a word of digits makes of nibHi tests
	dots   = lows * '.'         // '.' in every byte
)

// digits8 converts the n (1 to 8) ASCII digits in the low bytes of w, the
// first digit lowest, to their value; ok is false if a byte is not a
// digit. The digits are aligned to the top of the word behind '0' padding
// and then combined two, four and eight at a time with three multiplies.
func digits8(w uint64, n int) (v uint64, ok bool) {
	shift := uint(8 * (8 - n))
	w = w<<shift | zeros&(1<<shift-1)
	if w&nibHi|(w+sixes)&nibHi>>4 != threes {
		return 0, false
	}
	w -= zeros
	w = (w*10 + w>>8) & 0x00ff00ff00ff00ff
	w = (w*100 + w>>16) & 0x0000ffff0000ffff
	return (w*10000 + w>>32) & 0xffffffff, true
}

// keepLow returns w with only its n (0 to 8) low bytes. (A shift by 64
// is 0 in Go, so n = 8 keeps all.)
func keepLow(w uint64, n int) uint64 {
	return w & (1<<(8*uint(n)) - 1)
}
