package columnar

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

// refJoin joins rows with a Go map: probe row p matches build row b
// when every key is not null and equal. Output rows are the probe's cells
// then the build's cells at keep.
func refJoin(typ JoinType, probe, build [][]any, pk, bk, keep []int) [][]any {
	byKey := map[string][][]any{}
	for _, b := range build {
		if k, ok := joinKeyOf(b, bk); ok {
			byKey[k] = append(byKey[k], b)
		}
	}
	var out [][]any
	for _, p := range probe {
		k, ok := joinKeyOf(p, pk)
		matches := byKey[k]
		if !ok {
			matches = nil
		}
		switch {
		case typ == Inner || (typ == Left && len(matches) > 0):
			for _, b := range matches {
				out = append(out, joined(p, b, keep))
			}
		case typ == Left:
			out = append(out, append(slices.Clone(p), make([]any, len(keep))...))
		case typ == Semi && len(matches) > 0, typ == Anti && len(matches) == 0:
			out = append(out, p)
		}
	}
	return out
}

// joinKeyOf renders the key cells of row; false when one is null.
func joinKeyOf(row []any, cols []int) (string, bool) {
	key := make([]any, len(cols))
	for k, c := range cols {
		if row[c] == nil {
			return "", false
		}
		key[k] = row[c]
	}
	return render(key), true
}

func joined(p, b []any, keep []int) []any {
	out := slices.Clone(p)
	for _, c := range keep {
		out = append(out, b[c])
	}
	return out
}

// joinSide is one side of a join test: key columns of types, a row
// number column and a string column; the keys come last when keysLast.
func joinSide(t *testing.T, r *rand.Rand, names []string, types []arrow.DataType, n int, prefix string, keysLast bool) (arrow.RecordBatch, [][]any) {
	var keys []column
	for j, dt := range types {
		keys = append(keys, column{names[j], dt, gen(r, n, 10, func() any { return joinKey(r, dt) })})
	}
	var num, s []any
	for i := range n {
		num, s = append(num, int64(i)), append(s, fmt.Sprintf("%s%d", prefix, i))
	}
	vals := []column{{prefix + "n", i64, num}, {prefix + "s", str, gen(r, n, 20, func() any { return s[r.IntN(n)] })}}
	cols := append(keys, vals...)
	if keysLast {
		cols = append(vals, keys...)
	}
	rec := newBatch(t, cols...)
	return rec, rowsOf(rec)
}

// joinKey is a random key of type dt from a domain of about 8 values,
// the same for every integer width.
func joinKey(r *rand.Rand, dt arrow.DataType) any {
	switch kindOf(dt) {
	case kInt:
		return int64(r.IntN(8))
	case kDate:
		return arrow.Date32(r.IntN(8) - 4)
	case kDec:
		return decOf(mul(big.NewInt(int64(r.IntN(8))), pow10Int(20)))
	}
	return keyCell(r, dt, false)
}

var joinConfigs = []struct {
	name               string
	probeKeys, buildKs []string
	probeTs, buildTs   []arrow.DataType
}{
	{"int64", []string{"k"}, []string{"k"}, []arrow.DataType{i64}, []arrow.DataType{i64}},
	{"int32 vs int64, other names", []string{"pk"}, []string{"bk"}, []arrow.DataType{i32}, []arrow.DataType{i64}},
	{"date", []string{"k"}, []string{"k"}, []arrow.DataType{date}, []arrow.DataType{date}},
	{"string (long ones too)", []string{"k"}, []string{"k"}, []arrow.DataType{str}, []arrow.DataType{str}},
	{"string+int64", []string{"a", "b"}, []string{"a", "b"}, []arrow.DataType{str, i64}, []arrow.DataType{str, i64}},
	{"int16+bool, one name shared", []string{"a", "b"}, []string{"a", "c"}, []arrow.DataType{i16, boolT}, []arrow.DataType{i32, boolT}},
	{"decimal", []string{"k"}, []string{"k"}, []arrow.DataType{decT(38, 2)}, []arrow.DataType{decT(38, 2)}},
}

