package columnar

import (
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

// opsData is sortData sliced off its first rows (so that every column has
// an offset), and its rows.
func opsData(t *testing.T) (arrow.RecordBatch, [][]any) {
	rec := sortData(t, rand.New(rand.NewPCG(41, 42)), 300)
	defer rec.Release()
	part := rec.NewSlice(13, 290)
	return part, rowsOf(part)
}

func lines(rows [][]any) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = render(r)
	}
	return out
}

// checkPlaceholders checks that rec keeps the placeholder column "ph".
func checkPlaceholders(t *testing.T, what string, rec arrow.RecordBatch) {
	t.Helper()
	i := rec.Schema().FieldIndices("ph")[0]
	if !IsPlaceholder(rec.Column(i)) || rec.Schema().Field(i).Type.ID() != arrow.NULL || rec.Column(i).Len() != int(rec.NumRows()) {
		t.Errorf("%s: column ph is %s of %d rows, want a placeholder of %d", what, rec.Column(i).DataType(), rec.Column(i).Len(), rec.NumRows())
	}
}

func TestFilter(t *testing.T) {
	rec, rows := opsData(t)
	defer rec.Release()
	r := rand.New(rand.NewPCG(1, 1))
	n := len(rows)
	for _, c := range []struct {
		name string
		mask []any
	}{
		{"random with nulls", gen(r, n, 20, func() any { return r.IntN(2) == 0 })},
		{"all true", gen(r, n, 0, func() any { return true })},
		{"all false", gen(r, n, 0, func() any { return false })},
		{"all null", make([]any, n)},
	} {
		mask := newArray(t, boolT, c.mask)
		got, err := Filter(rec, mask)
		mask.Release()
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var want [][]any
		for i, m := range c.mask {
			if m == true {
				want = append(want, rows[i])
			}
		}
		if !got.Schema().Equal(rec.Schema()) {
			t.Errorf("%s: schema %s, want %s", c.name, got.Schema(), rec.Schema())
		}
		checkPlaceholders(t, c.name, got)
		diffLines(t, c.name, lines(rowsOf(got)), lines(want))
		got.Release()
	}

	pred, err := Col("i32").Gt(Lit(0)).Or(Col("str").StartsWith("a")).Bind(rec.Schema())
	if err != nil {
		t.Fatal(err)
	}
	mask := pred.Eval(rec)
	defer mask.Release()
	got, err := Filter(rec, mask)
	if err != nil {
		t.Fatal(err)
	}
	defer got.Release()
	var want [][]any
	for _, row := range rows {
		if or3(gtZero(row[2]), startsA(row[9])) == true {
			want = append(want, row)
		}
	}
	diffLines(t, "i32 > 0 or startswith(str, a)", lines(rowsOf(got)), lines(want))
}

func gtZero(v any) any {
	if v == nil {
		return nil
	}
	return v.(int64) > 0
}

func startsA(v any) any {
	if v == nil {
		return nil
	}
	s := v.(string)
	return len(s) > 0 && s[0] == 'a'
}

func TestTake(t *testing.T) {
	rec, rows := opsData(t)
	defer rec.Release()
	r := rand.New(rand.NewPCG(2, 2))
	for _, sel := range [][]int32{
		nil,
		{0},
		{int32(len(rows) - 1), 0, 5, 5, 5, 1},
		randomSel(r, len(rows), 1000),
	} {
		got, err := Take(rec, sel)
		if err != nil {
			t.Fatal(err)
		}
		var want [][]any
		for _, i := range sel {
			want = append(want, rows[i])
		}
		if got.NumRows() != int64(len(sel)) {
			t.Errorf("Take of %d rows: %d rows", len(sel), got.NumRows())
		}
		checkPlaceholders(t, "Take", got)
		diffLines(t, "Take", lines(rowsOf(got)), lines(want))
		got.Release()
	}
}

func randomSel(r *rand.Rand, n, k int) []int32 {
	out := make([]int32, k)
	for i := range out {
		out[i] = int32(r.IntN(n))
	}
	return out
}

func TestConcat(t *testing.T) {
	rec, rows := opsData(t)
	defer rec.Release()
	declared := arrow.NewSchema(append(append([]arrow.Field(nil), rec.Schema().Fields()[:11]...),
		arrow.Field{Name: "ph", Type: str, Nullable: true}), nil) // ph as the source declares it
	for _, size := range []int{1000, 100, 7} {
		parts := slicedBatches(rec, size)
		got, err := Concat(declared, parts)
		release(parts)
		if err != nil {
			t.Fatal(err)
		}
		checkPlaceholders(t, "Concat", got)
		if !got.Schema().Equal(Shape(declared, got.Columns())) {
			t.Errorf("Concat schema %s, want the declared one shaped", got.Schema())
		}
		diffLines(t, "Concat", lines(rowsOf(got)), lines(rows))
		got.Release()
	}
	empty, err := Concat(declared, nil)
	if err != nil {
		t.Fatal(err)
	}
	if empty.NumRows() != 0 || !empty.Schema().Equal(declared) {
		t.Errorf("Concat of nothing: %d rows of %s, want 0 of %s", empty.NumRows(), empty.Schema(), declared)
	}
	empty.Release()
}

func TestShape(t *testing.T) {
	s := arrow.NewSchema([]arrow.Field{{Name: "a", Type: i64}, {Name: "b", Type: str}, {Name: "c", Type: nullT}}, nil)
	a, b := newArray(t, i64, []any{int64(1)}), newArray(t, str, []any{"x"})
	defer a.Release()
	defer b.Release()
	if got := Shape(s, []arrow.Array{a, b, Placeholder(1)}); got != s {
		t.Errorf("Shape without placeholders: got %s, want s itself", got)
	}
	got := Shape(s, []arrow.Array{a, Placeholder(1), Placeholder(1)})
	want := arrow.NewSchema([]arrow.Field{{Name: "a", Type: i64}, {Name: "b", Type: nullT, Nullable: true}, {Name: "c", Type: nullT}}, nil)
	if !got.Equal(want) {
		t.Errorf("Shape: got %s, want %s", got, want)
	}
	if IsPlaceholder(a) || !IsPlaceholder(Placeholder(3)) || Placeholder(3).Len() != 3 {
		t.Errorf("IsPlaceholder or Placeholder wrong")
	}
}
