package columnar

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

var keyWords = []string{"", "a", "b", "ab", "Straße", "12345678901", "123456789012",
	"a string longer than sixteen bytes", "another string longer than sixteen"}

// keyCell is a random key value of type dt from a small domain, so that
// keys repeat; fresh shifts the domain to give keys not seen before.
func keyCell(r *rand.Rand, dt arrow.DataType, fresh bool) any {
	shift := 0
	if fresh {
		shift = 1001
	}
	switch dt.ID() {
	case arrow.INT8:
		return int64(r.IntN(20) - 10 + shift/10)
	case arrow.INT16:
		return int64(r.IntN(40)-20)*1000 + int64(shift/100)
	case arrow.INT32:
		return int64(r.IntN(50)-25)*100_000 + int64(shift)
	case arrow.INT64:
		return int64(r.IntN(50)-25)*1e12 + int64(shift)
	case arrow.FLOAT32:
		return pick(r, 0.0, math.Copysign(0, -1), 0.5, -2.25, 1024.0) + float64(shift)
	case arrow.FLOAT64:
		return pick(r, 0.0, math.Copysign(0, -1), 1.5, -3.75, 1e300, math.NaN(), math.Inf(-1)) + float64(shift)
	case arrow.DATE32:
		return arrow.Date32(r.IntN(30)*1000 - 15000 + shift)
	case arrow.DECIMAL128:
		v := new(big.Int).Mul(big.NewInt(int64(r.IntN(40)-20)), pow10Int(20))
		return decOf(v.Add(v, big.NewInt(int64(shift))))
	case arrow.STRING:
		if fresh {
			return "new " + pick(r, keyWords...)
		}
		return pick(r, keyWords...)
	case arrow.BOOL:
		return r.IntN(2) == 0
	}
	panic("keyCell of " + dt.String())
}

// keyBatch is a batch of n random keys of types (columns k0, k1, …) and
// its rows.
func keyBatch(t *testing.T, r *rand.Rand, types []arrow.DataType, n int, fresh bool) (arrow.RecordBatch, [][]any) {
	cols := make([]column, len(types))
	for j, dt := range types {
		cols[j] = column{fmt.Sprintf("k%d", j), dt, gen(r, n, 10, func() any { return keyCell(r, dt, fresh) })}
	}
	rows := make([][]any, n)
	for i := range rows {
		for j := range cols {
			rows[i] = append(rows[i], cols[j].vals[i])
		}
	}
	return newBatch(t, cols...), rows
}

func keyNames(n int) []string {
	var out []string
	for j := range n {
		out = append(out, fmt.Sprintf("k%d", j))
	}
	return out
}

var keyConfigs = []struct {
	name  string
	types []arrow.DataType
}{
	{"int64", []arrow.DataType{i64}},
	{"int32", []arrow.DataType{i32}},
	{"int16", []arrow.DataType{i16}},
	{"int8", []arrow.DataType{i8}},
	{"date", []arrow.DataType{date}},
	{"float64", []arrow.DataType{f64}},
	{"float32", []arrow.DataType{f32}},
	{"decimal", []arrow.DataType{decT(38, 2)}},
	{"string", []arrow.DataType{str}},
	{"bool", []arrow.DataType{boolT}},
	{"string+int32", []arrow.DataType{str, i32}},
	{"bool+date+float64 (16 bytes)", []arrow.DataType{boolT, date, f64}},
	{"string+string", []arrow.DataType{str, str}},
	{"every type", []arrow.DataType{i8, i16, i32, i64, f32, f64, date, decT(38, 2), str, boolT}},
}

// TestKeyMap numbers the keys of three batches (one a slice) and checks
// ids, lookups without insert, Columns and Hash against a Go map.
func TestKeyMap(t *testing.T) {
	for ci, c := range keyConfigs {
		t.Run(c.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(ci), 3))
			k, err := NewKeys(newBatchSchema(t, c.types), keyNames(len(c.types)))
			if err != nil {
				t.Fatal(err)
			}
			m := NewKeyMap(k)
			ref := map[string]int32{}
			var distinct [][]any
			hashes := map[string]uint64{}
			for b := range 3 {
				rec, rows := keyBatch(t, r, c.types, 300, false)
				if b == 1 {
					rec, rows = rec.NewSlice(50, 250), rows[50:250]
				}
				ids := m.IDs(rec, true, nil)
				hs := k.Hash(rec, nil)
				for i, row := range rows {
					key := render(row)
					id, ok := ref[key]
					if !ok {
						id = int32(len(distinct))
						ref[key], distinct = id, append(distinct, row)
					}
					if ids[i] != id {
						t.Fatalf("batch %d row %d %s: id %d, want %d", b, i, key, ids[i], id)
					}
					if h, ok := hashes[key]; ok && h != hs[i] {
						t.Fatalf("batch %d row %d %s: hash %x, earlier %x", b, i, key, hs[i], h)
					}
					hashes[key] = hs[i]
				}
				rec.Release()
			}
			if m.Len() != len(distinct) {
				t.Errorf("Len %d, want %d", m.Len(), len(distinct))
			}
			checkDistinctHashes(t, hashes)
			checkLookups(t, r, m, c.types, ref)
			checkColumns(t, m, k, distinct)
		})
	}
}

func newBatchSchema(t *testing.T, types []arrow.DataType) *arrow.Schema {
	rec, _ := keyBatch(t, rand.New(rand.NewPCG(0, 0)), types, 0, false)
	defer rec.Release()
	return rec.Schema()
}