// TestJoin runs every join type over each key config: duplicate and null
// keys on both sides, a build of several batches, sliced probe batches.
func TestJoin(t *testing.T) {
	for ci, c := range joinConfigs {
		for _, typ := range []JoinType{Inner, Left, Semi, Anti} {
			t.Run(c.name+"/"+typ.String(), func(t *testing.T) {
				r := rand.New(rand.NewPCG(uint64(ci), 21))
				probe, prows := joinSide(t, r, c.probeKeys, c.probeTs, 200, "p", false)
				build, brows := joinSide(t, r, c.buildKs, c.buildTs, 120, "b", ci%2 == 1)
				defer probe.Release()
				defer build.Release()
				j, err := PlanJoin(typ, probe.Schema(), build.Schema(), c.probeKeys, c.buildKs)
				if err != nil {
					t.Fatal(err)
				}
				h := j.NewHashTable()
				defer h.Release()
				parts := slicedBatches(build, 50)
				for _, b := range parts {
					h.Add(b)
				}
				release(parts)
				if h.Rows() != 120 {
					t.Errorf("Rows %d, want 120", h.Rows())
				}
				if err := h.Finish(); err != nil {
					t.Fatal(err)
				}
				got := probeAll(t, j, h, slicedBatches(probe, 37))
				keep := keptColumns(build.Schema(), c.probeKeys, c.buildKs, typ)
				want := refJoin(typ, prows, brows, indices(probe.Schema(), c.probeKeys), indices(build.Schema(), c.buildKs), keep)
				if typ == Inner && len(want) <= len(prows) {
					t.Errorf("only %d matches: the data should join many to many", len(want))
				}
				diffLines(t, "joined rows", sortedLines(got), sortedLines(want))
			})
		}
	}
}

// probeAll probes every batch (and releases it) and returns the rows.
func probeAll(t *testing.T, j *Join, h *HashTable, batches []arrow.RecordBatch) [][]any {
	t.Helper()
	var rows [][]any
	for _, b := range batches {
		out, err := h.Probe(b)
		b.Release()
		if err != nil {
			t.Fatal(err)
		}
		if out == nil {
			continue
		}
		if !out.Schema().Equal(Shape(j.Schema(), out.Columns())) {
			t.Errorf("output schema %s, want %s", out.Schema(), j.Schema())
		}
		rows = append(rows, rowsOf(out)...)
		out.Release()
	}
	return rows
}

func indices(s *arrow.Schema, names []string) []int {
	var out []int
	for _, n := range names {
		out = append(out, s.FieldIndices(n)[0])
	}
	return out
}

// keptColumns are the build columns in the output: all but the keys
// named like their probe key, none for a semi or anti join.
func keptColumns(s *arrow.Schema, probeKeys, buildKeys []string, typ JoinType) []int {
	if typ == Semi || typ == Anti {
		return nil
	}
	var out []int
	for i, f := range s.Fields() {
		if k := slices.Index(buildKeys, f.Name); k >= 0 && probeKeys[k] == f.Name {
			continue
		}
		out = append(out, i)
	}
	return out
}

// TestJoinEmptySides joins with no build rows and with no probe rows.
func TestJoinEmptySides(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	probe, prows := joinSide(t, r, []string{"k"}, []arrow.DataType{i64}, 50, "p", false)
	build, _ := joinSide(t, r, []string{"k"}, []arrow.DataType{i64}, 50, "b", true)
	defer probe.Release()
	defer build.Release()
	for _, typ := range []JoinType{Inner, Left, Semi, Anti} {
		j, err := PlanJoin(typ, probe.Schema(), build.Schema(), []string{"k"}, []string{"k"})
		if err != nil {
			t.Fatal(err)
		}
		empty := j.NewHashTable()
		empty.Add(build.NewSlice(0, 0))
		if err := empty.Finish(); err != nil {
			t.Fatal(err)
		}
		got := probeAll(t, j, empty, []arrow.RecordBatch{probe.NewSlice(0, probe.NumRows())})
		want := refJoin(typ, prows, nil, []int{0}, []int{2}, keptColumns(build.Schema(), []string{"k"}, []string{"k"}, typ))
		diffLines(t, typ.String()+" with an empty build", sortedLines(got), sortedLines(want))
		empty.Release()

		full := j.NewHashTable()
		full.Add(build)
		if err := full.Finish(); err != nil {
			t.Fatal(err)
		}
		if out, err := full.Probe(probe.NewSlice(0, 0)); out != nil || err != nil {
			t.Errorf("%s with an empty probe: got %v, %v; want nil, nil", typ, out, err)
		}
		full.Release()
	}
}

