package columnar

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

// row is one input row of the expression tests, by column name.
type row map[string]any

// null reports whether any of the named cells is null.
func (r row) null(names ...string) bool {
	for _, n := range names {
		if r[n] == nil {
			return true
		}
	}
	return false
}

func (r row) int(n string) int64         { return r[n].(int64) }
func (r row) str(n string) string        { return r[n].(string) }
func (r row) date(n string) arrow.Date32 { return r[n].(arrow.Date32) }

// flt is a number cell as float64; decimals are of scale 2 or 4 by name.
func (r row) flt(n string) float64 {
	switch x := r[n].(type) {
	case float64:
		return x
	case int64:
		return float64(x)
	case dec:
		f, _ := new(big.Rat).SetFrac(x.big(), pow10Int(exprScale[n])).Float64()
		return f
	}
	panic("flt of " + n)
}

// big is an integer or decimal cell's unscaled value.
func (r row) big(n string) *big.Int {
	switch x := r[n].(type) {
	case int64:
		return big.NewInt(x)
	case dec:
		return x.big()
	}
	panic("big of " + n)
}

// exprScale is the scale of the decimal columns of exprData.
var exprScale = map[string]int{"d": 2, "e": 2, "q": 4}

func pow10Int(n int) *big.Int { return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil) }

// scaled is x × 10^n.
func scaled(x *big.Int, n int) *big.Int { return new(big.Int).Mul(x, pow10Int(n)) }

func add(x, y *big.Int) *big.Int { return new(big.Int).Add(x, y) }
func sub(x, y *big.Int) *big.Int { return new(big.Int).Sub(x, y) }
func mul(x, y *big.Int) *big.Int { return new(big.Int).Mul(x, y) }

var exprWords = []any{"", "a", "app", "apple", "application", "banana", "bandana", "ébène",
	"m", "mango", "zeta", "Zeta", "a string longer than sixteen bytes"}

// exprDates are edge dates: around 1970, leap days, century years.
var exprDates = []any{
	day(1969, 12, 31), day(1970, 1, 1), day(1968, 2, 29), day(1968, 3, 1), day(1900, 2, 28),
	day(1900, 3, 1), day(2000, 2, 29), day(2000, 3, 1), day(1600, 2, 29), day(1, 1, 1),
	day(0, 12, 31), day(0, 2, 29), day(-1, 3, 1), day(9999, 12, 31), day(1995, 3, 15),
	day(2100, 2, 28), day(2100, 3, 1), day(1582, 10, 15), day(1999, 12, 31), day(2024, 1, 1),
}

// exprData is the input of the expression tests: 400 rows of every type
// with nulls, the first ones hand-made (every pair of b and c, zeros,
// edge dates), the rest random with a fixed seed.
func exprData(t *testing.T) (arrow.RecordBatch, []row) {
	r := rand.New(rand.NewPCG(1, 2))
	const n = 400
	tri := []any{true, false, nil}
	cols := []column{
		{"i", i64, gen(r, n, 10, func() any { return r.Int64N(2001) - 1000 })},
		{"j", i32, gen(r, n, 10, func() any { return r.Int64N(101) - 50 })},
		{"f", f64, gen(r, n, 10, func() any { return float64(r.IntN(401)-200) / 2 })},
		{"h", f32, gen(r, n, 10, func() any { return float64(r.IntN(81)-40) / 4 })},
		{"d", decT(15, 2), gen(r, n, 10, func() any { return decOf(big.NewInt(r.Int64N(2e7) - 1e7)) })},
		{"e", decT(15, 2), gen(r, n, 10, func() any { return decOf(big.NewInt(r.Int64N(11))) })},
		{"q", decT(10, 4), gen(r, n, 10, func() any { return decOf(big.NewInt(r.Int64N(2e9) - 1e9)) })},
		{"dt", date, gen(r, n, 10, func() any { return arrow.Date32(r.IntN(1_500_000) - 750_000) })},
		{"dt2", date, gen(r, n, 10, func() any { return arrow.Date32(r.IntN(20000)) })},
		{"s", str, gen(r, n, 10, func() any { return pick(r, exprWords...) })},
		{"s2", str, gen(r, n, 10, func() any { return pick(r, exprWords...) })},
		{"b", boolT, gen(r, n, 20, func() any { return r.IntN(2) == 0 })},
		{"c", boolT, gen(r, n, 20, func() any { return r.IntN(2) == 0 })},
		{"n", nullT, make([]any, n)},
	}
	byName := map[string][]any{}
	for _, c := range cols {
		byName[c.name] = c.vals
	}
	for k := range 9 {
		byName["b"][k], byName["c"][k] = tri[k/3], tri[k%3]
	}
	copy(byName["dt"], exprDates)
	byName["i"][0], byName["j"][0], byName["j"][1], byName["f"][2], byName["h"][3] = int64(0), int64(0), int64(0), 0.0, 0.0
	byName["e"][4], byName["d"][5] = dec("0"), dec("250")
	byName["f"][10], byName["f"][11], byName["h"][11] = math.NaN(), math.NaN(), 1.0
	byName["s"][6], byName["s2"][6] = "apple", "apple"
	rows := make([]row, n)
	for i := range rows {
		rows[i] = row{}
		for name, vals := range byName {
			rows[i][name] = vals[i]
		}
	}
	return newBatch(t, cols...), rows
}

