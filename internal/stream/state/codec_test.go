package state

import (
	"bytes"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

type word string

type inner struct {
	A int16
	B []string
}

type nested struct {
	N     int64
	In    inner
	Ptr   *inner
	Map   map[string][]int32
	When  time.Time
	Arr   [3]uint16
	Raw   [4]byte
	Bytes []byte
	Skip  int `state:"-"`
	_     int
}

type node3 struct {
	V    int
	Next *node3
	Kids []node3
}

func roundTrip[T any](t *testing.T, vals ...T) {
	t.Helper()
	c, err := CodecFor[T]()
	if err != nil {
		t.Fatalf("CodecFor[%T]: %v", *new(T), err)
	}
	for _, v := range vals {
		enc := c.Append([]byte{0xAA}, v)[1:] // appends, keeping dst
		got, err := c.Decode(enc)
		if err != nil {
			t.Errorf("%T: decode %v: %v", v, v, err)
			continue
		}
		if !reflect.DeepEqual(got, v) {
			t.Errorf("%T: round trip: got %#v, want %#v", v, got, v)
		}
	}
}

func TestCodecRoundTrip(t *testing.T) {
	when := time.Date(2026, 12, 2, 21, 0, 0, 123456789, time.UTC)
	roundTrip(t, false, true)
	roundTrip(t, 0, 1, -1, math.MaxInt, math.MinInt)
	roundTrip(t, int8(math.MinInt8), int8(math.MaxInt8))
	roundTrip(t, int16(math.MinInt16), int16(math.MaxInt16))
	roundTrip(t, int32(math.MinInt32), int32(math.MaxInt32))
	roundTrip(t, int64(math.MinInt64), int64(math.MaxInt64))
	roundTrip(t, uint(0), uint(math.MaxUint))
	roundTrip(t, uint8(255))
	roundTrip(t, uint16(65535))
	roundTrip(t, uint32(math.MaxUint32), uint32(7))
	roundTrip(t, uint64(math.MaxUint64), uint64(1))
	roundTrip(t, uintptr(12345))
	roundTrip(t, float32(1.5), float32(math.Inf(-1)), float32(math.SmallestNonzeroFloat32))
	roundTrip(t, math.Pi, math.Copysign(0, -1), math.MaxFloat64)
	roundTrip(t, complex64(1+2i), complex(math.E, -1))
	roundTrip(t, "", "a", "Straße", "\xff\x00")
	roundTrip(t, word("named"))
	roundTrip(t, []byte(nil), []byte{}, []byte{0, 1, 255})
	roundTrip(t, time.Time{}, when, time.Unix(-1e11, 5).UTC())
	roundTrip(t, [0]int{})
	roundTrip(t, [2]string{"x", "y"})
	roundTrip(t, [3]byte{1, 2, 3})
	roundTrip(t, []int(nil), []int{}, []int{3, -4})
	roundTrip(t, [][]int{nil, {}, {1}})
	roundTrip(t, map[string]int(nil), map[string]int{}, map[string]int{"a": 1, "b": -2})
	roundTrip(t, map[int64]map[string]bool{1: {"x": true}, -5: nil})
	seven := 7
	roundTrip(t, (*int)(nil), &seven)
	roundTrip(t, struct{}{})
	roundTrip(t, []struct{}{{}, {}})
	roundTrip(t, nested{}, nested{
		N: -9, In: inner{A: 3, B: []string{"p", ""}}, Ptr: &inner{B: []string{}},
		Map: map[string][]int32{"k": {1, 2}, "": nil}, When: when,
		Arr: [3]uint16{1, 2, 3}, Raw: [4]byte{9, 8, 7, 6}, Bytes: []byte("raw"),
	})
	roundTrip(t, node3{V: 1, Next: &node3{V: 2, Next: &node3{V: 3}}, Kids: []node3{{V: 4}}})
}

func TestCodecSkipsTaggedFields(t *testing.T) {
	c, err := CodecFor[nested]()
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Decode(c.Append(nil, nested{N: 1, Skip: 99}))
	if err != nil || got.N != 1 || got.Skip != 0 {
		t.Errorf("decode: got N=%d Skip=%d err=%v, want N=1 Skip=0", got.N, got.Skip, err)
	}
}

func TestCodecTimeIsTheInstant(t *testing.T) {
	c, _ := CodecFor[time.Time]()
	in := time.Date(2026, 1, 2, 3, 4, 5, 6, time.FixedZone("X", 3600))
	got, err := c.Decode(c.Append(nil, in))
	if err != nil || !got.Equal(in) || got.Location() != time.UTC {
		t.Errorf("decode %v: got %v (%v), want the same instant in UTC", in, got, err)
	}
}

// TestCodecPinned pins the stored format: changing it breaks snapshots.
func TestCodecPinned(t *testing.T) {
	type s struct {
		A int64
		B string
		C []uint8
		D *bool
		E map[string]uint
	}
	c, err := CodecFor[s]()
	if err != nil {
		t.Fatal(err)
	}
	got := c.Append(nil, s{A: -2, B: "hi", C: []byte{7}, E: map[string]uint{"b": 1, "a": 300}})
	want := []byte{3, 2, 'h', 'i', 2, 7, 0, 3, 1, 'a', 0xac, 0x02, 1, 'b', 1}
	if !bytes.Equal(got, want) {
		t.Errorf("encoding: got % x, want % x", got, want)
	}
}

func TestCodecMapsAreDeterministic(t *testing.T) {
	c, err := CodecFor[map[int]string]()
	if err != nil {
		t.Fatal(err)
	}
	m := map[int]string{}
	for i := range 200 {
		m[i*7919%1000] = strings.Repeat("x", i%5)
	}
	want := c.Append(nil, m)
	for range 20 {
		copied := map[int]string{}
		for k, v := range m {
			copied[k] = v
		}
		if got := c.Append(nil, copied); !bytes.Equal(got, want) {
			t.Fatalf("equal maps encode differently")
		}
	}
}

func TestCodecUnsupported(t *testing.T) {
	type withChan struct{ C chan int }
	type deep struct {
		Outer struct{ List []map[string]func() }
	}
	type hidden struct {
		Ok     int
		secret int
	}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"chan", codecErr[withChan](), "withChan.C"},
		{"func", codecErr[deep](), "deep.Outer.List[][value]"},
		{"interface", codecErr[[]any](), "[]interface {}[]"},
		{"unexported", codecErr[hidden](), "hidden.secret"},
		{"unsafe", codecErr[struct{ P *chan bool }](), ".P"},
	}
	for _, tt := range tests {
		if !errors.Is(tt.err, ErrUnsupported) || !strings.Contains(tt.err.Error(), tt.want) {
			t.Errorf("%s: got %v, want ErrUnsupported naming %q", tt.name, tt.err, tt.want)
		}
	}
}