func TestJoinSchema(t *testing.T) {
	schema := func(fields ...string) *arrow.Schema {
		var fs []arrow.Field
		for _, f := range fields {
			name, typ, _ := strings.Cut(f, ":")
			dt := map[string]arrow.DataType{"i64": i64, "i32": i32, "str": str, "dec": decT(15, 2)}[typ]
			fs = append(fs, arrow.Field{Name: name, Type: dt})
		}
		return arrow.NewSchema(fs, nil)
	}
	for _, c := range []struct {
		typ           JoinType
		probe, build  *arrow.Schema
		pkeys, bkeys  []string
		want, wantErr string
	}{
		{Inner, schema("k:i64", "pv:str"), schema("k:i64", "bv:dec"), []string{"k"}, []string{"k"}, "k:int64 pv:utf8 bv:decimal(15,2)", ""},
		{Left, schema("k:i64", "pv:str"), schema("bv:dec", "k:i32"), []string{"k"}, []string{"k"}, "k:int64 pv:utf8 bv:decimal(15,2)?", ""},
		{Semi, schema("k:i64", "v:str"), schema("k:i64", "v:str"), []string{"k"}, []string{"k"}, "k:int64 v:utf8", ""},
		{Anti, schema("k:i64", "v:str"), schema("k:i64", "v:str"), []string{"k"}, []string{"k"}, "k:int64 v:utf8", ""},
		{Inner, schema("pk:i64", "pv:str"), schema("bk:i64", "bv:str"), []string{"pk"}, []string{"bk"}, "pk:int64 pv:utf8 bk:int64 bv:utf8", ""},
		{Inner, schema("a:str", "b:i64"), schema("b:i64", "a:str", "x:i64"), []string{"a", "b"}, []string{"a", "b"}, "a:utf8 b:int64 x:int64", ""},
		{Inner, schema("k:i64", "v:str"), schema("k:i64", "v:str"), []string{"k"}, []string{"k"}, "", `column "v" is on both sides`},
		{Left, schema("a:i64", "k:str"), schema("k:i64"), []string{"a"}, []string{"k"}, "", `column "k" is on both sides`},
		{Inner, schema("k:i64"), schema("k:str"), []string{"k"}, []string{"k"}, "", `join keys differ: key "k" is int64, key "k" is utf8`},
		{Inner, schema("k:i64"), schema("k:i64"), []string{"k"}, nil, "", "as many left keys as right keys"},
		{Inner, schema("k:i64"), schema("k:i64"), nil, nil, "", "at least one"},
		{Inner, schema("k:i64"), schema("k:i64"), []string{"zz"}, []string{"k"}, "", `left side: no column "zz"`},
		{Inner, schema("k:i64"), schema("k:i64"), []string{"k"}, []string{"zz"}, "", `right side: no column "zz"`},
	} {
		j, err := PlanJoin(c.typ, c.probe, c.build, c.pkeys, c.bkeys)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("%s join %v=%v: error %v, want %q", c.typ, c.pkeys, c.bkeys, err, c.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s join %v=%v: %v", c.typ, c.pkeys, c.bkeys, err)
			continue
		}
		var got []string
		for _, f := range j.Schema().Fields() {
			s := f.Name + ":" + typeName(f.Type)
			if f.Nullable && !c.probe.HasField(f.Name) {
				s += "?"
			}
			got = append(got, s)
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("%s join %v=%v: schema %s, want %s", c.typ, c.pkeys, c.bkeys, strings.Join(got, " "), c.want)
		}
	}
}

// TestJoinPlaceholders joins sides with unread (placeholder) columns:
// they stay placeholders in the output.
func TestJoinPlaceholders(t *testing.T) {
	probe := newBatch(t, column{"k", i64, []any{int64(1), int64(2), nil, int64(4)}}, column{"p", nullT, make([]any, 4)})
	build := newBatch(t, column{"k", i64, []any{int64(1), int64(1), int64(2), nil}}, column{"v", i64, []any{int64(10), int64(11), int64(20), int64(0)}},
		column{"b", nullT, make([]any, 4)})
	defer probe.Release()
	defer build.Release()
	for _, c := range []struct {
		typ  JoinType
		want []string
	}{
		{Inner, []string{"int64:1|NULL|int64:10|NULL", "int64:1|NULL|int64:11|NULL", "int64:2|NULL|int64:20|NULL"}},
		{Left, []string{"NULL|NULL|NULL|NULL", "int64:1|NULL|int64:10|NULL", "int64:1|NULL|int64:11|NULL", "int64:2|NULL|int64:20|NULL", "int64:4|NULL|NULL|NULL"}},
		{Semi, []string{"int64:1|NULL", "int64:2|NULL"}},
		{Anti, []string{"NULL|NULL", "int64:4|NULL"}},
	} {
		j, err := PlanJoin(c.typ, probe.Schema(), build.Schema(), []string{"k"}, []string{"k"})
		if err != nil {
			t.Fatal(err)
		}
		h := j.NewHashTable()
		h.Add(build)
		if err := h.Finish(); err != nil {
			t.Fatal(err)
		}
		out, err := h.Probe(probe)
		if err != nil {
			t.Fatal(err)
		}
		for i, col := range out.Columns() {
			if name := out.Schema().Field(i).Name; (name == "p" || name == "b") != IsPlaceholder(col) {
				t.Errorf("%s: column %s: placeholder %v", c.typ, name, IsPlaceholder(col))
			}
		}
		diffLines(t, c.typ.String(), sortedLines(rowsOf(out)), c.want)
		out.Release()
		h.Release()
	}
}
