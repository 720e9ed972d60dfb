package codec

import (
	"cmp"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	"unsafe"
)

type point struct {
	X, Y int16
}

type route struct {
	From  string
	Hops  uint8
	Open  bool
	Cost  float64
	At    point
	To    word
	Notes string `spindle:"-"`
}

// The hash of a struct key is part of the shuffle contract: a change to
// these values re-partitions keyed datasets differently than earlier
// releases did, so it must be deliberate. (The values were checked
// against the documented fold computed apart from this code.)
func TestStructKeyHashesArePinned(t *testing.T) {
	kr, err := KeyFor[route]()
	if err != nil {
		t.Fatal(err)
	}
	kp, _ := KeyFor[point]()
	tests := []struct {
		name string
		got  uint64
		want uint64
	}{
		{"route{}", kr.Hash(route{}), 0x5197f2bac3169d3b},
		{"route{spindle...}", kr.Hash(route{From: "spindle", Hops: 3, Open: true, Cost: -1.5, At: point{7, -7}, To: "arrow"}), 0x6d8be2feb99bb703},
		{"point{1, 2}", kp.Hash(point{1, 2}), 0x4c69d360191d0546},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("Hash(%s) = %#x, want %#x", tt.name, tt.got, tt.want)
		}
	}
}

// Keys equal in a Go map hash alike, whatever memory their strings are in.
func TestEqualStructKeysHashAlike(t *testing.T) {
	k, _ := KeyFor[route]()
	a := route{From: "spindle", Cost: 0, To: "x", Notes: "left out"}
	b := route{From: strings.Clone("spindle"), Cost: math.Copysign(0, -1), To: word(strings.Clone("x"))}
	if a.From != b.From || a.Cost != b.Cost {
		t.Fatalf("test values differ")
	}
	if k.Hash(a) != k.Hash(b) {
		t.Errorf("Hash(%+v) = %#x, Hash(%+v) = %#x", a, k.Hash(a), b, k.Hash(b))
	}
	if k.Compare(a, b) != 0 {
		t.Errorf("Compare(%+v, %+v) = %d, want 0", a, b, k.Compare(a, b))
	}
	if k.Hash(route{At: point{1, 2}}) == k.Hash(route{At: point{2, 1}}) {
		t.Errorf("swapping two fields leaves the hash as it was")
	}
}

// Compare is a total order, lexicographic by field in declaration order,
// and 0 exactly for equal keys: checked against a comparison written out
// by hand on random keys from small domains (so that ties are common).
func TestStructKeyOrder(t *testing.T) {
	k, _ := KeyFor[route]()
	r := rand.New(rand.NewPCG(1, 2))
	random := func() route {
		return route{From: []string{"", "a", "b"}[r.IntN(3)], Hops: uint8(r.IntN(2) * 200), Open: r.IntN(2) == 0,
			Cost: []float64{-1, 0, 2.5}[r.IntN(3)], At: point{int16(r.IntN(3) - 1), int16(r.IntN(2))},
			To: word([]string{"x", "y"}[r.IntN(2)])}
	}
	want := func(a, b route) int {
		return cmp.Or(strings.Compare(a.From, b.From), cmp.Compare(a.Hops, b.Hops), boolCmp(a.Open, b.Open),
			cmp.Compare(a.Cost, b.Cost), cmp.Compare(a.At.X, b.At.X), cmp.Compare(a.At.Y, b.At.Y), cmp.Compare(a.To, b.To))
	}
	for range 5000 {
		a, b, c := random(), random(), random()
		ab := k.Compare(a, b)
		if ab != want(a, b) {
			t.Fatalf("Compare(%+v, %+v) = %d, want %d", a, b, ab, want(a, b))
		}
		if k.Compare(b, a) != -ab {
			t.Fatalf("Compare(%+v, %+v) is not antisymmetric", a, b)
		}
		if (ab == 0) != (a == b) {
			t.Fatalf("Compare(%+v, %+v) = %d but == is %v", a, b, ab, a == b)
		}
		if ab <= 0 && k.Compare(b, c) <= 0 && k.Compare(a, c) > 0 {
			t.Fatalf("%+v <= %+v <= %+v but not %+v <= %+v", a, b, c, a, c)
		}
		if a == b && k.Hash(a) != k.Hash(b) {
			t.Fatalf("equal keys %+v hash apart", a)
		}
	}
}

func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

func TestStructKeyClone(t *testing.T) {
	k, _ := KeyFor[route]()
	from := []byte("mutable")
	v := route{From: unsafeString(from), To: "t"}
	kept := k.Clone(v)
	from[0] = 'M'
	if kept.From != "mutable" || kept.To != "t" {
		t.Errorf("Clone shares the key's strings: %+v", kept)
	}
	kp, _ := KeyFor[point]()
	if got := kp.Clone(point{1, 2}); got != (point{1, 2}) {
		t.Errorf("Clone(point{1, 2}) = %+v", got)
	}
}

// unsafeString views b as a string, as a Getter's strings view an array.
func unsafeString(b []byte) string { return unsafe.String(&b[0], len(b)) }

func TestStructKeyErrors(t *testing.T) {
	type withPtr struct{ P *int }
	type withTime struct{ T time.Time }
	type withBytes struct{ B []byte }
	type deep struct{ In struct{ P *string } }
	type hidden struct{ n int }
	type notComparable struct {
		A int
		M map[int]int `spindle:"-"`
	}
	tests := []struct {
		err  error
		want string
	}{
		{err2(KeyFor[withPtr]()), "field codec.withPtr.P has type *int, which cannot be part of a key"},
		{err2(KeyFor[withTime]()), "field codec.withTime.T has type time.Time"},
		{err2(KeyFor[withBytes]()), "field codec.withBytes.B has type []uint8"},
		{err2(KeyFor[deep]()), "field codec.deep.In.P has type *string"},
		{err2(KeyFor[hidden]()), "field codec.hidden.n is unexported"},
		{err2(KeyFor[notComparable]()), "not comparable"},
	}
	for _, tt := range tests {
		if !errors.Is(tt.err, ErrUnsupported) || !strings.Contains(tt.err.Error(), tt.want) {
			t.Errorf("error %v, want ErrUnsupported with %q", tt.err, tt.want)
		}
	}
}
