package colfile

import (
	"math"
	"math/big"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/decimal256"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// one returns the array built by add on b, releasing b.
func one[B array.Builder](t *testing.T, b B, add func(B)) arrow.Array {
	t.Helper()
	defer b.Release()
	add(b)
	return b.NewArray()
}

// mem allocates the test arrays.
var mem = memory.DefaultAllocator

func TestAppendValue(t *testing.T) {
	dec := func(p, s int32, v decimal128.Num) arrow.Array {
		return one(t, array.NewDecimal128Builder(mem, &arrow.Decimal128Type{Precision: p, Scale: s}),
			func(b *array.Decimal128Builder) { b.Append(v) })
	}
	ts := &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "America/New_York"}
	tests := []struct {
		name string
		arr  arrow.Array
		want string
	}{
		{"int8 min", one(t, array.NewInt8Builder(mem), func(b *array.Int8Builder) { b.Append(math.MinInt8) }), "-128"},
		{"int16", one(t, array.NewInt16Builder(mem), func(b *array.Int16Builder) { b.Append(-300) }), "-300"},
		{"int32", one(t, array.NewInt32Builder(mem), func(b *array.Int32Builder) { b.Append(7) }), "7"},
		{"int64 min", one(t, array.NewInt64Builder(mem), func(b *array.Int64Builder) { b.Append(math.MinInt64) }), "-9223372036854775808"},
		{"uint8", one(t, array.NewUint8Builder(mem), func(b *array.Uint8Builder) { b.Append(255) }), "255"},
		{"uint16", one(t, array.NewUint16Builder(mem), func(b *array.Uint16Builder) { b.Append(65535) }), "65535"},
		{"uint32", one(t, array.NewUint32Builder(mem), func(b *array.Uint32Builder) { b.Append(math.MaxUint32) }), "4294967295"},
		{"uint64 max", one(t, array.NewUint64Builder(mem), func(b *array.Uint64Builder) { b.Append(math.MaxUint64) }), "18446744073709551615"},
		{"float64", one(t, array.NewFloat64Builder(mem), func(b *array.Float64Builder) { b.Append(25.575154611454693) }), "25.575154611454693"},
		{"float64 small", one(t, array.NewFloat64Builder(mem), func(b *array.Float64Builder) { b.Append(0.05008133906964238) }), "0.05008133906964238"},
		{"float64 integer", one(t, array.NewFloat64Builder(mem), func(b *array.Float64Builder) { b.Append(3) }), "3"},
		{"float64 big", one(t, array.NewFloat64Builder(mem), func(b *array.Float64Builder) { b.Append(1e21) }), "1e+21"},
		{"float64 tiny", one(t, array.NewFloat64Builder(mem), func(b *array.Float64Builder) { b.Append(5e-324) }), "5e-324"},
		{"float64 negative zero", one(t, array.NewFloat64Builder(mem), func(b *array.Float64Builder) { b.Append(math.Copysign(0, -1)) }), "-0"},
		{"float64 nan", one(t, array.NewFloat64Builder(mem), func(b *array.Float64Builder) { b.Append(math.NaN()) }), "NaN"},
		{"float64 -inf", one(t, array.NewFloat64Builder(mem), func(b *array.Float64Builder) { b.Append(math.Inf(-1)) }), "-Inf"},
		{"float32", one(t, array.NewFloat32Builder(mem), func(b *array.Float32Builder) { b.Append(0.1) }), "0.1"},
		{"decimal scale 2", dec(15, 2, decimal128.FromI64(38045600)), "380456.00"},
		{"decimal negative below 1", dec(15, 2, decimal128.FromI64(-5)), "-0.05"},
		{"decimal zero", dec(15, 2, decimal128.FromI64(0)), "0.00"},
		{"decimal scale 0", dec(10, 0, decimal128.FromI64(12)), "12"},
		{"decimal scale 0 negative", dec(10, 0, decimal128.FromI64(-12)), "-12"},
		{"decimal scale 0 zero", dec(10, 0, decimal128.FromI64(0)), "0"},
		{"decimal scale 6", dec(38, 6, decimal128.FromI64(1234567)), "1.234567"},
		{"decimal scale 6 below 1", dec(38, 6, decimal128.FromI64(42)), "0.000042"},
		{"decimal scale 6 negative", dec(38, 6, decimal128.FromI64(-1234567890)), "-1234.567890"},
		{"decimal 38 nines", dec(38, 0, decimal128.GetMaxValue(38)), "99999999999999999999999999999999999999"},
		{"decimal 38 nines scale 6", dec(38, 6, decimal128.GetMaxValue(38).Negate()), "-99999999999999999999999999999999.999999"},
		{"decimal 38 digits scale 38", dec(38, 38, decimal128.FromI64(1)), "0.00000000000000000000000000000000000001"},
		{"decimal 2^64", dec(38, 2, decimal128.New(1, 0)), "184467440737095516.16"},
		{"decimal 10^19", dec(38, 0, decimal128.FromU64(10_000_000_000_000_000_000)), "10000000000000000000"},
		{"decimal 10^20", dec(38, 0, decimal128.FromU64(10_000_000_000_000_000_000).Mul(decimal128.FromI64(10))), "100000000000000000000"},
		{"decimal negative scale", dec(10, -2, decimal128.FromI64(12)), "1200"},
		{"decimal256", one(t, array.NewDecimal256Builder(mem, &arrow.Decimal256Type{Precision: 76, Scale: 4}),
			func(b *array.Decimal256Builder) { b.Append(decimal256.FromI64(-123456)) }), "-12.3456"},
		{"date32 epoch", date32(t, 0), "1970-01-01"},
		{"date32 before 1970", date32(t, -1), "1969-12-31"},
		{"date32 leap day 2000", date32(t, days(2000, 2, 29)), "2000-02-29"},
		{"date32 leap day 1904", date32(t, days(1904, 2, 29)), "1904-02-29"},
		{"date32 1900-03-01", date32(t, days(1900, 3, 1)), "1900-03-01"},
		{"date32 year 1", date32(t, days(1, 1, 1)), "0001-01-01"},
		{"date32 9999-12-31", date32(t, days(9999, 12, 31)), "9999-12-31"},
		{"date64 before 1970 with ms", one(t, array.NewDate64Builder(mem), func(b *array.Date64Builder) { b.Append(-1) }), "1969-12-31"},
		{"date64", one(t, array.NewDate64Builder(mem), func(b *array.Date64Builder) { b.Append(arrow.Date64(days(1998, 12, 1) * msPerDay)) }), "1998-12-01"},
		{"timestamp in utc", one(t, array.NewTimestampBuilder(mem, ts), func(b *array.TimestampBuilder) {
			b.Append(arrow.Timestamp(time.Date(2024, 3, 1, 12, 30, 0, 500000000, time.UTC).UnixMicro()))
		}), "2024-03-01T12:30:00.5Z"},
		{"time64", one(t, array.NewTime64Builder(mem, &arrow.Time64Type{Unit: arrow.Microsecond}), func(b *array.Time64Builder) {
			b.Append(arrow.Time64((13*3600 + 5*60 + 7) * 1e6))
		}), "13:05:07"},
		{"string", one(t, array.NewStringBuilder(mem), func(b *array.StringBuilder) { b.Append(`a,"b"`) }), `a,"b"`},
		{"large string", one(t, array.NewLargeStringBuilder(mem), func(b *array.LargeStringBuilder) { b.Append("héllo") }), "héllo"},
		{"binary", one(t, array.NewBinaryBuilder(mem, arrow.BinaryTypes.Binary), func(b *array.BinaryBuilder) { b.Append([]byte{'x', 0, 'y'}) }), "x\x00y"},
		{"bool true", one(t, array.NewBooleanBuilder(mem), func(b *array.BooleanBuilder) { b.Append(true) }), "true"},
		{"bool false", one(t, array.NewBooleanBuilder(mem), func(b *array.BooleanBuilder) { b.Append(false) }), "false"},
		{"null", one(t, array.NewInt64Builder(mem), func(b *array.Int64Builder) { b.AppendNull() }), ""},
		{"dictionary", dictionary(t), "bee"},
	}
	for _, tt := range tests {
		got := string(AppendValue([]byte("<"), tt.arr, tt.arr.Len()-1))
		if want := "<" + tt.want; got != want {
			t.Errorf("%s: got %q, want %q", tt.name, got, want)
		}
		tt.arr.Release()
	}
}

