package codec

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
)

// Meta is embedded in record: a field named Meta, not flattened.
type Meta struct {
	Source string
	Seq    uint32
}

type inner struct {
	Name  string
	Tags  []byte
	Score float32
	At    time.Time
}

// record has a field of every supported type.
type record struct {
	S       string
	W       word
	B       []byte
	OK      bool
	I       int
	I8      int8
	I16     int16
	I32     int32
	I64     int64
	Sm      small
	U       uint
	U8      uint8
	U16     uint16
	U32     uint32
	U64     uint64
	UP      uintptr
	F32     float32
	F64     float64
	T       time.Time
	In      inner
	PIn     *inner
	PS      *string
	PW      *word
	PI      *int64
	PF      *float64
	PT      *time.Time
	PB      *[]byte
	Renamed int `spindle:"renamed_col"`
	Meta
	secret chan int `spindle:"-"`
	_      int32
}

func ptr[T any](v T) *T { return &v }

func records() []record {
	at := time.Date(2024, 3, 1, 12, 30, 0, 123456000, time.UTC)
	full := record{S: "Straße", W: "w", B: []byte{0, 1, 0xff}, OK: true,
		I: math.MinInt, I8: -128, I16: math.MaxInt16, I32: math.MinInt32, I64: math.MaxInt64, Sm: -3,
		U: math.MaxUint, U8: 255, U16: 65535, U32: math.MaxUint32, U64: math.MaxUint64, UP: 7,
		F32: 1.5, F64: math.Inf(-1), T: at,
		In:  inner{Name: "in", Tags: []byte("t"), Score: -2, At: at.Add(time.Hour)},
		PIn: &inner{Name: "p", Tags: []byte("pt"), Score: 3},
		PS:  ptr(""), PW: ptr[word]("pw"), PI: ptr[int64](-9), PF: ptr(math.Pi), PT: ptr(at), PB: ptr([]byte("pb")),
		Renamed: 42, Meta: Meta{"src", 9}}
	return []record{full, {B: []byte{1}, In: inner{Tags: []byte{2}}}, full}
}

func TestStructRoundTrip(t *testing.T) {
	roundTrip(t, records())
	roundTrip(t, []inner{{Name: "a", Tags: []byte("b")}, {Name: "", Tags: []byte("x"), Score: 1}})
	roundTrip(t, []struct{}{{}, {}})
	roundTrip(t, []*inner{{Name: "a", Tags: []byte("b")}, nil})
	roundTrip(t, []*int{ptr(1), nil, ptr(-1)})
}

func TestStructType(t *testing.T) {
	c, err := For[record]()
	if err != nil {
		t.Fatal(err)
	}
	st := c.Type.(*arrow.StructType)
	tests := []struct {
		name     string
		typ      arrow.DataType
		nullable bool
	}{
		{"S", arrow.BinaryTypes.String, false},
		{"I8", arrow.PrimitiveTypes.Int64, false},
		{"U16", arrow.PrimitiveTypes.Uint64, false},
		{"T", arrow.FixedWidthTypes.Timestamp_us, false},
		{"PI", arrow.PrimitiveTypes.Int64, true},
		{"PIn", st.Field(st.FieldIndices("In")[0]).Type, true},
		{"renamed_col", arrow.PrimitiveTypes.Int64, false},
		{"Meta", arrow.StructOf(
			arrow.Field{Name: "Source", Type: arrow.BinaryTypes.String},
			arrow.Field{Name: "Seq", Type: arrow.PrimitiveTypes.Uint64}), false},
	}
	for _, tt := range tests {
		f, ok := st.FieldByName(tt.name)
		if !ok {
			t.Errorf("no field %q in %s", tt.name, st)
			continue
		}
		if !arrow.TypeEqual(f.Type, tt.typ) || f.Nullable != tt.nullable {
			t.Errorf("field %q: got %s nullable %v, want %s nullable %v", tt.name, f.Type, f.Nullable, tt.typ, tt.nullable)
		}
	}
	for _, name := range []string{"Renamed", "secret", "_", "Source"} {
		if _, ok := st.FieldByName(name); ok {
			t.Errorf("field %q is a column of %s", name, st)
		}
	}
	if got, want := st.NumFields(), 29; got != want {
		t.Errorf("%d fields, want %d", got, want)
	}
}

