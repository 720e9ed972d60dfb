package columnar

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

// refAgg is the reference of one aggregate: its kind, its input cell of a
// row, and the input's decimal scale.
type refAgg struct {
	kind  AggKind
	in    func(r row) any
	scale int
}

func colIn(name string) func(r row) any { return func(r row) any { return r[name] } }

// refAggregate groups rows by the key columns (in order of first
// appearance) and computes aggs per group: one output row per group,
// keys first, rendered by its keys. A global aggregate (no keys) has one
// group even without rows.
func refAggregate(rows []row, keys []string, aggs []refAgg) map[string][]any {
	groups := map[string][]row{}
	var order [][]any
	if len(keys) == 0 {
		groups[render(nil)] = nil
		order = append(order, nil)
	}
	for _, r := range rows {
		var key []any
		for _, k := range keys {
			key = append(key, r[k])
		}
		rk := render(key)
		if _, ok := groups[rk]; !ok && len(keys) > 0 {
			order = append(order, key)
		}
		groups[rk] = append(groups[rk], r)
	}
	out := map[string][]any{}
	for _, key := range order {
		res := append([]any(nil), key...)
		for _, g := range aggs {
			var in []any
			for _, r := range groups[render(key)] {
				if g.kind == Count && g.in == nil {
					in = append(in, true)
				} else {
					in = append(in, g.in(r))
				}
			}
			res = append(res, refValue(g.kind, in, g.scale))
		}
		out[render(key)] = res
	}
	return out
}

// refValue is aggregate kind over the cells in of one group.
func refValue(kind AggKind, in []any, scale int) any {
	var vals []any
	for _, v := range in {
		if v != nil {
			vals = append(vals, v)
		}
	}
	switch kind {
	case Count:
		return int64(len(vals))
	case CountDistinct:
		seen := map[string]bool{}
		for _, v := range vals {
			seen[render([]any{v})] = true
		}
		return int64(len(seen))
	}
	if len(vals) == 0 {
		return nil
	}
	switch kind {
	case Sum:
		return refSum(vals)
	case Avg:
		n := float64(len(vals))
		switch s := refSum(vals).(type) {
		case int64:
			return float64(s) / n
		case float64:
			return s / n
		case dec:
			f, _ := new(big.Float).SetInt(s.big()).Float64()
			return f / (n * math.Pow10(scale))
		}
	case Min, Max:
		best := vals[0]
		for _, v := range vals[1:] {
			if (kind == Min && refLess(v, best)) || (kind == Max && refLess(best, v)) {
				best = v
			}
		}
		return best
	}
	panic("refValue of " + kind.String())
}

func refSum(vals []any) any {
	switch vals[0].(type) {
	case int64:
		var s int64
		for _, v := range vals {
			s += v.(int64)
		}
		return s
	case float64:
		var s float64
		for _, v := range vals {
			s += v.(float64)
		}
		return s
	}
	s := new(big.Int)
	for _, v := range vals {
		s.Add(s, v.(dec).big())
	}
	return decOf(s)
}

func refLess(a, b any) bool {
	switch x := a.(type) {
	case int64:
		return x < b.(int64)
	case float64: // NaN above every other value
		y := b.(float64)
		return x < y || (x == x && y != y)
	case dec:
		return x.big().Cmp(b.(dec).big()) < 0
	case arrow.Date32:
		return x < b.(arrow.Date32)
	case string:
		return x < b.(string)
	}
	panic("refLess")
}

// aggData is the input of the aggregation tests: key columns g (string),
// h (int32), x32 (float32) and dt (date) with few values and nulls, and
// value columns of every type.
func aggData(t *testing.T, r *rand.Rand, n int) (arrow.RecordBatch, []row) {
	cols := []column{
		{"g", str, gen(r, n, 5, func() any { return pick(r, "A", "N", "R") })},
		{"h", i32, gen(r, n, 5, func() any { return int64(r.IntN(3) + 1) })},
		{"x32", f32, gen(r, n, 5, func() any { return pick(r, 0.5, 1.5) })},
		{"dt", date, gen(r, n, 5, func() any { return arrow.Date32(r.IntN(5)*365 + 9000) })},
		{"i", i64, gen(r, n, 10, func() any { return r.Int64N(2e6) - 1e6 })},
		{"f", f64, gen(r, n, 10, func() any {
			if r.IntN(500) == 0 {
				return math.NaN()
			}
			return float64(r.IntN(8001)-4000) / 4
		})},
		{"d", decT(15, 2), gen(r, n, 10, func() any { return decOf(big.NewInt(r.Int64N(2e9) - 1e9)) })},
		{"e", decT(15, 2), gen(r, n, 10, func() any { return decOf(big.NewInt(r.Int64N(11))) })},
		{"day", date, gen(r, n, 10, func() any { return arrow.Date32(r.IntN(40000) - 20000) })},
		{"s", str, gen(r, n, 10, func() any { return pick(r, keyWords...) })},
		{"n", nullT, make([]any, n)},
	}
	rows := make([]row, n)
	for i := range rows {
		rows[i] = row{}
		for _, c := range cols {
			rows[i][c.name] = c.vals[i]
		}
	}
	return newBatch(t, cols...), rows
}

// discounted is the reference of d * (1 - e): scale 4.
func discounted(r row) any {
	if r.null("d", "e") {
		return nil
	}
	return decOf(mul(r.big("d"), sub(big.NewInt(100), r.big("e"))))
}
