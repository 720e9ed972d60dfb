package columnar

import (
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
)

// cmpCase is a comparison case: the three-way comparison of two cells of
// a row (both not null).
func cmpCase(e Expr, names []string, c func(r row) int, test func(int) bool) exprCase {
	return exprCase{e, "bool", func(r row) any {
		if r.null(names...) {
			return nil
		}
		return test(c(r))
	}}
}

func cmpOf[T int64 | float64 | string | arrow.Date32](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func TestComparisons(t *testing.T) {
	lt := func(c int) bool { return c < 0 }
	le := func(c int) bool { return c <= 0 }
	gt := func(c int) bool { return c > 0 }
	ge := func(c int) bool { return c >= 0 }
	eq := func(c int) bool { return c == 0 }
	ne := func(c int) bool { return c != 0 }
	lit1995 := day(1995, 3, 15)
	runExprCases(t, []exprCase{
		cmpCase(Col("i").Lt(Col("j")), []string{"i", "j"}, func(r row) int { return cmpOf(r.int("i"), r.int("j")) }, lt),
		cmpCase(Col("j").Eq(Lit(0)), []string{"j"}, func(r row) int { return cmpOf(r.int("j"), 0) }, eq),
		cmpCase(Col("i").Ge(Col("f")), []string{"i", "f"}, func(r row) int { return refCompare(r.flt("i"), r.flt("f")) }, ge),
		cmpCase(Col("h").Ne(Col("f")), []string{"h", "f"}, func(r row) int { return refCompare(r.flt("h"), r.flt("f")) }, ne),
		cmpCase(Col("f").Eq(Col("f")), []string{"f"}, func(r row) int { return 0 }, eq),
		cmpCase(Col("f").Gt(Lit(1e300)), []string{"f"}, func(r row) int { return refCompare(r.flt("f"), 1e300) }, gt),
		cmpCase(Col("f").Lt(Col("d")), []string{"f", "d"}, func(r row) int { return refCompare(r.flt("f"), r.flt("d")) }, lt),
		cmpCase(Col("d").Gt(Lit(5)), []string{"d"}, func(r row) int { return r.big("d").Cmp(big.NewInt(500)) }, gt),
		cmpCase(Col("d").Le(Dec("12.5")), []string{"d"}, func(r row) int { return r.big("d").Cmp(big.NewInt(1250)) }, le),
		cmpCase(Col("d").Lt(Col("q")), []string{"d", "q"}, func(r row) int { return scaled(r.big("d"), 2).Cmp(r.big("q")) }, lt),
		cmpCase(Col("i").Eq(Col("d")), []string{"i", "d"}, func(r row) int { return scaled(r.big("i"), 2).Cmp(r.big("d")) }, eq),
		cmpCase(Dec("2.50").Eq(Col("d")), []string{"d"}, func(r row) int { return big.NewInt(250).Cmp(r.big("d")) }, eq),
		cmpCase(Col("dt").Lt(Date("1995-03-15")), []string{"dt"}, func(r row) int { return cmpOf(r.date("dt"), lit1995) }, lt),
		cmpCase(Col("dt").Eq(Date("1995-03-15")), []string{"dt"}, func(r row) int { return cmpOf(r.date("dt"), lit1995) }, eq),
		cmpCase(Col("dt").Ge(Col("dt2")), []string{"dt", "dt2"}, func(r row) int { return cmpOf(r.date("dt"), r.date("dt2")) }, ge),
		cmpCase(Col("s").Lt(Lit("m")), []string{"s"}, func(r row) int { return cmpOf(r.str("s"), "m") }, lt),
		cmpCase(Col("s").Ne(Lit("apple")), []string{"s"}, func(r row) int { return cmpOf(r.str("s"), "apple") }, ne),
		cmpCase(Col("s").Eq(Col("s2")), []string{"s", "s2"}, func(r row) int { return cmpOf(r.str("s"), r.str("s2")) }, eq),
		cmpCase(Col("s").Ge(Col("s2")), []string{"s", "s2"}, func(r row) int { return cmpOf(r.str("s"), r.str("s2")) }, ge),
		cmpCase(Col("b").Lt(Col("c")), []string{"b", "c"}, func(r row) int { return cmpOf(b2i(r["b"]), b2i(r["c"])) }, lt),
		{Col("i").Eq(Lit(nil)), "bool", func(r row) any { return nil }},
		{Lit(nil).Lt(Col("s")), "bool", func(r row) any { return nil }},
	})
}

func b2i(v any) int64 {
	if v == true {
		return 1
	}
	return 0
}

// and3, or3 and not3 are SQL's three-valued logic over cells.
func and3(p, q any) any {
	switch {
	case p == false || q == false:
		return false
	case p == nil || q == nil:
		return nil
	}
	return true
}

func or3(p, q any) any {
	switch {
	case p == true || q == true:
		return true
	case p == nil || q == nil:
		return nil
	}
	return false
}

func not3(p any) any {
	if p == nil {
		return nil
	}
	return p != true
}

func TestLogic(t *testing.T) {
	positive := func(r row) any {
		if r.null("i") {
			return nil
		}
		return r.int("i") > 0
	}
	runExprCases(t, []exprCase{
		{Col("b").And(Col("c")), "bool", func(r row) any { return and3(r["b"], r["c"]) }},
		{Col("b").Or(Col("c")), "bool", func(r row) any { return or3(r["b"], r["c"]) }},
		{Col("b").Not(), "bool", func(r row) any { return not3(r["b"]) }},
		{Col("b").And(Lit(nil)), "bool", func(r row) any { return and3(r["b"], nil) }},
		{Lit(nil).Or(Col("c")), "bool", func(r row) any { return or3(nil, r["c"]) }},
		{Col("b").Or(Lit(true)), "bool", func(r row) any { return true }},
		{Lit(false).And(Lit(nil)), "bool", func(r row) any { return false }},
		{Lit(nil).Not(), "bool", func(r row) any { return nil }},
		{Col("i").Gt(Lit(0)).And(Col("b").Or(Col("c")).Not()), "bool", func(r row) any {
			return and3(positive(r), not3(or3(r["b"], r["c"])))
		}},
		{Col("b").Not().Or(Col("i").Gt(Lit(0))), "bool", func(r row) any { return or3(not3(r["b"]), positive(r)) }},
	})
}

func TestIsNull(t *testing.T) {
	var cases []exprCase
	for _, n := range []string{"i", "j", "f", "h", "d", "q", "dt", "s", "b", "n"} {
		cases = append(cases, exprCase{Col(n).IsNull(), "bool", func(r row) any { return r[n] == nil }})
	}
	cases = append(cases,
		exprCase{Lit(nil).IsNull(), "bool", func(r row) any { return true }},
		exprCase{Lit(1).IsNull(), "bool", func(r row) any { return false }},
		exprCase{Col("i").Add(Col("d")).IsNull(), "bool", func(r row) any { return r.null("i", "d") }},
		exprCase{Col("b").And(Col("c")).IsNull(), "bool", func(r row) any { return and3(r["b"], r["c"]) == nil }},
	)
	runExprCases(t, cases)
}

// TestNullColumn checks expressions over a column of type null (as a
// placeholder or a projected null literal is): every value is null.
func TestNullColumn(t *testing.T) {
	runExprCases(t, []exprCase{
		{Col("n").Add(Col("i")), "int64", func(r row) any { return nil }},
		{Col("n").Eq(Col("s")), "bool", func(r row) any { return nil }},
		{Col("dt").Lt(Col("n")), "bool", func(r row) any { return nil }},
		{Col("n").And(Col("b")), "bool", func(r row) any { return and3(nil, r["b"]) }},
		{Col("c").Or(Col("n")), "bool", func(r row) any { return or3(r["c"], nil) }},
		{Col("n").Not(), "bool", func(r row) any { return nil }},
		{Col("n"), "null", func(r row) any { return nil }},
	})
}

// civil is the date d by package time.
func civil(d arrow.Date32) time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

func TestDates(t *testing.T) {
	runExprCases(t, []exprCase{
		{Col("dt").Year(), "int64", func(r row) any {
			if r.null("dt") {
				return nil
			}
			return int64(civil(r.date("dt")).Year())
		}},
		{Col("dt").AddDays(30), "date32", func(r row) any {
			if r.null("dt") {
				return nil
			}
			return arrow.Date32(civil(r.date("dt")).AddDate(0, 0, 30).Unix() / 86400)
		}},
		{Col("dt2").AddDays(-365).Year(), "int64", func(r row) any {
			if r.null("dt2") {
				return nil
			}
			return int64(civil(r.date("dt2")).AddDate(0, 0, -365).Year())
		}},
		{Date("2000-02-28").AddDays(1), "date32", func(r row) any { return day(2000, 2, 29) }},
		{Date("1900-02-28").AddDays(1), "date32", func(r row) any { return day(1900, 3, 1) }},
		{Date("1969-12-31").Year(), "int64", func(r row) any { return int64(1969) }},
		{Col("dt").AddDays(1).Le(Date("1970-01-01")), "bool", func(r row) any {
			if r.null("dt") {
				return nil
			}
			return r.date("dt")+1 <= 0
		}},
	})
}

// TestYearOf checks yearOf on every day from year -400 to 2800 against
// package time.
func TestYearOf(t *testing.T) {
	for d := day(-400, 1, 1); d < day(2800, 1, 1); d++ {
		if got, want := yearOf(d), civil(d).Year(); got != want {
			t.Fatalf("yearOf(%d) (%s) = %d, want %d", d, civil(d).Format(time.DateOnly), got, want)
		}
	}
}

func TestStringPredicates(t *testing.T) {
	str := func(name string, f func(string) bool) func(r row) any {
		return func(r row) any {
			if r.null(name) {
				return nil
			}
			return f(r.str(name))
		}
	}
	runExprCases(t, []exprCase{
		{Col("s").StartsWith("app"), "bool", str("s", func(s string) bool { return strings.HasPrefix(s, "app") })},
		{Col("s").StartsWith(""), "bool", str("s", func(string) bool { return true })},
		{Col("s").Contains("an"), "bool", str("s", func(s string) bool { return strings.Contains(s, "an") })},
		{Col("s2").Contains("è"), "bool", str("s2", func(s string) bool { return strings.Contains(s, "è") })},
		{Lit("xyz").Contains("y"), "bool", func(r row) any { return true }},
		{Col("s").StartsWith("a").And(Col("s").Contains("p").Not()), "bool", str("s", func(s string) bool {
			return strings.HasPrefix(s, "a") && !strings.Contains(s, "p")
		})},
	})
}
