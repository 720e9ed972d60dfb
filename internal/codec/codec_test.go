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
	if _, err := For[struct{ C chan int }](); !errors.Is(err, ErrUnsupported) {
		t.Errorf("For[struct{ C chan int }] error = %v, want ErrUnsupported", err)
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

// Keys equal in a Go map must hash alike, or a combine would emit one key
// from two partitions. (Issue 7, defect 7: +0.0 and -0.0 did not.)
func TestEqualFloatKeysHashAlike(t *testing.T) {
	k64, _ := KeyFor[float64]()
	if a, b := k64.Hash(0.0), k64.Hash(math.Copysign(0, -1)); a != b {
		t.Errorf("float64: Hash(+0) = %x, Hash(-0) = %x", a, b)
	}
	k32, _ := KeyFor[float32]()
	if a, b := k32.Hash(0), k32.Hash(float32(math.Copysign(0, -1))); a != b {
		t.Errorf("float32: Hash(+0) = %x, Hash(-0) = %x", a, b)
	}
	nan1, nan2 := math.NaN(), math.Float64frombits(0x7ff8000000000123)
	if k64.Hash(nan1) != k64.Hash(nan2) {
		t.Errorf("NaNs of different payloads hash apart")
	}
	if k64.Hash(1.5) == k64.Hash(-1.5) {
		t.Errorf("1.5 and -1.5 hash alike")
	}
}

// A []byte value read from an array must not let an append overwrite the
// next value in the shared buffer. (Issue 7, defect 7.)
func TestBytesValuesDoNotAlias(t *testing.T) {
	c, _ := For[[]byte]()
	b := c.NewBuilder()
	add := c.Appender(b)
	add([]byte("ab"))
	add([]byte("cd"))
	arr := b.NewArray()
	defer arr.Release()
	get := c.Getter(arr)
	first := get(0)
	_ = append(first, 'X', 'Y')
	if got := string(get(1)); got != "cd" {
		t.Errorf("after appending to value 0, value 1 = %q, want \"cd\"", got)
	}
	kept := c.Clone(get(0))
	if &kept[0] == &get(0)[0] {
		t.Errorf("Clone shares the array's memory")
	}
	s, _ := For[string]()
	if s.Clone == nil || c.Clone == nil {
		t.Fatalf("string and []byte columns need a Clone")
	}
	if i, _ := For[int64](); i.Clone != nil {
		t.Errorf("int64 column has a Clone; its values are copies")
	}
}
