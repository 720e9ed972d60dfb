package columnar

// Test helpers: batches from plain Go values and back, so that every test
// can compare the package's output with reference code written over Go
// values. A cell is nil (null), int64 (every integer width), float64 (both
// float widths), dec (a decimal), arrow.Date32, string or bool.

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// dec is a decimal cell: its unscaled value in base 10 ("1234" is 12.34
// in a decimal of scale 2). The scale is the column's.
type dec string

func decOf(b *big.Int) dec { return dec(b.String()) }

func (d dec) big() *big.Int {
	b, ok := new(big.Int).SetString(string(d), 10)
	if !ok {
		panic("bad dec cell " + string(d))
	}
	return b
}

func (d dec) num() decimal128.Num { return decimal128.FromBigInt(d.big()) }

var (
	i8    = arrow.PrimitiveTypes.Int8
	i16   = arrow.PrimitiveTypes.Int16
	i32   = arrow.PrimitiveTypes.Int32
	i64   = arrow.PrimitiveTypes.Int64
	f32   = arrow.PrimitiveTypes.Float32
	f64   = arrow.PrimitiveTypes.Float64
	date  = arrow.FixedWidthTypes.Date32
	str   = arrow.BinaryTypes.String
	boolT = arrow.FixedWidthTypes.Boolean
	nullT = arrow.Null
)

func decT(p, s int32) arrow.DataType { return &arrow.Decimal128Type{Precision: p, Scale: s} }

// column is a test column: a name, a type and its cells.
type column struct {
	name string
	typ  arrow.DataType
	vals []any
}

// newArray builds an array of type dt from cells.
func newArray(t testing.TB, dt arrow.DataType, vals []any) arrow.Array {
	t.Helper()
	b := array.NewBuilder(memory.DefaultAllocator, dt)
	defer b.Release()
	for _, v := range vals {
		if v == nil {
			b.AppendNull()
			continue
		}
		switch b := b.(type) {
		case *array.Int64Builder:
			b.Append(v.(int64))
		case *array.Int32Builder:
			b.Append(int32(v.(int64)))
		case *array.Int16Builder:
			b.Append(int16(v.(int64)))
		case *array.Int8Builder:
			b.Append(int8(v.(int64)))
		case *array.Float64Builder:
			b.Append(v.(float64))
		case *array.Float32Builder:
			b.Append(float32(v.(float64)))
		case *array.Decimal128Builder:
			b.Append(v.(dec).num())
		case *array.Date32Builder:
			b.Append(v.(arrow.Date32))
		case *array.StringBuilder:
			b.Append(v.(string))
		case *array.BooleanBuilder:
			b.Append(v.(bool))
		default:
			t.Fatalf("newArray: cell %v (%T) for type %s", v, v, dt)
		}
	}
	return b.NewArray()
}

// newBatch builds a batch of cols, every field nullable.
func newBatch(t testing.TB, cols ...column) arrow.RecordBatch {
	t.Helper()
	var fields []arrow.Field
	var arrs []arrow.Array
	rows := 0
	for _, c := range cols {
		fields = append(fields, arrow.Field{Name: c.name, Type: c.typ, Nullable: true})
		arrs = append(arrs, newArray(t, c.typ, c.vals))
		rows = len(c.vals)
	}
	rec := array.NewRecordBatch(arrow.NewSchema(fields, nil), arrs, int64(rows))
	for _, a := range arrs {
		a.Release()
	}
	return rec
}

// cells reads an array back as cells. (An array of type null has no
// validity bitmap: its IsNull is false.)
func cells(a arrow.Array) []any {
	out := make([]any, a.Len())
	for i := range out {
		if a.IsNull(i) || a.DataType().ID() == arrow.NULL {
			continue
		}
		switch x := a.(type) {
		case *array.Int64:
			out[i] = x.Value(i)
		case *array.Int32:
			out[i] = int64(x.Value(i))
		case *array.Int16:
			out[i] = int64(x.Value(i))
		case *array.Int8:
			out[i] = int64(x.Value(i))
		case *array.Float64:
			out[i] = x.Value(i)
		case *array.Float32:
			out[i] = float64(x.Value(i))
		case *array.Decimal128:
			out[i] = decOf(x.Value(i).BigInt())
		case *array.Date32:
			out[i] = x.Value(i)
		case *array.String:
			out[i] = x.Value(i)
		case *array.Boolean:
			out[i] = x.Value(i)
		default:
			panic("cells of " + a.DataType().String())
		}
	}
	return out
}