// checkDistinctHashes checks that distinct keys hash apart.
func checkDistinctHashes(t *testing.T, hashes map[string]uint64) {
	t.Helper()
	seen := map[uint64]string{}
	for key, h := range hashes {
		if other, ok := seen[h]; ok {
			t.Errorf("keys %s and %s both hash to %x", key, other, h)
		}
		seen[h] = key
	}
}

// checkLookups looks up known and fresh keys without inserting them.
func checkLookups(t *testing.T, r *rand.Rand, m *KeyMap, types []arrow.DataType, ref map[string]int32) {
	t.Helper()
	n := m.Len()
	old, oldRows := keyBatch(t, r, types, 100, false)
	fresh, freshRows := keyBatch(t, r, types, 100, true)
	defer old.Release()
	defer fresh.Release()
	for _, b := range []struct {
		rec  arrow.RecordBatch
		rows [][]any
	}{{old, oldRows}, {fresh, freshRows}} {
		ids := m.IDs(b.rec, false, nil)
		for i, row := range b.rows {
			want, ok := ref[render(row)]
			if !ok {
				want = -1
			}
			if ids[i] != want {
				t.Fatalf("lookup of %s: id %d, want %d", render(row), ids[i], want)
			}
		}
	}
	if m.Len() != n {
		t.Errorf("lookups changed Len from %d to %d", n, m.Len())
	}
}

// checkColumns decodes the keys and compares them with the distinct rows
// in order of first appearance.
func checkColumns(t *testing.T, m *KeyMap, k *Keys, distinct [][]any) {
	t.Helper()
	cols := m.Columns()
	if len(cols) != len(k.Types()) {
		t.Fatalf("Columns: %d columns, want %d", len(cols), len(k.Types()))
	}
	for j, c := range cols {
		if !arrow.TypeEqual(c.DataType(), k.Types()[j]) {
			t.Errorf("column %d: type %s, want %s", j, c.DataType(), k.Types()[j])
		}
		if c.Len() != len(distinct) {
			t.Fatalf("column %d: %d rows, want %d", j, c.Len(), len(distinct))
		}
		for i, v := range cells(c) {
			if got, want := render([]any{v}), render(distinct[i][j:j+1]); got != want {
				t.Errorf("key %d column %d: got %s, want %s", i, j, got, want)
				break
			}
		}
		c.Release()
	}
}

// TestHashAcrossSides checks that a probe and a build side with
// compatible key types (integers of different widths) hash equal keys
// alike, for the int path and the encoded path.
func TestHashAcrossSides(t *testing.T) {
	for _, c := range []struct {
		name         string
		probe, build []arrow.DataType
	}{
		{"int32 vs int64", []arrow.DataType{i32}, []arrow.DataType{i64}},
		{"int8 vs int16", []arrow.DataType{i8}, []arrow.DataType{i16}},
		{"int32+string vs int64+string", []arrow.DataType{i32, str}, []arrow.DataType{i64, str}},
		{"date+int16 vs date+int64", []arrow.DataType{date, i16}, []arrow.DataType{date, i64}},
		{"float32 vs float64", []arrow.DataType{f32}, []arrow.DataType{f64}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(7, 7))
			probe, rows := keyBatch(t, r, c.probe, 200, false)
			defer probe.Release()
			var cols []column
			for j, dt := range c.build {
				var vals []any
				for _, row := range rows {
					vals = append(vals, row[j])
				}
				cols = append(cols, column{fmt.Sprintf("k%d", j), dt, vals})
			}
			build := newBatch(t, cols...)
			defer build.Release()
			pk, err := NewKeys(probe.Schema(), keyNames(len(c.probe)))
			if err != nil {
				t.Fatal(err)
			}
			bk, err := NewKeys(build.Schema(), keyNames(len(c.build)))
			if err != nil {
				t.Fatal(err)
			}
			if err := pk.Compatible(bk); err != nil {
				t.Fatalf("Compatible: %v", err)
			}
			ph, bh := pk.Hash(probe, nil), bk.Hash(build, nil)
			for i := range ph {
				if ph[i] != bh[i] {
					t.Fatalf("row %d %s: probe hash %x, build hash %x", i, render(rows[i]), ph[i], bh[i])
				}
			}
		})
	}
}

func TestKeysErrors(t *testing.T) {
	s := arrow.NewSchema([]arrow.Field{
		{Name: "i", Type: i64}, {Name: "s", Type: str}, {Name: "n", Type: nullT},
		{Name: "u", Type: arrow.PrimitiveTypes.Uint32}, {Name: "d2", Type: decT(15, 2)},
		{Name: "d3", Type: decT(15, 3)}, {Name: "j", Type: i32},
	}, nil)
	for _, c := range []struct {
		names []string
		want  string
	}{
		{[]string{"zz"}, `no column "zz"`},
		{[]string{"n"}, `column "n" of type null cannot be a key`},
		{[]string{"u"}, `column "u" of type uint32 cannot be a key`},
	} {
		if _, err := NewKeys(s, c.names); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("NewKeys(%v): error %v, want %q", c.names, err, c.want)
		}
	}
	keys := func(names ...string) *Keys {
		k, err := NewKeys(s, names)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	for _, c := range []struct {
		a, b *Keys
		want string
	}{
		{keys("i"), keys("s"), `key "i" is int64, key "s" is utf8`},
		{keys("d2"), keys("d3"), `key "d2" is decimal(15,2), key "d3" is decimal(15,3)`},
		{keys("i", "s"), keys("i"), "2 key columns against 1"},
	} {
		if err := c.a.Compatible(c.b); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Compatible(%v, %v): error %v, want %q", c.a.Names(), c.b.Names(), err, c.want)
		}
	}
	if err := keys("j", "s").Compatible(keys("i", "s")); err != nil {
		t.Errorf("int32 and int64 keys: %v", err)
	}
}
