package columnar

import (
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

// testAggs are every kind of aggregate over every input type that takes
// it, with the reference of each and its result type.
var testAggs = []struct {
	agg Agg
	ref refAgg
	typ string
}{
	{Agg{Sum, Col("i"), "sum_i"}, refAgg{Sum, colIn("i"), 0}, "int64"},
	{Agg{Sum, Col("h"), "sum_h"}, refAgg{Sum, colIn("h"), 0}, "int64"},
	{Agg{Sum, Col("f"), "sum_f"}, refAgg{Sum, colIn("f"), 0}, "float64"},
	{Agg{Sum, Col("d"), "sum_d"}, refAgg{Sum, colIn("d"), 2}, "decimal(38,2)"},
	{Agg{Sum, Col("d").Mul(Dec("1").Sub(Col("e"))), "sum_de"}, refAgg{Sum, discounted, 4}, "decimal(38,4)"},
	{Agg{Count, Expr{}, "n"}, refAgg{Count, nil, 0}, "int64"},
	{Agg{Count, Col("d"), "n_d"}, refAgg{Count, colIn("d"), 0}, "int64"},
	{Agg{Count, Col("s"), "n_s"}, refAgg{Count, colIn("s"), 0}, "int64"},
	{Agg{Count, Col("n"), "n_n"}, refAgg{Count, colIn("n"), 0}, "int64"},
	{Agg{Avg, Col("i"), "avg_i"}, refAgg{Avg, colIn("i"), 0}, "float64"},
	{Agg{Avg, Col("f"), "avg_f"}, refAgg{Avg, colIn("f"), 0}, "float64"},
	{Agg{Avg, Col("d"), "avg_d"}, refAgg{Avg, colIn("d"), 2}, "float64"},
	{Agg{Avg, Col("d").Mul(Dec("1").Sub(Col("e"))), "avg_de"}, refAgg{Avg, discounted, 4}, "float64"},
	{Agg{Min, Col("i"), "min_i"}, refAgg{Min, colIn("i"), 0}, "int64"},
	{Agg{Max, Col("i"), "max_i"}, refAgg{Max, colIn("i"), 0}, "int64"},
	{Agg{Max, Col("h"), "max_h"}, refAgg{Max, colIn("h"), 0}, "int64"},
	{Agg{Min, Col("f"), "min_f"}, refAgg{Min, colIn("f"), 0}, "float64"},
	{Agg{Max, Col("f"), "max_f"}, refAgg{Max, colIn("f"), 0}, "float64"},
	{Agg{Min, Col("d"), "min_d"}, refAgg{Min, colIn("d"), 2}, "decimal(15,2)"},
	{Agg{Max, Col("d"), "max_d"}, refAgg{Max, colIn("d"), 2}, "decimal(15,2)"},
	{Agg{Min, Col("day"), "min_day"}, refAgg{Min, colIn("day"), 0}, "date32"},
	{Agg{Max, Col("day"), "max_day"}, refAgg{Max, colIn("day"), 0}, "date32"},
	{Agg{Min, Col("s"), "min_s"}, refAgg{Min, colIn("s"), 0}, "utf8"},
	{Agg{Max, Col("s"), "max_s"}, refAgg{Max, colIn("s"), 0}, "utf8"},
	{Agg{CountDistinct, Col("s"), "cd_s"}, refAgg{CountDistinct, colIn("s"), 0}, "int64"},
	{Agg{CountDistinct, Col("i").Div(Lit(1000)).Float(), "cd_i"}, refAgg{CountDistinct, func(r row) any {
		if r.null("i") {
			return nil
		}
		return float64(r.int("i")) / 1000
	}, 0}, "int64"},
	{Agg{CountDistinct, Col("h"), "cd_h"}, refAgg{CountDistinct, colIn("h"), 0}, "int64"},
	{Agg{CountDistinct, Col("f"), "cd_f"}, refAgg{CountDistinct, colIn("f"), 0}, "int64"},
	{Agg{CountDistinct, Col("e"), "cd_e"}, refAgg{CountDistinct, colIn("e"), 0}, "int64"},
	{Agg{CountDistinct, Col("day"), "cd_day"}, refAgg{CountDistinct, colIn("day"), 0}, "int64"},
}

func planTestAggs(t *testing.T, s *arrow.Schema, keys []string) (*Aggregation, []refAgg) {
	t.Helper()
	var aggs []Agg
	var refs []refAgg
	for _, g := range testAggs {
		aggs, refs = append(aggs, g.agg), append(refs, g.ref)
	}
	a, err := PlanAggregation(s, keys, aggs)
	if err != nil {
		t.Fatal(err)
	}
	for i, g := range testAggs {
		f := a.Schema().Field(len(keys) + i)
		if f.Name != g.agg.Name || typeName(f.Type) != g.typ {
			t.Errorf("result field %d: %s %s, want %s %s", len(keys)+i, f.Name, typeName(f.Type), g.agg.Name, g.typ)
		}
	}
	return a, refs
}

// byKey indexes result rows by their rendered keys.
func byKey(t *testing.T, rows [][]any, nkeys int) map[string][]any {
	t.Helper()
	out := map[string][]any{}
	for _, r := range rows {
		k := render(r[:nkeys])
		if _, dup := out[k]; dup {
			t.Errorf("group %s appears twice", k)
		}
		out[k] = r
	}
	return out
}

// compareGroups compares result groups with the reference.
func compareGroups(t *testing.T, a *Aggregation, got, want map[string][]any) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%d groups, want %d", len(got), len(want))
	}
	bad := 0
	for k, w := range want {
		g, ok := got[k]
		if !ok {
			t.Errorf("group %s missing", k)
			continue
		}
		for c := range w {
			if render(g[c:c+1]) != render(w[c:c+1]) && bad < 10 {
				bad++
				t.Errorf("group %s, %s: got %v, want %v", k, a.Schema().Field(c).Name, g[c], w[c])
			}
		}
	}
}