// A skipped field is not written, and reads back as zero.
func TestSkippedFieldReadsZero(t *testing.T) {
	type s struct {
		A    int
		Note string `spindle:"-"`
		b    bool   `spindle:"-"`
	}
	c, _ := For[s]()
	b := c.NewBuilder()
	c.Appender(b)(s{1, "kept out", true})
	arr := b.NewArray()
	defer arr.Release()
	if got, want := c.Getter(arr)(0), (s{A: 1}); got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

type (
	withChan   struct{ C chan int }
	withMap    struct{ M map[string]int }
	withFunc   struct{ F func() }
	withSecret struct{ secret int }
	withInts   struct{ L []int }
	withPtrPtr struct{ P **int }
	badInner   struct{ Deep struct{ Ch chan bool } }
	withDup    struct {
		A int
		B int `spindle:"A"`
	}
	list         struct{ Next *list }
	withBadPtr   struct{ P *map[int]int }
	withEmbedded struct{ inner }
)

func TestStructErrors(t *testing.T) {
	tests := []struct {
		err  error
		want string // in the message
	}{
		{err2(For[withChan]()), "field codec.withChan.C has type chan int"},
		{err2(For[withMap]()), "field codec.withMap.M has type map[string]int"},
		{err2(For[withFunc]()), "field codec.withFunc.F has type func()"},
		{err2(For[withSecret]()), "field codec.withSecret.secret is unexported"},
		{err2(For[withInts]()), "field codec.withInts.L has type []int"},
		{err2(For[withPtrPtr]()), "field codec.withPtrPtr.P has type **int, a pointer to a pointer"},
		{err2(For[badInner]()), "field codec.badInner.Deep.Ch has type chan bool"},
		{err2(For[withDup]()), `fields codec.withDup.A and B are both named "A"`},
		{err2(For[list]()), "field codec.list.Next has type codec.list, which contains itself"},
		{err2(For[withBadPtr]()), "field codec.withBadPtr.P has type map[int]int"},
		{err2(For[withEmbedded]()), "field codec.withEmbedded.inner is unexported"},
		{err2(For[*chan int]()), "chan int"},
	}
	for _, tt := range tests {
		if !errors.Is(tt.err, ErrUnsupported) || !strings.Contains(tt.err.Error(), tt.want) {
			t.Errorf("error %v, want ErrUnsupported with %q", tt.err, tt.want)
		}
	}
}

func err2[T any](_ T, err error) error { return err }

func TestStructSize(t *testing.T) {
	c, _ := For[record]()
	base := records()[1]
	more := base
	more.S, more.In.Name, more.B = "12345", "123", []byte("1234")
	if got, want := c.Size(more)-c.Size(base), 5+3+3; got != want {
		t.Errorf("Size grew by %d for 11 more bytes of strings and slices, want %d", got, want)
	}
	if got, want := c.Size(base), int(unsafe.Sizeof(base))+1+1; got != want {
		t.Errorf("Size of a record with 2 one-byte slices = %d, want %d", got, want)
	}
	pointed := base
	pointed.PS, pointed.PIn = ptr("abc"), &inner{Name: "xy"}
	if got, want := c.Size(pointed)-c.Size(base), 16+3+int(unsafe.Sizeof(inner{}))+2; got != want {
		t.Errorf("Size grew by %d for two pointer targets, want %d", got, want)
	}
	plain, _ := For[struct {
		A int
		T time.Time
		N struct{ F float64 }
	}]()
	if plain.Clone != nil {
		t.Errorf("a struct of numbers and times has a Clone")
	}
	if c.Clone == nil {
		t.Fatalf("record has no Clone")
	}
}

// Clone detaches a record read from an array: its strings and slices no
// longer point into the array, and its pointers point to copies.
func TestStructClone(t *testing.T) {
	c, _ := For[record]()
	b := c.NewBuilder()
	add := c.Appender(b)
	for _, r := range records() {
		add(r)
	}
	arr := b.NewArray()
	defer arr.Release()
	read := c.Getter(arr)(0)
	kept := c.Clone(read)
	if !reflect.DeepEqual(kept, read) {
		t.Fatalf("Clone changed the value: %+v, want %+v", kept, read)
	}
	pairs := []struct {
		name string
		a, b unsafe.Pointer
	}{
		{"S", unsafe.Pointer(unsafe.StringData(kept.S)), unsafe.Pointer(unsafe.StringData(read.S))},
		{"B", unsafe.Pointer(&kept.B[0]), unsafe.Pointer(&read.B[0])},
		{"In.Name", unsafe.Pointer(unsafe.StringData(kept.In.Name)), unsafe.Pointer(unsafe.StringData(read.In.Name))},
		{"PIn", unsafe.Pointer(kept.PIn), unsafe.Pointer(read.PIn)},
		{"PIn.Name", unsafe.Pointer(unsafe.StringData(kept.PIn.Name)), unsafe.Pointer(unsafe.StringData(read.PIn.Name))},
		{"PB", unsafe.Pointer(&(*kept.PB)[0]), unsafe.Pointer(&(*read.PB)[0])},
		{"PI", unsafe.Pointer(kept.PI), unsafe.Pointer(read.PI)},
	}
	for _, p := range pairs {
		if p.a == p.b {
			t.Errorf("the clone's %s shares memory with the value read", p.name)
		}
	}
}

func TestTimes(t *testing.T) {
	c, err := For[time.Time]()
	if err != nil {
		t.Fatal(err)
	}
	paris := time.FixedZone("CET", 3600)
	in := []time.Time{
		{},
		time.Date(2024, 3, 1, 12, 30, 0, 123456789, paris),
		time.Date(1500, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Now(),
	}
	b := c.NewBuilder()
	add := c.Appender(b)
	for _, v := range in {
		add(v)
	}
	arr := b.NewArray()
	defer arr.Release()
	get := c.Getter(arr)
	for i, v := range in {
		got, want := get(i), v.Truncate(time.Microsecond).UTC().Round(0)
		if got != want {
			t.Errorf("time %d: got %v, want %v", i, got, want)
		}
	}
	if get(0) != (time.Time{}) {
		t.Errorf("the zero time reads back as %v", get(0))
	}
}

// A struct value's address must not reach the plan's closures, or every
// value would escape to the heap: appending, reading, sizing and hashing
// a struct allocate nothing but pointer targets and clones.
func TestStructsDoNotAllocate(t *testing.T) {
	c, _ := For[inner]()
	k, _ := KeyFor[route]()
	b := c.NewBuilder()
	add := c.Appender(b)
	v := inner{Name: "n", Tags: []byte("t"), Score: 1}
	add(v)
	arr := b.NewArray()
	defer arr.Release()
	get := c.Getter(arr)
	key := route{From: "a", To: "b"}
	tests := []struct {
		name string
		fn   func()
	}{
		{"append", func() { add(v) }},
		{"get", func() { _ = get(0) }},
		{"size", func() { _ = c.Size(v) }},
		{"hash", func() { _ = k.Hash(key) }},
		{"compare", func() { _ = k.Compare(key, key) }},
	}
	for _, tt := range tests {
		if n := testing.AllocsPerRun(100, tt.fn); n != 0 {
			t.Errorf("%s: %v allocations, want 0", tt.name, n)
		}
	}
}

// Size and Clone may run on many goroutines at once (under -race).
func TestStructCloneConcurrently(t *testing.T) {
	c, _ := For[record]()
	v := records()[0]
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 100 {
				if got := c.Clone(v); got.PIn == v.PIn || !reflect.DeepEqual(got, v) {
					t.Errorf("Clone(%+v) = %+v", v, got)
					return
				}
			}
		})
	}
	wg.Wait()
}