// rowsOf reads a batch back as rows of cells (none for a nil batch).
func rowsOf(rec arrow.RecordBatch) [][]any {
	if rec == nil {
		return nil
	}
	cols := make([][]any, rec.NumCols())
	for c := range cols {
		cols[c] = cells(rec.Column(c))
	}
	out := make([][]any, rec.NumRows())
	for i := range out {
		out[i] = make([]any, len(cols))
		for c := range cols {
			out[i][c] = cols[c][i]
		}
	}
	return out
}

// columnsOf reads a batch back as named cells.
func columnsOf(rec arrow.RecordBatch) map[string][]any {
	out := map[string][]any{}
	for c, f := range rec.Schema().Fields() {
		out[f.Name] = cells(rec.Column(c))
	}
	return out
}

// render prints a row so that distinct rows print differently (strings
// quoted, nulls as NULL, -0 as 0); it makes map keys and sortable lines.
func render(row []any) string {
	var b []byte
	for i, v := range row {
		if i > 0 {
			b = append(b, '|')
		}
		switch x := v.(type) {
		case nil:
			b = append(b, "NULL"...)
		case string:
			b = strconv.AppendQuote(b, x)
		case dec:
			b = append(append(b, 'd'), x...)
		case float64:
			if x == 0 {
				x = 0
			}
			b = strconv.AppendFloat(append(b, 'f'), x, 'g', -1, 64)
		case int64:
			b = strconv.AppendInt(append(b, "int64:"...), x, 10)
		case arrow.Date32:
			b = strconv.AppendInt(append(b, "date:"...), int64(x), 10)
		case bool:
			b = strconv.AppendBool(append(b, "bool:"...), x)
		default:
			b = fmt.Appendf(b, "%T:%v", x, x)
		}
	}
	return string(b)
}

// sortedLines renders rows and sorts them: a multiset to compare.
func sortedLines(rows [][]any) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = render(r)
	}
	slices.Sort(out)
	return out
}

// sameFloat reports whether two floats agree to about 12 digits.
func sameFloat(a, b float64) bool {
	if a == b || (math.IsNaN(a) && math.IsNaN(b)) {
		return true
	}
	return math.Abs(a-b) <= 1e-12*math.Max(math.Abs(a), math.Abs(b))
}

// diffLines reports the first difference between two line lists.
func diffLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: got %d rows, want %d", what, len(got), len(want))
	}
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			t.Errorf("%s: row %d: got %s, want %s", what, i, got[i], want[i])
			return
		}
	}
}

// gen makes n cells: null with probability nullPct/100, else f().
func gen(r *rand.Rand, n, nullPct int, f func() any) []any {
	out := make([]any, n)
	for i := range out {
		if r.IntN(100) < nullPct {
			continue
		}
		out[i] = f()
	}
	return out
}

// day is the Date32 of y-m-d, from package time.
func day(y, m, d int) arrow.Date32 {
	return arrow.Date32(time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// slicedBatches cuts rec into batches of at most size rows (slices of rec).
func slicedBatches(rec arrow.RecordBatch, size int) []arrow.RecordBatch {
	var out []arrow.RecordBatch
	for lo := int64(0); lo < rec.NumRows(); lo += int64(size) {
		out = append(out, rec.NewSlice(lo, min(lo+int64(size), rec.NumRows())))
	}
	return out
}

func release(recs []arrow.RecordBatch) {
	for _, r := range recs {
		if r != nil {
			r.Release()
		}
	}
}

// pick returns one of xs at random.
func pick[T any](r *rand.Rand, xs ...T) T { return xs[r.IntN(len(xs))] }