var aggKeyConfigs = [][]string{{"g", "h"}, {"h"}, {"g"}, {"dt"}, {"x32"}, {"g", "x32", "dt"}, nil}

// TestAggregation runs every aggregate grouped by several keys (and
// none), in one phase and in two, against the reference.
func TestAggregation(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	rec, rows := aggData(t, r, 5000)
	defer rec.Release()
	batches := slicedBatches(rec, 600)
	defer release(batches)
	for _, keys := range aggKeyConfigs {
		t.Run(strings.Join(keys, ","), func(t *testing.T) {
			a, refs := planTestAggs(t, rec.Schema(), keys)
			want := refAggregate(rows, keys, refs)

			one := a.NewTable()
			for _, b := range batches {
				one.Add(b)
			}
			if one.Len() != len(want) {
				t.Errorf("Len %d, want %d", one.Len(), len(want))
			}
			if one.Bytes() <= 0 {
				t.Errorf("Bytes %d", one.Bytes())
			}
			res := one.Results()
			if !res.Schema().Equal(a.Schema()) {
				t.Errorf("results schema %s, want %s", res.Schema(), a.Schema())
			}
			compareGroups(t, a, byKey(t, rowsOf(res), len(keys)), want)
			res.Release()
			if one.Len() != 0 {
				t.Errorf("Len after Results: %d", one.Len())
			}

			got := twoPhase(t, a, batches, rand.New(rand.NewPCG(5, 5)), 3, 2, 7)
			compareGroups(t, a, byKey(t, got, len(keys)), want)
		})
	}
}

// twoPhase aggregates batches in partial tables (each batch to a random
// one, some tables emitting states early), partitions the states by
// PartialKeys into finals final tables, merges them in small slices and
// returns every final table's results. Merge gets slices of at most
// slice rows.
func twoPhase(t *testing.T, a *Aggregation, batches []arrow.RecordBatch, r *rand.Rand, partials, finals, slice int) [][]any {
	t.Helper()
	parts := make([]*AggTable, partials)
	for i := range parts {
		parts[i] = a.NewTable()
	}
	var states []arrow.RecordBatch
	defer func() { release(states) }()
	emit := func(p *AggTable) {
		if s := p.States(); s != nil {
			if !s.Schema().Equal(a.PartialSchema()) {
				t.Fatalf("states schema %s, want %s", s.Schema(), a.PartialSchema())
			}
			states = append(states, s)
		}
	}
	for i, b := range batches {
		p := parts[r.IntN(partials)]
		p.Add(b)
		if i%4 == 3 {
			emit(p)
		}
	}
	for _, p := range parts {
		emit(p)
	}
	if a.PartialKeys() == nil {
		finals = 1
	}
	fin := make([]*AggTable, finals)
	for i := range fin {
		fin[i] = a.NewTable()
	}
	for _, s := range states {
		for f, sel := range partition(s, a.PartialKeys(), finals) {
			part, err := Take(s, sel)
			if err != nil {
				t.Fatal(err)
			}
			for _, sl := range slicedBatches(part, slice) {
				fin[f].Merge(sl)
				sl.Release()
			}
			part.Release()
		}
	}
	var out [][]any
	for _, f := range fin {
		res := f.Results()
		out = append(out, rowsOf(res)...)
		if res != nil {
			res.Release()
		}
	}
	return out
}

// partition splits the rows of rec by hash of k into n parts (one part of
// every row when k is nil).
func partition(rec arrow.RecordBatch, k *Keys, n int) [][]int32 {
	out := make([][]int32, n)
	if k == nil {
		for i := range rec.NumRows() {
			out[0] = append(out[0], int32(i))
		}
		return out
	}
	for i, h := range k.Hash(rec, nil) {
		out[h%uint64(n)] = append(out[h%uint64(n)], int32(i))
	}
	return out
}

