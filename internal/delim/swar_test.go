package delim

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

// randText returns up to max bytes drawn from alphabet.
func randText(rng *rand.Rand, alphabet string, max int) string {
	b := make([]byte, rng.IntN(max+1))
	for i := range b {
		b[i] = alphabet[rng.IntN(len(alphabet))]
	}
	return string(b)
}

func TestFindDelims(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 5000 {
		line := randText(rng, "ab|\x7d\x7c\xfd", 40)
		ends := make([]int, rng.IntN(12))
		n := findDelims(ends, line, '|')
		var want []int
		for i := 0; i < len(line) && len(want) < len(ends); i++ {
			if line[i] == '|' {
				want = append(want, i)
			}
		}
		if n != len(want) || !equalInts(ends[:n], want) {
			t.Fatalf("findDelims(%q, %d) = %v, want %v", line, len(ends), ends[:n], want)
		}
	}
}

// equalInts reports whether a and b are equal.
func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestDigits8(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for range 20000 {
		text := randText(rng, "0123456789/:a\x00\xff", 8)
		if text == "" {
			continue
		}
		got, ok := digits8(load64(text+"zzzzzzzz", 0), len(text))
		want, err := strconv.ParseUint(text, 10, 64)
		if wantOK := err == nil && !strings.ContainsAny(text, "+-"); ok != wantOK || ok && got != want {
			t.Fatalf("digits8(%q) = %d, %v; want %d, %v", text, got, ok, want, wantOK)
		}
	}
}

// TestParse8 checks that the word-at-a-time decimal parser agrees with
// the general one wherever it accepts, and that it accepts common text.
func TestParse8(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, typ := range []*arrow.Decimal128Type{{Precision: 15, Scale: 2}, {Precision: 5, Scale: 5}, {Precision: 18, Scale: 0}, {Precision: 3, Scale: 1}} {
		c, err := newDecimalCol(typ)
		if err != nil {
			t.Fatal(err)
		}
		for range 20000 {
			text := randText(rng, "0123456789.-+x", 8)
			got, ok := c.parse8(load64(text+"12345678", 0), len(text))
			want, reason := c.parseWide(text)
			if ok && (reason != "" || want.LowBits() != uint64(got) || want.HighBits() != got>>63) {
				t.Fatalf("%s: parse8(%q) = %d, want %v (%s)", typ, text, got, want.BigInt(), reason)
			}
		}
	}
	c, _ := newDecimalCol(&arrow.Decimal128Type{Precision: 15, Scale: 2})
	for _, text := range []string{"24710.35", "0.04", "17", "-5.5", "+1", ".5", "5.", "00001.00"} {
		if _, ok := c.parse8(load64(text+"|1234567", 0), len(text)); !ok {
			t.Errorf("parse8(%q) not accepted", text)
		}
	}
}

// TestParseInt8 checks the word-at-a-time int parser against strconv.
func TestParseInt8(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for range 20000 {
		text := randText(rng, "0123456789-+x ", 8)
		got, ok := parseInt8(load64(text+"12345678", 0), len(text))
		want, err := strconv.ParseInt(text, 10, 64)
		if ok != (err == nil) || ok && got != want {
			t.Fatalf("parseInt8(%q) = %d, %v; want %d, %v", text, got, ok, want, err)
		}
	}
}