func codecErr[T any]() error {
	_, err := CodecFor[T]()
	if err == nil {
		return errors.New("no error")
	}
	return err
}

func TestKeyTypes(t *testing.T) {
	type good struct {
		A string
		B [2]int8
		C float64
	}
	type skipped struct {
		A int
		B int `state:"-"`
	}
	if _, err := keyCodecFor[good](); err != nil {
		t.Errorf("keyCodecFor[good]: %v", err)
	}
	for name, err := range map[string]error{
		"pointer": keyErr[*int](), "time": keyErr[time.Time](), "skipped": keyErr[skipped](),
		"interface": keyErr[any](),
	} {
		if !errors.Is(err, ErrUnsupported) {
			t.Errorf("key %s: got %v, want ErrUnsupported", name, err)
		}
	}
	c, _ := keyCodecFor[float64]()
	if got, want := c.Append(nil, math.Copysign(0, -1)), c.Append(nil, 0); !bytes.Equal(got, want) {
		t.Errorf("key -0 encodes as % x, +0 as % x: want them alike", got, want)
	}
}

func keyErr[K comparable]() error {
	_, err := keyCodecFor[K]()
	return err
}

func TestCodecCorrupt(t *testing.T) {
	c, _ := CodecFor[nested]()
	enc := c.Append(nil, nested{N: 5, In: inner{B: []string{"abc"}}, Map: map[string][]int32{"k": {1}}})
	for n := range len(enc) {
		if _, err := c.Decode(enc[:n]); !errors.Is(err, ErrCorrupt) {
			t.Errorf("decode of %d of %d bytes: got %v, want ErrCorrupt", n, len(enc), err)
		}
	}
	if _, err := c.Decode(append(enc, 0)); !errors.Is(err, ErrCorrupt) {
		t.Errorf("trailing byte: got %v, want ErrCorrupt", err)
	}
	huge, _ := CodecFor[[]int64]()
	if _, err := huge.Decode([]byte{0xff, 0xff, 0xff, 0xff, 0x0f}); !errors.Is(err, ErrCorrupt) {
		t.Errorf("huge length: got %v, want ErrCorrupt", err)
	}
	b, _ := CodecFor[bool]()
	if _, err := b.Decode([]byte{2}); !errors.Is(err, ErrCorrupt) {
		t.Errorf("bool 2: got %v, want ErrCorrupt", err)
	}
	i8, _ := CodecFor[int8]()
	if _, err := i8.Decode(i8.Append(nil, 0)[:0]); !errors.Is(err, ErrCorrupt) {
		t.Errorf("empty int8: got %v, want ErrCorrupt", err)
	}
	i64, _ := CodecFor[int64]()
	if _, err := i8.Decode(i64.Append(nil, 300)); !errors.Is(err, ErrCorrupt) {
		t.Errorf("int8 of 300: got %v, want ErrCorrupt", err)
	}
}

type small3 struct {
	A, B, C int64
	S       string
}

func BenchmarkCodecStruct(b *testing.B) {
	c, err := CodecFor[small3]()
	if err != nil {
		b.Fatal(err)
	}
	v := small3{A: 1 << 40, B: -7, C: 12345, S: "user-42"}
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		buf = c.Append(buf[:0], v)
		if _, err := c.Decode(buf); err != nil {
			b.Fatal(err)
		}
	}
}
