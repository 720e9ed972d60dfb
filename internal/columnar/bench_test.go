package columnar

import (
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

const benchBatch = 1 << 16

// q1Batch is a batch shaped like TPC-H lineitem for Q1: two 1-character
// flags and four decimal(15,2) numbers.
func q1Batch(r *rand.Rand, n int) arrow.RecordBatch {
	mem := memory.DefaultAllocator
	flag, status := array.NewStringBuilder(mem), array.NewStringBuilder(mem)
	dt := decT(15, 2).(*arrow.Decimal128Type)
	nums := []*array.Decimal128Builder{array.NewDecimal128Builder(mem, dt), array.NewDecimal128Builder(mem, dt),
		array.NewDecimal128Builder(mem, dt), array.NewDecimal128Builder(mem, dt)}
	for range n {
		flag.Append(pick(r, "A", "N", "R"))
		status.Append(pick(r, "F", "O"))
		nums[0].Append(decimal128.FromI64(100 * (1 + r.Int64N(50))))
		nums[1].Append(decimal128.FromI64(90000 + r.Int64N(10_000_000)))
		nums[2].Append(decimal128.FromI64(r.Int64N(11)))
		nums[3].Append(decimal128.FromI64(r.Int64N(9)))
	}
	cols := []arrow.Array{flag.NewArray(), status.NewArray()}
	for _, b := range nums {
		cols = append(cols, b.NewArray())
		b.Release()
	}
	flag.Release()
	status.Release()
	var fields []arrow.Field
	for i, name := range []string{"returnflag", "linestatus", "quantity", "price", "discount", "tax"} {
		fields = append(fields, arrow.Field{Name: name, Type: cols[i].DataType(), Nullable: true})
	}
	rec := array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, int64(n))
	for _, c := range cols {
		c.Release()
	}
	return rec
}

// BenchmarkAggQ1 groups by two 1-character strings with four decimal
// sums, two of them of products, one 64k-row batch per iteration.
func BenchmarkAggQ1(b *testing.B) {
	rec := q1Batch(rand.New(rand.NewPCG(1, 1)), benchBatch)
	defer rec.Release()
	disc := Col("price").Mul(Dec("1").Sub(Col("discount")))
	a, err := PlanAggregation(rec.Schema(), []string{"returnflag", "linestatus"}, []Agg{
		{Sum, Col("quantity"), "sum_qty"},
		{Sum, Col("price"), "sum_base_price"},
		{Sum, disc, "sum_disc_price"},
		{Sum, disc.Mul(Dec("1").Add(Col("tax"))), "sum_charge"},
	})
	if err != nil {
		b.Fatal(err)
	}
	tab := a.NewTable()
	for b.Loop() {
		tab.Add(rec)
	}
	reportPerRow(b, benchBatch)
	if res := tab.Results(); res.NumRows() != 6 {
		b.Fatalf("%d groups, want 6", res.NumRows())
	}
}

// BenchmarkJoinProbe probes a 1.5M-row int64 build side with 64k-row
// batches, half of whose keys match once.
func BenchmarkJoinProbe(b *testing.B) {
	const buildRows = 1_500_000
	r := rand.New(rand.NewPCG(2, 2))
	mem := memory.DefaultAllocator
	kb, vb := array.NewInt64Builder(mem), array.NewInt64Builder(mem)
	for i, k := range r.Perm(buildRows) {
		kb.Append(int64(k) * 2)
		vb.Append(int64(i))
	}
	build := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "k", Type: i64}, {Name: "v", Type: i64}}, nil),
		[]arrow.Array{kb.NewArray(), vb.NewArray()}, buildRows)
	defer build.Release()
	kb.Release()
	vb.Release()
	pk, pv := array.NewInt64Builder(mem), array.NewInt64Builder(mem)
	for i := range benchBatch {
		pk.Append(r.Int64N(2 * buildRows))
		pv.Append(int64(i))
	}
	probe := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "k", Type: i64}, {Name: "p", Type: i64}}, nil),
		[]arrow.Array{pk.NewArray(), pv.NewArray()}, benchBatch)
	defer probe.Release()
	pk.Release()
	pv.Release()
	j, err := PlanJoin(Inner, probe.Schema(), build.Schema(), []string{"k"}, []string{"k"})
	if err != nil {
		b.Fatal(err)
	}
	h := j.NewHashTable()
	defer h.Release()
	h.Add(build)
	if err := h.Finish(); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		out, err := h.Probe(probe)
		if err != nil {
			b.Fatal(err)
		}
		out.Release()
	}
	reportPerRow(b, benchBatch)
}

func reportPerRow(b *testing.B, rows int) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(rows), "ns/row")
}

// BenchmarkJoinBuild hashes a 1.5M-row build side of int64 keys in key
// order (as orders arrive from lineitem's broadcast), per iteration.
func BenchmarkJoinBuild(b *testing.B) {
	const buildRows = 1_500_000
	mem := memory.DefaultAllocator
	kb, vb := array.NewInt64Builder(mem), array.NewInt64Builder(mem)
	for i := range buildRows {
		kb.Append(int64(i/8*32 + i%8))
		vb.Append(int64(i))
	}
	schema := arrow.NewSchema([]arrow.Field{{Name: "k", Type: i64}, {Name: "v", Type: i64}}, nil)
	build := array.NewRecordBatch(schema, []arrow.Array{kb.NewArray(), vb.NewArray()}, buildRows)
	defer build.Release()
	kb.Release()
	vb.Release()
	probe := arrow.NewSchema([]arrow.Field{{Name: "k", Type: i64}}, nil)
	j, err := PlanJoin(Inner, probe, schema, []string{"k"}, []string{"k"})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		h := j.NewHashTable()
		for off := int64(0); off < buildRows; off += benchBatch {
			s := build.NewSlice(off, min(off+benchBatch, buildRows))
			h.Add(s)
			s.Release()
		}
		if err := h.Finish(); err != nil {
			b.Fatal(err)
		}
		h.Release()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*buildRows), "ns/row")
}