// days returns the days from 1970-01-01 to the date, by the time package.
func days(y int, m time.Month, d int) int64 {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

func date32(t *testing.T, d int64) arrow.Array {
	return one(t, array.NewDate32Builder(mem), func(b *array.Date32Builder) { b.Append(arrow.Date32(d)) })
}

// dictionary returns a dictionary array whose last value is "bee".
func dictionary(t *testing.T) arrow.Array {
	dt := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: arrow.BinaryTypes.String}
	b := array.NewDictionaryBuilder(mem, dt).(*array.BinaryDictionaryBuilder)
	return one(t, b, func(b *array.BinaryDictionaryBuilder) {
		b.AppendString("ant")
		b.AppendString("bee")
	})
}

// TestDatesAgreeWithTime checks every day from year 1 to 9999 against the
// time package.
func TestDatesAgreeWithTime(t *testing.T) {
	first, last := days(1, 1, 1), days(9999, 12, 31)
	var buf []byte
	for d := first; d <= last; d++ {
		buf = appendDate(buf[:0], d)
		want := time.Unix(d*86400, 0).UTC().Format(time.DateOnly)
		if string(buf) != want {
			t.Fatalf("day %d: got %s, want %s", d, buf, want)
		}
	}
}

// TestDecimalsAgreeWithBigInt checks random 128- and 256-bit magnitudes
// at several scales against math/big.
func TestDecimalsAgreeWithBigInt(t *testing.T) {
	r := newRand()
	for range 20000 {
		hi, lo := r.Uint64(), r.Uint64()
		hi >>= r.UintN(64) // spread the sizes
		n := decimal128.New(int64(hi), lo)
		scale := int32(r.IntN(40))
		got := string(appendDecimal128(nil, n, scale))
		if want := bigDecimal(n.BigInt(), scale); got != want {
			t.Fatalf("%s scale %d: got %s, want %s", n.BigInt(), scale, got, want)
		}
		w := decimal256.New(r.Uint64()>>r.UintN(64), r.Uint64(), hi, lo)
		got = string(appendDecimal256(nil, w, scale))
		if want := bigDecimal(w.BigInt(), scale); got != want {
			t.Fatalf("%s scale %d: got %s, want %s", w.BigInt(), scale, got, want)
		}
	}
}

