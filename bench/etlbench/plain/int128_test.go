package main

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// TestInt128 is a property test: sums of random int64s, split and merged
// like the chunks' sums, equal big.Int's.
func TestInt128(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 200 {
		var a, b int128
		want := new(big.Int)
		for range r.IntN(50) {
			v := int64(r.Uint64())
			if r.IntN(2) == 0 {
				v = r.Int64N(1000) - 500
			}
			want.Add(want, big.NewInt(v))
			if r.IntN(2) == 0 {
				a.add(v)
			} else {
				b.add(v)
			}
		}
		if got := a.plus(b).big(); got.Cmp(want) != 0 {
			t.Fatalf("got %s, want %s", got, want)
		}
	}
}

func TestFormatScaled(t *testing.T) {
	tests := []struct {
		v     int64
		scale int
		want  string
	}{
		{2471035, 2, "24710.35"}, {5, 4, "0.0005"}, {0, 2, "0.00"}, {-5, 2, "-0.05"}, {-123456, 3, "-123.456"}, {42, 0, "42"},
	}
	for _, tt := range tests {
		if got := formatScaled(big.NewInt(tt.v), tt.scale); got != tt.want {
			t.Errorf("formatScaled(%d, %d): got %q, want %q", tt.v, tt.scale, got, tt.want)
		}
	}
}

func TestAverage(t *testing.T) {
	// Q1's N|F group at SF 0.01: avg_price and avg_disc as the answers have them.
	tests := []struct {
		sum   int64
		count int64
		want  float64
	}{
		{1238480137, 348, 35588.50968390804}, {1662, 348, 0.047758620689655175}, {897100, 348, 25.778735632183906},
	}
	for _, tt := range tests {
		if got := average(big.NewInt(tt.sum), tt.count, 2); got != tt.want {
			t.Errorf("average(%d, %d): got %v, want %v", tt.sum, tt.count, got, tt.want)
		}
	}
	if got := average(new(big.Int).Lsh(big.NewInt(1), 100), 1, 0); got != math.Ldexp(1, 100) {
		t.Errorf("average(2^100): got %v", got)
	}
}

// TestIntMap is a property test against a Go map.
func TestIntMap(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	want := make(map[int64]uint32)
	m := newIntMap(5000)
	for range 5000 {
		k, v := r.Int64N(20000)-10000, r.Uint32N(1000)
		_, had := want[k]
		if m.put(k, v) == had {
			t.Fatalf("put(%d): reported new=%v, but the key was there=%v", k, !had, had)
		}
		want[k] = v
	}
	if m.len() != len(want) {
		t.Errorf("len: got %d, want %d", m.len(), len(want))
	}
	for k := int64(-10000); k < 10000; k++ {
		got, ok := m.get(k)
		w, wok := want[k]
		if ok != wok || got != w {
			t.Fatalf("get(%d): got %d, %v; want %d, %v", k, got, ok, w, wok)
		}
	}
}