// exprCase is an expression, its result type and its value on a row.
type exprCase struct {
	e   Expr
	typ string
	ref func(r row) any
}

// runExprCases binds each case to exprData, evaluates it over the whole
// batch and over a slice of it, and compares every row with the reference.
func runExprCases(t *testing.T, cases []exprCase) {
	t.Helper()
	rec, rows := exprData(t)
	defer rec.Release()
	for _, c := range cases {
		t.Run(c.e.String(), func(t *testing.T) {
			b, err := c.e.Bind(rec.Schema())
			if err != nil {
				t.Fatalf("Bind: %v", err)
			}
			if got := typeName(b.Type()); got != c.typ {
				t.Errorf("type: got %s, want %s", got, c.typ)
			}
			for _, lo := range []int64{0, 7} {
				part := rec.NewSlice(lo, rec.NumRows())
				arr := b.Eval(part)
				if !arrow.TypeEqual(arr.DataType(), b.Type()) {
					t.Errorf("array type %s, bound type %s", arr.DataType(), b.Type())
				}
				bad := 0
				for i, got := range cells(arr) {
					want := c.ref(rows[int(lo)+i])
					if !sameCell(got, want) && bad < 3 {
						bad++
						t.Errorf("offset %d, row %d %v: got %v, want %v", lo, int(lo)+i, rows[int(lo)+i], got, want)
					}
				}
				arr.Release()
				part.Release()
			}
		})
	}
}

func sameCell(got, want any) bool {
	if g, ok := got.(float64); ok {
		w, ok := want.(float64)
		return ok && sameFloat(g, w)
	}
	return got == want
}

// div is the reference of a float division: null for x/0.
func div(x, y float64) any {
	q := x / y
	if math.IsInf(q, 0) || math.IsNaN(q) {
		return nil
	}
	return q
}