// bigDecimal formats v / 10^scale with math/big.
func bigDecimal(v *big.Int, scale int32) string {
	neg := v.Sign() < 0
	digits := new(big.Int).Abs(v).String()
	for len(digits) <= int(scale) {
		digits = "0" + digits
	}
	s := digits
	if scale > 0 {
		s = digits[:len(digits)-int(scale)] + "." + digits[len(digits)-int(scale):]
	}
	if neg {
		s = "-" + s
	}
	return s
}

func TestAppendValueDoesNotAllocate(t *testing.T) {
	arrs := []arrow.Array{
		date32(t, days(1969, 7, 20)),
		one(t, array.NewDecimal128Builder(mem, &arrow.Decimal128Type{Precision: 38, Scale: 6}),
			func(b *array.Decimal128Builder) { b.Append(decimal128.GetMaxValue(38).Negate()) }),
		one(t, array.NewFloat64Builder(mem), func(b *array.Float64Builder) { b.Append(25.575154611454693) }),
		one(t, array.NewStringBuilder(mem), func(b *array.StringBuilder) { b.Append("text") }),
	}
	buf := make([]byte, 0, 128)
	for _, a := range arrs {
		allocs := testing.AllocsPerRun(100, func() { buf = AppendValue(buf[:0], a, 0) })
		if allocs != 0 {
			t.Errorf("%s: got %v allocations per value, want 0", a.DataType(), allocs)
		}
		a.Release()
	}
}
