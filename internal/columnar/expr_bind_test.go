package columnar

import (
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

func TestLiterals(t *testing.T) {
	rec := newBatch(t, column{"x", i64, []any{int64(1), nil, int64(3)}})
	defer rec.Release()
	for _, c := range []struct {
		e    Expr
		typ  string
		want any
	}{
		{Lit(7), "int64", int64(7)},
		{Lit(int64(-8)), "int64", int64(-8)},
		{Lit(int32(9)), "int64", int64(9)},
		{Lit(2.5), "float64", 2.5},
		{Lit("it's"), "utf8", "it's"},
		{Lit(true), "bool", true},
		{Lit(nil), "null", nil},
		{Dec("0.05"), "decimal(3,2)", dec("5")},
		{Dec("-12"), "decimal(2,0)", dec("-12")},
		{Dec("+123.4567"), "decimal(7,4)", dec("1234567")},
		{Dec("-.5"), "decimal(1,1)", dec("-5")},
		{Date("1995-03-15"), "date32", day(1995, 3, 15)},
		{Date("1901-07-04"), "date32", day(1901, 7, 4)},
		{Lit(3).Add(Lit(4)).Mul(Lit(2)), "int64", int64(14)},
		{Dec("1.5").Mul(Dec("0.2")), "decimal(5,2)", dec("30")},
		{Date("2024-02-28").AddDays(1), "date32", day(2024, 2, 29)},
	} {
		b, err := c.e.Bind(rec.Schema())
		if err != nil {
			t.Errorf("%s: Bind: %v", c.e, err)
			continue
		}
		if got := typeName(b.Type()); got != c.typ {
			t.Errorf("%s: type %s, want %s", c.e, got, c.typ)
		}
		arr := b.Eval(rec)
		if got := cells(arr); !slices.Equal(got, []any{c.want, c.want, c.want}) {
			t.Errorf("%s: got %v, want %v three times", c.e, got, c.want)
		}
		arr.Release()
	}
}

func TestBindErrors(t *testing.T) {
	rec := newBatch(t,
		column{"i", i64, nil}, column{"s", str, nil}, column{"b", boolT, nil},
		column{"dt", date, nil}, column{"u", arrow.PrimitiveTypes.Uint32, nil})
	defer rec.Release()
	for _, c := range []struct {
		e    Expr
		want []string
	}{
		{Expr{}, []string{"empty expression"}},
		{Col("zz"), []string{`no column "zz"`, "columns: i, s, b, dt, u"}},
		{Col("i").Add(Col("zz")).Gt(Lit(1)), []string{`((i + zz) > 1): no column "zz"`}},
		{Col("u"), []string{`column "u" has type uint32`, "do not support"}},
		{Col("s").Add(Lit(1)), []string{"+ of utf8 and int64, want numbers"}},
		{Col("b").Mul(Col("i")), []string{"* of bool and int64, want numbers"}},
		{Col("s").Lt(Col("i")), []string{"cannot compare utf8 with int64"}},
		{Col("dt").Eq(Lit(1)), []string{"cannot compare date32 with int64"}},
		{Col("dt").Eq(Lit("1995-01-01")), []string{"cannot compare date32 with utf8"}},
		{Col("i").And(Col("b")), []string{"and of int64 and bool, want booleans"}},
		{Col("b").Or(Col("s")), []string{"or of bool and utf8, want booleans"}},
		{Col("i").Not(), []string{"not of int64"}},
		{Col("i").Year(), []string{"year of int64, want a date"}},
		{Col("s").AddDays(1), []string{"adding days to utf8, want a date"}},
		{Col("i").StartsWith("x"), []string{"startswith of int64, want a string"}},
		{Col("b").Contains("x"), []string{"contains of bool, want a string"}},
		{Col("s").Float(), []string{"float of utf8"}},
		{Lit(uint8(1)), []string{"literal of unsupported type uint8"}},
		{Col("i").Add(Dec("1.2.3")), []string{`bad decimal literal "1.2.3"`}},
		{Dec(""), []string{`bad decimal literal ""`}},
		{Dec("1e5"), []string{`bad decimal literal "1e5"`}},
		{Dec("--1"), []string{`bad decimal literal "--1"`}},
		{Dec(strings.Repeat("9", 39)), []string{"bad decimal literal"}},
		{Date("1995-13-01"), []string{`bad date literal "1995-13-01"`}},
	} {
		_, err := c.e.Bind(rec.Schema())
		if err == nil {
			t.Errorf("%s: Bind succeeded, want an error", c.e)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q, want it to contain %q", c.e, err, w)
			}
		}
	}
}

func TestExprString(t *testing.T) {
	for _, c := range []struct {
		e    Expr
		want string
	}{
		{Col("d").Mul(Dec("1").Sub(Col("e"))), "(d * (1 - e))"},
		{Col("dt").Le(Date("1998-09-02")), "(dt <= date '1998-09-02')"},
		{Col("s").Eq(Lit("it's")), "(s = 'it''s')"},
		{Col("dt").AddDays(-30).Year(), "year((dt + -30 days))"},
		{Col("s").StartsWith("ab").Or(Lit(nil).IsNull().Not()), `(startswith(s, "ab") or not(isnull(null)))`},
		{Lit(2.5).Div(Lit(1)), "(2.5 / 1)"},
		{Expr{}, "<nil>"},
	} {
		if got := c.e.String(); got != c.want {
			t.Errorf("String: got %s, want %s", got, c.want)
		}
	}
	e := Col("a").Add(Col("b")).Mul(Col("a")).Gt(Col("c").AddDays(1).Year())
	if got, want := e.Columns(), []string{"a", "b", "c"}; !slices.Equal(got, want) {
		t.Errorf("Columns: got %v, want %v", got, want)
	}
}
