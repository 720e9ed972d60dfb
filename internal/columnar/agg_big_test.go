package columnar

import (
	"math/big"
	"math/bits"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// hotRef is the reference of one group of the hot-key test; the decimal
// sum is 128 bits wide.
type hotRef struct {
	n, sumI, maxD int64
	sumLo, sumHi  uint64
}

func (h *hotRef) sumD() *big.Int {
	b := new(big.Int).Lsh(new(big.Int).SetUint64(h.sumHi), 64)
	return b.Or(b, new(big.Int).SetUint64(h.sumLo))
}

// TestAggregationHotKey aggregates 3 million rows of one key and a few
// thousand of ten others in two phases, with decimal sums beyond 2^64
// (unscaled), exactly.
func TestAggregationHotKey(t *testing.T) {
	if testing.Short() {
		t.Skip("3 million rows")
	}
	s := arrow.NewSchema([]arrow.Field{
		{Name: "k", Type: str, Nullable: true}, {Name: "i", Type: i64, Nullable: true},
		{Name: "d", Type: decT(18, 2), Nullable: true},
	}, nil)
	a, err := PlanAggregation(s, []string{"k"}, []Agg{
		{Sum, Col("i"), "sum_i"}, {Sum, Col("d"), "sum_d"}, {Count, Expr{}, "n"},
		{Avg, Col("d"), "avg_d"}, {Max, Col("d"), "max_d"},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(3, 3))
	refs := map[string]*hotRef{}
	parts := []*AggTable{a.NewTable(), a.NewTable(), a.NewTable()}
	const rows, batch = 3_020_000, 1 << 16
	for done, p := 0, 0; done < rows; done, p = done+batch, p+1 {
		rec := hotBatch(s, r, min(batch, rows-done), refs)
		parts[p%len(parts)].Add(rec)
		rec.Release()
	}
	final := a.NewTable()
	for _, p := range parts {
		st := p.States()
		final.Merge(st)
		st.Release()
	}
	res := final.Results()
	defer res.Release()
	got := byKey(t, rowsOf(res), 1)
	if len(got) != len(refs) || refs["hot"].n < 3_000_000 {
		t.Errorf("%d groups, want %d; %d hot rows", len(got), len(refs), refs["hot"].n)
	}
	for k, ref := range refs {
		sumF, _ := new(big.Float).SetInt(ref.sumD()).Float64()
		want := []any{k, ref.sumI, decOf(ref.sumD()), ref.n, sumF / (float64(ref.n) * 100), decOf(big.NewInt(ref.maxD))}
		if g := got[render([]any{k})]; render(g) != render(want) {
			t.Errorf("group %q:\n got %v\nwant %v", k, g, want)
		}
	}
}

// hotBatch makes n rows, all but about one in 300 of key "hot", and adds
// them to refs.
func hotBatch(s *arrow.Schema, r *rand.Rand, n int, refs map[string]*hotRef) arrow.RecordBatch {
	keys, is, ds := make([]string, n), make([]int64, n), make([]decimal128.Num, n)
	for j := range n {
		k := "hot"
		if r.IntN(300) == 0 {
			k = coldKeys[r.IntN(len(coldKeys))]
		}
		i, d := r.Int64N(1e12)-5e11, r.Int64N(1e15)
		keys[j], is[j], ds[j] = k, i, decimal128.FromI64(d)
		ref := refs[k]
		if ref == nil {
			ref = &hotRef{}
			refs[k] = ref
		}
		var carry uint64
		ref.sumLo, carry = bits.Add64(ref.sumLo, uint64(d), 0)
		ref.sumHi += carry
		ref.n, ref.sumI, ref.maxD = ref.n+1, ref.sumI+i, max(ref.maxD, d)
	}
	cols := []arrow.Array{stringArray(keys, newBitmap(n)), fixed(i64, is, newBitmap(n)), fixed(s.Field(2).Type, ds, newBitmap(n))}
	rec := array.NewRecordBatch(s, cols, int64(n))
	for _, c := range cols {
		c.Release()
	}
	return rec
}

var coldKeys = []string{"cold0", "cold1", "cold2", "cold3", "cold4", "cold5", "cold6", "cold7", "cold8", "a cold key longer than sixteen bytes"}

// TestAggregationManyKeys groups 300k rows by 200k distinct keys, an
// int64 key (the int map) and a string key longer than 16 bytes, in two
// phases.
func TestAggregationManyKeys(t *testing.T) {
	const keys, rows = 200_000, 300_000
	r := rand.New(rand.NewPCG(4, 4))
	ki, ks, vs := make([]int64, rows), make([]string, rows), make([]int64, rows)
	sums, counts := make([]int64, keys), make([]int64, keys)
	for j := range rows {
		k := r.IntN(keys)
		if j < keys {
			k = j // every key at least once
		}
		ki[j], ks[j], vs[j] = int64(k)*7919, "key number "+strconv.Itoa(1e11+k), r.Int64N(1000)
		sums[k] += vs[j]
		counts[k]++
	}
	cols := []arrow.Array{fixed(i64, ki, newBitmap(rows)), stringArray(ks, newBitmap(rows)), fixed(i64, vs, newBitmap(rows))}
	s := arrow.NewSchema([]arrow.Field{{Name: "ki", Type: i64}, {Name: "ks", Type: str}, {Name: "v", Type: i64}}, nil)
	rec := array.NewRecordBatch(s, cols, rows)
	defer rec.Release()
	batches := slicedBatches(rec, 1<<15)
	defer release(batches)
	for _, key := range []string{"ki", "ks"} {
		t.Run(key, func(t *testing.T) {
			a, err := PlanAggregation(s, []string{key}, []Agg{{Sum, Col("v"), "sum"}, {Count, Expr{}, "n"}})
			if err != nil {
				t.Fatal(err)
			}
			got := twoPhase(t, a, batches, rand.New(rand.NewPCG(1, 1)), 4, 3, 4096)
			if len(got) != keys {
				t.Errorf("%d groups, want %d", len(got), keys)
			}
			seen := make([]bool, keys)
			for _, g := range got {
				var k int
				if x, ok := g[0].(int64); ok {
					k = int(x / 7919)
				} else {
					k, _ = strconv.Atoi(strings.TrimPrefix(g[0].(string), "key number "))
					k -= 1e11
				}
				if seen[k] {
					t.Fatalf("key %v twice", g[0])
				}
				seen[k] = true
				if g[1] != sums[k] || g[2] != counts[k] {
					t.Fatalf("key %v: sum %v count %v, want %d %d", g[0], g[1], g[2], sums[k], counts[k])
				}
			}
		})
	}
}