// TestAggregationEmpty checks the results of no input: none for a
// grouping, one row of zero counts and null values for a global
// aggregate, in one phase and two.
func TestAggregationEmpty(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	rec, _ := aggData(t, r, 10)
	defer rec.Release()
	empty := rec.NewSlice(0, 0)
	defer empty.Release()
	grouped, _ := planTestAggs(t, rec.Schema(), []string{"g"})
	for _, add := range []bool{false, true} {
		tab := grouped.NewTable()
		if add {
			tab.Add(empty)
		}
		if s := tab.States(); s != nil {
			t.Errorf("grouped States of no rows: %d rows, want nil", s.NumRows())
		}
		if res := tab.Results(); res != nil {
			t.Errorf("grouped Results of no rows: %d rows, want nil", res.NumRows())
		}
	}
	global, refs := planTestAggs(t, rec.Schema(), nil)
	want := refAggregate(nil, nil, refs)[render(nil)]
	for _, c := range []struct {
		name    string
		batches []arrow.RecordBatch
	}{{"no batch", nil}, {"an empty batch", []arrow.RecordBatch{empty}}} {
		tab := global.NewTable()
		for _, b := range c.batches {
			tab.Add(b)
		}
		res := tab.Results()
		got := rowsOf(res)
		if len(got) != 1 || render(got[0]) != render(want) {
			t.Errorf("global one phase, %s: got %v, want [%v]", c.name, got, want)
		}
		res.Release()
		got = twoPhase(t, global, c.batches, r, 2, 1, 7)
		if len(got) != 1 || render(got[0]) != render(want) {
			t.Errorf("global two phases, %s: got %v, want [%v]", c.name, got, want)
		}
	}
}

func TestPlanAggregationErrors(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	rec, _ := aggData(t, r, 1)
	defer rec.Release()
	for _, c := range []struct {
		keys []string
		aggs []Agg
		want string
	}{
		{[]string{"zz"}, nil, `no column "zz"`},
		{[]string{"n"}, nil, `column "n" of type null cannot be a key`},
		{nil, []Agg{{Sum, Col("i"), ""}}, "needs a name"},
		{[]string{"g"}, []Agg{{Sum, Col("i"), "g"}}, `got "g"`},
		{nil, []Agg{{Sum, Col("i"), "x"}, {Max, Col("i"), "x"}}, `got "x"`},
		{nil, []Agg{{Sum, Expr{}, "x"}}, `aggregate "x": sum needs an input`},
		{nil, []Agg{{Sum, Col("s"), "x"}}, "sum of utf8, want a number"},
		{nil, []Agg{{Avg, Col("day"), "x"}}, "avg of date32, want a number"},
		{nil, []Agg{{Min, Col("n"), "x"}}, "min of null"},
		{nil, []Agg{{CountDistinct, Col("n"), "x"}}, "count distinct of null"},
		{nil, []Agg{{Max, Col("zz"), "x"}}, `aggregate "x": zz: no column "zz"`},
	} {
		_, err := PlanAggregation(rec.Schema(), c.keys, c.aggs)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("PlanAggregation(%v, %v): error %v, want %q", c.keys, c.aggs, err, c.want)
		}
	}
}

// TestAvgRounding checks that Avg of decimals rounds the unscaled sum to
// float64 once, also beyond 2^64, then divides by count × 10^scale.
func TestAvgRounding(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	const n = 2000
	var ks, vs []any
	for k := range n {
		v := new(big.Int).Lsh(big.NewInt(r.Int64N(4)+1), 64)
		v.Add(v, new(big.Int).SetUint64(r.Uint64()))
		if k%2 == 1 {
			v.Neg(v)
		}
		ks, vs = append(ks, int64(k/2), int64(k/2)), append(vs, decOf(v), decOf(big.NewInt(r.Int64N(1000))))
	}
	rec := newBatch(t, column{"k", i64, ks}, column{"v", decT(38, 3), vs})
	defer rec.Release()
	a, err := PlanAggregation(rec.Schema(), []string{"k"}, []Agg{{Avg, Col("v"), "avg"}})
	if err != nil {
		t.Fatal(err)
	}
	tab := a.NewTable()
	tab.Add(rec)
	res := tab.Results()
	defer res.Release()
	want := refAggregate(rowsAsRows(rec), []string{"k"}, []refAgg{{Avg, colIn("v"), 3}})
	compareGroups(t, a, byKey(t, rowsOf(res), 1), want)
}

// rowsAsRows reads a batch back as rows by column name.
func rowsAsRows(rec arrow.RecordBatch) []row {
	cols := columnsOf(rec)
	out := make([]row, rec.NumRows())
	for i := range out {
		out[i] = row{}
		for name, vals := range cols {
			out[i][name] = vals[i]
		}
	}
	return out
}
