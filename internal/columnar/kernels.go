package columnar

import (
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// operand is an evaluated expression: an array, or a scalar (s nil for a
// null scalar) standing for every row.
type operand struct {
	typ    arrow.DataType
	arr    arrow.Array
	s      any
	scalar bool
}

// null reports whether row i is null.
func (o operand) null(i int) bool {
	if o.scalar {
		return o.s == nil
	}
	return o.arr.IsNull(i)
}

// array materializes o as an array of rows values.
func (o operand) array(rows int) arrow.Array {
	if !o.scalar {
		o.arr.Retain()
		return o.arr
	}
	valid := newBitmap(rows)
	if o.s == nil {
		if kindOf(o.typ) == kNull {
			return array.NewNull(rows)
		}
		for i := range rows {
			valid.setNull(i)
		}
	}
	switch kindOf(o.typ) {
	case kInt:
		return fixed(arrow.PrimitiveTypes.Int64, repeat(o.s, rows, int64(0)), valid)
	case kFloat:
		return fixed(arrow.PrimitiveTypes.Float64, repeat(o.s, rows, 0.0), valid)
	case kDec:
		return fixed(o.typ, repeat(o.s, rows, decimal128.Num{}), valid)
	case kDate:
		return fixed(arrow.FixedWidthTypes.Date32, repeat(o.s, rows, arrow.Date32(0)), valid)
	case kBool:
		return boolArray(repeat(o.s, rows, false), valid)
	case kString:
		return stringArray(repeat(o.s, rows, ""), valid)
	}
	return array.NewNull(rows)
}

func repeat[T any](v any, n int, zero T) []T {
	x, ok := v.(T)
	if !ok {
		x = zero
	}
	out := make([]T, n)
	for i := range out {
		out[i] = x
	}
	return out
}

// nulls is the validity of a result computed from xs: null where any is.
func nulls(rows int, xs ...operand) bitmap {
	b := newBitmap(rows)
	for _, x := range xs {
		if x.scalar {
			if x.s == nil {
				for i := range rows {
					b.setNull(i)
				}
			}
			continue
		}
		b.nullsOf(x.arr)
	}
	return b
}

// vals is an operand's values of one Go type: a slice, or one scalar.
type vals[T any] struct {
	v      []T
	s      T
	scalar bool
}

func (v vals[T]) at(i int) T {
	if v.scalar {
		return v.s
	}
	return v.v[i]
}

// ints reads an integer operand as int64s.
func ints(o operand) vals[int64] {
	if o.scalar {
		x, _ := o.s.(int64)
		return vals[int64]{s: x, scalar: true}
	}
	switch a := o.arr.(type) {
	case *array.Int64:
		return vals[int64]{v: a.Int64Values()}
	case *array.Int32:
		out := make([]int64, a.Len())
		for i, x := range a.Int32Values() {
			out[i] = int64(x)
		}
		return vals[int64]{v: out}
	case *array.Int16:
		out := make([]int64, a.Len())
		for i, x := range a.Int16Values() {
			out[i] = int64(x)
		}
		return vals[int64]{v: out}
	case *array.Int8:
		out := make([]int64, a.Len())
		for i, x := range a.Int8Values() {
			out[i] = int64(x)
		}
		return vals[int64]{v: out}
	}
	return vals[int64]{scalar: true}
}

// floats reads a numeric operand as float64s.
func floats(o operand) vals[float64] {
	switch kindOf(o.typ) {
	case kFloat:
		if o.scalar {
			x, _ := o.s.(float64)
			return vals[float64]{s: x, scalar: true}
		}
		if a, ok := o.arr.(*array.Float32); ok {
			out := make([]float64, a.Len())
			for i, x := range a.Float32Values() {
				out[i] = float64(x)
			}
			return vals[float64]{v: out}
		}
		return vals[float64]{v: o.arr.(*array.Float64).Float64Values()}
	case kInt:
		iv := ints(o)
		if iv.scalar {
			return vals[float64]{s: float64(iv.s), scalar: true}
		}
		out := make([]float64, len(iv.v))
		for i, x := range iv.v {
			out[i] = float64(x)
		}
		return vals[float64]{v: out}
	case kDec:
		_, scale := decParams(o.typ)
		dv := decs(o, scale)
		if dv.scalar {
			return vals[float64]{s: dv.s.ToFloat64(scale), scalar: true}
		}
		out := make([]float64, len(dv.v))
		for i, x := range dv.v {
			out[i] = x.ToFloat64(scale)
		}
		return vals[float64]{v: out}
	}
	return vals[float64]{scalar: true}
}

// decs reads an integer or decimal operand as decimals of the given scale.
func decs(o operand, scale int32) vals[decimal128.Num] {
	_, from := decParams(o.typ)
	f := pow10(scale - from)
	one := from == scale
	conv := func(x decimal128.Num) decimal128.Num {
		if one {
			return x
		}
		return x.Mul(f)
	}
	switch kindOf(o.typ) {
	case kInt:
		iv := ints(o)
		if iv.scalar {
			return vals[decimal128.Num]{s: conv(decimal128.FromI64(iv.s)), scalar: true}
		}
		out := make([]decimal128.Num, len(iv.v))
		for i, x := range iv.v {
			out[i] = conv(decimal128.FromI64(x))
		}
		return vals[decimal128.Num]{v: out}
	case kDec:
		if o.scalar {
			x, _ := o.s.(decimal128.Num)
			return vals[decimal128.Num]{s: conv(x), scalar: true}
		}
		v := o.arr.(*array.Decimal128).Values()
		if one {
			return vals[decimal128.Num]{v: v}
		}
		out := make([]decimal128.Num, len(v))
		for i, x := range v {
			out[i] = x.Mul(f)
		}
		return vals[decimal128.Num]{v: out}
	}
	return vals[decimal128.Num]{scalar: true}
}

func dates(o operand) vals[arrow.Date32] {
	if o.scalar {
		x, _ := o.s.(arrow.Date32)
		return vals[arrow.Date32]{s: x, scalar: true}
	}
	return vals[arrow.Date32]{v: o.arr.(*array.Date32).Date32Values()}
}

func bools(o operand, rows int) vals[bool] {
	if o.scalar {
		x, _ := o.s.(bool)
		return vals[bool]{s: x, scalar: true}
	}
	a := o.arr.(*array.Boolean)
	out := make([]bool, rows)
	for i := range out {
		out[i] = a.Value(i)
	}
	return vals[bool]{v: out}
}

type strs struct {
	a      *array.String
	s      string
	scalar bool
}

func (v strs) at(i int) string {
	if v.scalar {
		return v.s
	}
	return v.a.Value(i)
}

func strVals(o operand) strs {
	if o.scalar {
		x, _ := o.s.(string)
		return strs{s: x, scalar: true}
	}
	return strs{a: o.arr.(*array.String)}
}

func result(typ arrow.DataType, arr arrow.Array) operand { return operand{typ: typ, arr: arr} }

func map2[T, U any](a, b vals[T], rows int, f func(x, y T) U) []U {
	out := make([]U, rows)
	switch {
	case !a.scalar && !b.scalar:
		for i := range out {
			out[i] = f(a.v[i], b.v[i])
		}
	case a.scalar && !b.scalar:
		for i := range out {
			out[i] = f(a.s, b.v[i])
		}
	case !a.scalar && b.scalar:
		for i := range out {
			out[i] = f(a.v[i], b.s)
		}
	default:
		x := f(a.s, b.s)
		for i := range out {
			out[i] = x
		}
	}
	return out
}

func arith(op string, typ arrow.DataType, x, y operand, rows int) operand {
	valid := nulls(rows, x, y)
	switch kindOf(typ) {
	case kInt:
		a, b := ints(x), ints(y)
		var f func(p, q int64) int64
		switch op {
		case "+":
			f = func(p, q int64) int64 { return p + q }
		case "-":
			f = func(p, q int64) int64 { return p - q }
		default:
			f = func(p, q int64) int64 { return p * q }
		}
		return result(typ, fixed(typ, map2(a, b, rows, f), valid))
	case kFloat:
		a, b := floats(x), floats(y)
		var f func(p, q float64) float64
		switch op {
		case "+":
			f = func(p, q float64) float64 { return p + q }
		case "-":
			f = func(p, q float64) float64 { return p - q }
		case "*":
			f = func(p, q float64) float64 { return p * q }
		default:
			f = func(p, q float64) float64 { return p / q }
		}
		out := map2(a, b, rows, f)
		if op == "/" {
			for i, v := range out {
				if math.IsInf(v, 0) || math.IsNaN(v) {
					valid.setNull(i)
				}
			}
		}
		return result(typ, fixed(typ, out, valid))
	}
	_, scale := decParams(typ)
	var a, b vals[decimal128.Num]
	if op == "*" {
		_, sx := decParams(x.typ)
		_, sy := decParams(y.typ)
		a, b = decs(x, sx), decs(y, sy)
	} else {
		a, b = decs(x, scale), decs(y, scale)
	}
	return result(typ, fixed(typ, decArith(op, a, b, rows), valid))
}

// decArith is map2 of a decimal operator, with the operator's call in the
// loop (inlined) instead of through a function value: the hot loop of
// money arithmetic.
func decArith(op string, a, b vals[decimal128.Num], rows int) []decimal128.Num {
	if a.scalar && b.scalar {
		var f func(p, q decimal128.Num) decimal128.Num
		switch op {
		case "+":
			f = decimal128.Num.Add
		case "-":
			f = decimal128.Num.Sub
		default:
			f = decimal128.Num.Mul
		}
		return map2(a, b, rows, f)
	}
	out := make([]decimal128.Num, rows)
	av, bv := a.v, b.v
	if a.scalar {
		av = nil
	}
	if b.scalar {
		bv = nil
	}
	switch {
	case op == "+" && av != nil && bv != nil:
		for i := range out {
			out[i] = av[i].Add(bv[i])
		}
	case op == "+" && av != nil:
		for i := range out {
			out[i] = av[i].Add(b.s)
		}
	case op == "+":
		for i := range out {
			out[i] = a.s.Add(bv[i])
		}
	case op == "-" && av != nil && bv != nil:
		for i := range out {
			out[i] = av[i].Sub(bv[i])
		}
	case op == "-" && av != nil:
		for i := range out {
			out[i] = av[i].Sub(b.s)
		}
	case op == "-":
		for i := range out {
			out[i] = a.s.Sub(bv[i])
		}
	case av != nil && bv != nil:
		for i := range out {
			out[i] = av[i].Mul(bv[i])
		}
	case av != nil:
		for i := range out {
			out[i] = av[i].Mul(b.s)
		}
	default:
		for i := range out {
			out[i] = a.s.Mul(bv[i])
		}
	}
	return out
}

func compare(op string, as arrow.DataType, x, y operand, rows int) operand {
	valid := nulls(rows, x, y)
	var c []int8
	switch kindOf(as) {
	case kInt:
		c = map2(ints(x), ints(y), rows, cmp3[int64])
	case kFloat:
		c = map2(floats(x), floats(y), rows, func(p, q float64) int8 { return int8(cmpFloat(p, q)) })
	case kDec:
		_, scale := decParams(as)
		c = map2(decs(x, scale), decs(y, scale), rows, func(p, q decimal128.Num) int8 { return int8(p.Cmp(q)) })
	case kDate:
		c = map2(dates(x), dates(y), rows, cmp3[arrow.Date32])
	case kBool:
		c = map2(bools(x, rows), bools(y, rows), rows, func(p, q bool) int8 {
			switch {
			case p == q:
				return 0
			case !p:
				return -1
			}
			return 1
		})
	case kString:
		a, b := strVals(x), strVals(y)
		c = make([]int8, rows)
		for i := range c {
			p, q := a.at(i), b.at(i)
			switch {
			case p < q:
				c[i] = -1
			case p > q:
				c[i] = 1
			}
		}
	default: // null against null
		c = make([]int8, rows)
	}
	out := make([]bool, rows)
	for i, v := range c {
		switch op {
		case "=":
			out[i] = v == 0
		case "<>":
			out[i] = v != 0
		case "<":
			out[i] = v < 0
		case "<=":
			out[i] = v <= 0
		case ">":
			out[i] = v > 0
		default:
			out[i] = v >= 0
		}
	}
	return result(arrow.FixedWidthTypes.Boolean, boolArray(out, valid))
}

func cmp3[T int64 | arrow.Date32](p, q T) int8 {
	switch {
	case p < q:
		return -1
	case p > q:
		return 1
	}
	return 0
}

// logic is SQL's three-valued and/or.
func logic(op string, x, y operand, rows int) operand {
	a, b := bools(x, rows), bools(y, rows)
	out := make([]bool, rows)
	valid := newBitmap(rows)
	for i := range out {
		p, pn := a.at(i), x.null(i)
		q, qn := b.at(i), y.null(i)
		if op == "and" {
			switch {
			case (!pn && !p) || (!qn && !q):
				out[i] = false
			case pn || qn:
				valid.setNull(i)
			default:
				out[i] = true
			}
		} else {
			switch {
			case (!pn && p) || (!qn && q):
				out[i] = true
			case pn || qn:
				valid.setNull(i)
			}
		}
	}
	return result(arrow.FixedWidthTypes.Boolean, boolArray(out, valid))
}

func notKernel(x operand, rows int) operand {
	a := bools(x, rows)
	out := make([]bool, rows)
	for i := range out {
		out[i] = !a.at(i)
	}
	return result(arrow.FixedWidthTypes.Boolean, boolArray(out, nulls(rows, x)))
}

func isNullKernel(x operand, rows int) operand {
	out := make([]bool, rows)
	for i := range out {
		out[i] = x.null(i)
	}
	return result(arrow.FixedWidthTypes.Boolean, boolArray(out, newBitmap(rows)))
}

func yearKernel(x operand, rows int) operand {
	d := dates(x)
	out := make([]int64, rows)
	for i := range out {
		out[i] = int64(yearOf(d.at(i)))
	}
	return result(arrow.PrimitiveTypes.Int64, fixed(arrow.PrimitiveTypes.Int64, out, nulls(rows, x)))
}

// yearOf is the proleptic Gregorian year of a day count since 1970-01-01
// (Howard Hinnant's civil_from_days).
func yearOf(d arrow.Date32) int {
	z := int64(d) + 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	if mp >= 10 { // January or February: the civil year is the next
		y++
	}
	return int(y)
}

func addDays(x operand, rows int, days int32) operand {
	d := dates(x)
	if d.scalar {
		if x.s == nil {
			return x
		}
		return operand{typ: x.typ, s: d.s + arrow.Date32(days), scalar: true}
	}
	out := make([]arrow.Date32, rows)
	for i := range out {
		out[i] = d.v[i] + arrow.Date32(days)
	}
	return result(arrow.FixedWidthTypes.Date32, fixed(arrow.FixedWidthTypes.Date32, out, nulls(rows, x)))
}

func toFloat(x operand, rows int) operand {
	f := floats(x)
	if f.scalar {
		if x.s == nil {
			return operand{typ: arrow.PrimitiveTypes.Float64, scalar: true}
		}
		return operand{typ: arrow.PrimitiveTypes.Float64, s: f.s, scalar: true}
	}
	return result(arrow.PrimitiveTypes.Float64, fixed(arrow.PrimitiveTypes.Float64, f.v, nulls(rows, x)))
}

func stringPredicate(x operand, rows int, f func(string) bool) operand {
	s := strVals(x)
	out := make([]bool, rows)
	for i := range out {
		out[i] = f(s.at(i))
	}
	return result(arrow.FixedWidthTypes.Boolean, boolArray(out, nulls(rows, x)))
}