func TestArithmetic(t *testing.T) {
	runExprCases(t, []exprCase{
		{Col("i").Add(Col("j")), "int64", func(r row) any {
			if r.null("i", "j") {
				return nil
			}
			return r.int("i") + r.int("j")
		}},
		{Col("i").Sub(Lit(7)), "int64", func(r row) any {
			if r.null("i") {
				return nil
			}
			return r.int("i") - 7
		}},
		{Col("i").Mul(Col("j")), "int64", func(r row) any {
			if r.null("i", "j") {
				return nil
			}
			return r.int("i") * r.int("j")
		}},
		{Lit(int32(3)).Mul(Col("j")).Add(Col("j")), "int64", func(r row) any {
			if r.null("j") {
				return nil
			}
			return 4 * r.int("j")
		}},
		{Col("i").Div(Col("j")), "float64", func(r row) any {
			if r.null("i", "j") {
				return nil
			}
			return div(float64(r.int("i")), float64(r.int("j")))
		}},
		{Col("i").Add(Lit(nil)), "int64", func(r row) any { return nil }},
		{Col("f").Add(Col("i")), "float64", func(r row) any {
			if r.null("f", "i") {
				return nil
			}
			return r.flt("f") + r.flt("i")
		}},
		{Col("f").Mul(Col("h")).Sub(Lit(1.5)), "float64", func(r row) any {
			if r.null("f", "h") {
				return nil
			}
			return r.flt("f")*r.flt("h") - 1.5
		}},
		{Col("f").Div(Col("h")), "float64", func(r row) any {
			if r.null("f", "h") {
				return nil
			}
			return div(r.flt("f"), r.flt("h"))
		}},
		{Col("f").Div(Lit(0.0)), "float64", func(r row) any { return nil }},
		{Col("h").Add(Col("h")), "float64", func(r row) any {
			if r.null("h") {
				return nil
			}
			return 2 * r.flt("h")
		}},
		{Col("d").Add(Col("e")), "decimal(16,2)", func(r row) any {
			if r.null("d", "e") {
				return nil
			}
			return decOf(add(r.big("d"), r.big("e")))
		}},
		{Col("d").Sub(Col("q")), "decimal(18,4)", func(r row) any {
			if r.null("d", "q") {
				return nil
			}
			return decOf(sub(scaled(r.big("d"), 2), r.big("q")))
		}},
		{Col("d").Mul(Col("e")), "decimal(31,4)", func(r row) any {
			if r.null("d", "e") {
				return nil
			}
			return decOf(mul(r.big("d"), r.big("e")))
		}},
		{Col("d").Mul(Dec("1").Sub(Col("e"))), "decimal(32,4)", func(r row) any {
			if r.null("d", "e") {
				return nil
			}
			return decOf(mul(r.big("d"), sub(big.NewInt(100), r.big("e"))))
		}},
		{Col("d").Mul(Dec("1").Sub(Col("e"))).Mul(Dec("1").Add(Col("e"))), "decimal(38,6)", func(r row) any {
			if r.null("d", "e") {
				return nil
			}
			return decOf(mul(mul(r.big("d"), sub(big.NewInt(100), r.big("e"))), add(big.NewInt(100), r.big("e"))))
		}},
		{Col("i").Add(Col("d")), "decimal(22,2)", func(r row) any {
			if r.null("i", "d") {
				return nil
			}
			return decOf(add(scaled(r.big("i"), 2), r.big("d")))
		}},
		{Col("i").Mul(Col("d")), "decimal(35,2)", func(r row) any {
			if r.null("i", "d") {
				return nil
			}
			return decOf(mul(r.big("i"), r.big("d")))
		}},
		{Col("j").Sub(Col("d")), "decimal(22,2)", func(r row) any {
			if r.null("j", "d") {
				return nil
			}
			return decOf(sub(scaled(r.big("j"), 2), r.big("d")))
		}},
		{Col("d").Mul(Dec("0.05")), "decimal(19,4)", func(r row) any {
			if r.null("d") {
				return nil
			}
			return decOf(mul(r.big("d"), big.NewInt(5)))
		}},
		{Dec("-12").Add(Col("d")), "decimal(16,2)", func(r row) any {
			if r.null("d") {
				return nil
			}
			return decOf(add(big.NewInt(-1200), r.big("d")))
		}},
		{Col("d").Add(Lit(1)), "decimal(22,2)", func(r row) any {
			if r.null("d") {
				return nil
			}
			return decOf(add(r.big("d"), big.NewInt(100)))
		}},
		{Col("d").Div(Col("e")), "float64", func(r row) any {
			if r.null("d", "e") || r.big("e").Sign() == 0 {
				return nil
			}
			f, _ := new(big.Rat).SetFrac(r.big("d"), r.big("e")).Float64()
			return f
		}},
		{Col("d").Add(Col("f")), "float64", func(r row) any {
			if r.null("d", "f") {
				return nil
			}
			return r.flt("d") + r.flt("f")
		}},
		{Col("q").Float(), "float64", func(r row) any {
			if r.null("q") {
				return nil
			}
			return r.flt("q")
		}},
		{Col("j").Float(), "float64", func(r row) any {
			if r.null("j") {
				return nil
			}
			return r.flt("j")
		}},
	})
}

// TestArithTypes checks the result type rules of arithType.
func TestArithTypes(t *testing.T) {
	for _, c := range []struct {
		op   string
		a, b arrow.DataType
		want string
	}{
		{"+", i64, i32, "int64"},
		{"*", i8, i16, "int64"},
		{"-", f32, i64, "float64"},
		{"/", i64, i64, "float64"},
		{"/", decT(15, 2), decT(15, 2), "float64"},
		{"+", decT(15, 2), decT(10, 4), "decimal(18,4)"},
		{"-", i64, decT(15, 2), "decimal(22,2)"},
		{"*", decT(15, 2), decT(15, 2), "decimal(31,4)"},
		{"*", decT(38, 10), decT(38, 10), "decimal(38,20)"},
		{"+", decT(38, 0), decT(38, 0), "decimal(38,0)"},
		{"+", nullT, i64, "int64"},
		{"*", decT(7, 3), nullT, "decimal(15,6)"},
		{"+", f64, decT(15, 2), "float64"},
	} {
		got, err := arithType(c.op, c.a, c.b)
		if err != nil || typeName(got) != c.want {
			t.Errorf("%s %s %s: got %v, %v; want %s", typeName(c.a), c.op, typeName(c.b), got, err, c.want)
		}
	}
}
