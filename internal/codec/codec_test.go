package codec

import (
	"errors"
	"math"
	"reflect"
	"testing"
)

type word string
type small int8

func roundTrip[T any](t *testing.T, vals []T) {
	t.Helper()
	c, err := For[T]()
	if err != nil {
		t.Fatalf("For[%T]: %v", vals[0], err)
	}
	b := c.NewBuilder()
	add := c.Appender(b)
	for _, v := range vals {
		if n := add(v); n <= 0 {
			t.Errorf("append %v reported %d bytes", v, n)
		}
	}
	arr := b.NewArray()
	defer arr.Release()
	get := c.Getter(arr)
	var got []T
	for i := range arr.Len() {
		got = append(got, get(i))
	}
	if !reflect.DeepEqual(got, vals) {
		t.Errorf("round trip of %T: got %v, want %v", vals[0], got, vals)
	}
}

func TestRoundTrip(t *testing.T) {
	roundTrip(t, []string{"", "a", "Straße", "\xff"})
	roundTrip(t, []word{"x", "yz"})
	roundTrip(t, [][]byte{{1, 2}, {}, {0xff}})
	roundTrip(t, []bool{true, false})
	roundTrip(t, []int{0, -1, math.MaxInt, math.MinInt})
	roundTrip(t, []int8{-128, 127})
	roundTrip(t, []small{-3, 4})
	roundTrip(t, []int16{-32768, 32767})
	roundTrip(t, []int32{math.MinInt32, math.MaxInt32})
	roundTrip(t, []uint8{0, 255})
	roundTrip(t, []uint32{0, math.MaxUint32})
	roundTrip(t, []uint64{math.MaxUint64})
	roundTrip(t, []float32{1.5, -0})
	roundTrip(t, []float64{math.Pi, math.Inf(-1)})
}

func TestUnsupported(t *testing.T) {
	if _, err := For[struct{ A int }](); !errors.Is(err, ErrUnsupported) {
		t.Errorf("For[struct] error = %v, want ErrUnsupported", err)
	}
	if _, err := For[map[string]int](); !errors.Is(err, ErrUnsupported) {
		t.Errorf("For[map] error = %v, want ErrUnsupported", err)
	}
}

func TestKeys(t *testing.T) {
	ks, err := KeyFor[string]()
	if err != nil {
		t.Fatal(err)
	}
	// The hash is part of the shuffle contract: fixed values, not just
	// "consistent within this process".
	if got, want := ks.Hash("spindle"), fnv1a("spindle"); got != want {
		t.Errorf("Hash(spindle) = %d, want %d", got, want)
	}
	if got := fnv1a(""); got != 14695981039346656037 {
		t.Errorf("fnv1a(\"\") = %d", got)
	}
	if ks.Compare("a", "b") >= 0 || ks.Compare("b", "a") <= 0 || ks.Compare("a", "a") != 0 {
		t.Errorf("string Compare is not byte order")
	}
	ki, _ := KeyFor[int8]()
	if ki.Compare(-1, 1) >= 0 {
		t.Errorf("int8 Compare(-1, 1) >= 0")
	}
	if ki.Hash(1) == ki.Hash(2) {
		t.Errorf("int8 hashes of 1 and 2 collide")
	}
	if _, err := KeyFor[[]byte](); !errors.Is(err, ErrUnsupported) {
		t.Errorf("KeyFor[[]byte] error = %v, want ErrUnsupported", err)
	}
}
