package columnar

import (
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

// sortData has a column of every sortable type, from small domains (so
// that keys tie) with nulls, and the row number "id".
func sortData(t *testing.T, r *rand.Rand, n int) arrow.RecordBatch {
	var ids []any
	for i := range n {
		ids = append(ids, int64(i))
	}
	return newBatch(t,
		column{"id", i64, ids},
		column{"i64", i64, gen(r, n, 10, func() any { return int64(r.IntN(7)-3) * 1e15 })},
		column{"i32", i32, gen(r, n, 10, func() any { return int64(r.IntN(7) - 3) })},
		column{"i16", i16, gen(r, n, 10, func() any { return int64(r.IntN(7) - 3) })},
		column{"i8", i8, gen(r, n, 10, func() any { return int64(r.IntN(7) - 3) })},
		column{"f64", f64, gen(r, n, 10, func() any { return pick(r, -1.5, 0, 2, math.Inf(1), math.Inf(-1), math.NaN()) })},
		column{"f32", f32, gen(r, n, 10, func() any { return pick(r, -1.5, 0, 2.25) })},
		column{"date", date, gen(r, n, 10, func() any { return arrow.Date32(r.IntN(5) - 2) })},
		column{"dec", decT(38, 2), gen(r, n, 10, func() any { return decOf(mul(big.NewInt(int64(r.IntN(5)-2)), pow10Int(22))) })},
		column{"str", str, gen(r, n, 10, func() any { return pick(r, "", "a", "ab", "b", "Straße", "a string longer than sixteen bytes") })},
		column{"bool", boolT, gen(r, n, 10, func() any { return r.IntN(2) == 0 })},
		column{"ph", nullT, make([]any, n)},
	)
}

// refCompare orders two cells of one column ascending: nulls first, NaN
// above every other float.
func refCompare(a, b any) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	if x, ok := a.(float64); ok {
		y := b.(float64)
		switch {
		case math.IsNaN(x) && math.IsNaN(y):
			return 0
		case math.IsNaN(x):
			return 1
		case math.IsNaN(y):
			return -1
		}
	}
	if x, ok := a.(bool); ok {
		return int(b2i(x) - b2i(b))
	}
	switch {
	case refLess(a, b):
		return -1
	case refLess(b, a):
		return 1
	}
	return 0
}

// refSort sorts rows stably by keys (column indices, descending where
// desc) and keeps at most limit of them when limit > 0.
func refSort(rows [][]any, cols []int, desc []bool, limit int) [][]any {
	out := slices.Clone(rows)
	slices.SortStableFunc(out, func(a, b []any) int {
		for k, c := range cols {
			r := refCompare(a[c], b[c])
			if desc[k] {
				r = -r
			}
			if r != 0 {
				return r
			}
		}
		return 0
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

func TestSort(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	rec := sortData(t, r, 500)
	defer rec.Release()
	rows := rowsOf(rec)
	for _, keys := range []string{
		"i64", "i32 desc", "i16", "i8 desc", "f64", "f64 desc", "f32", "f32 desc", "date", "dec desc", "str", "str desc",
		"bool", "bool desc", "bool,dec desc,date", "str desc,i32,f64 desc", "i8,i16 desc,i32,i64 desc",
		"date desc,bool,str,f32,dec", "id desc",
	} {
		var sk []SortKey
		var cols []int
		var desc []bool
		for _, k := range strings.Split(keys, ",") {
			name, d := strings.CutSuffix(k, " desc")
			sk = append(sk, SortKey{name, d})
			cols, desc = append(cols, rec.Schema().FieldIndices(name)[0]), append(desc, d)
		}
		o, err := PlanSort(rec.Schema(), sk)
		if err != nil {
			t.Fatal(err)
		}
		for _, limit := range []int{0, 1, 25, 1000} {
			parts := slicedBatches(rec, 170)
			got, err := o.Sort(parts, limit)
			release(parts)
			if err != nil {
				t.Fatalf("%s: %v", keys, err)
			}
			if !got.Schema().Equal(rec.Schema()) {
				t.Errorf("%s: schema %s, want %s", keys, got.Schema(), rec.Schema())
			}
			var gotLines, wantLines []string
			for _, row := range rowsOf(got) {
				gotLines = append(gotLines, render(row))
			}
			for _, row := range refSort(rows, cols, desc, limit) {
				wantLines = append(wantLines, render(row))
			}
			diffLines(t, keys+", limit "+render([]any{int64(limit)}), gotLines, wantLines)
			got.Release()
		}
	}
}

// TestSortNothing sorts no batches and empty ones: no rows.
func TestSortNothing(t *testing.T) {
	rec := sortData(t, rand.New(rand.NewPCG(1, 1)), 3)
	defer rec.Release()
	o, err := PlanSort(rec.Schema(), []SortKey{{"str", true}})
	if err != nil {
		t.Fatal(err)
	}
	empty := rec.NewSlice(0, 0)
	defer empty.Release()
	for _, recs := range [][]arrow.RecordBatch{nil, {empty}, {empty, empty}} {
		got, err := o.Sort(recs, 10)
		if err != nil {
			t.Fatalf("Sort of %d empty batches: %v", len(recs), err)
		}
		if got.NumRows() != 0 || !got.Schema().Equal(rec.Schema()) {
			t.Errorf("Sort of %d empty batches: %d rows of %s", len(recs), got.NumRows(), got.Schema())
		}
		got.Release()
	}
}

func TestPlanSortErrors(t *testing.T) {
	rec := sortData(t, rand.New(rand.NewPCG(1, 1)), 0)
	defer rec.Release()
	for _, c := range []struct {
		keys []SortKey
		want string
	}{
		{nil, "at least one key"},
		{[]SortKey{{"zz", false}}, `no column "zz" to sort by`},
		{[]SortKey{{"ph", false}}, `cannot sort by "ph" of type null`},
	} {
		if _, err := PlanSort(rec.Schema(), c.keys); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("PlanSort(%v): error %v, want %q", c.keys, err, c.want)
		}
	}
}
