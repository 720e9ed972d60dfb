package columnar

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// SortKey is one column of a sort order. Nulls come first in ascending
// order and last in descending order (Spark's defaults); NaN is greater
// than every other float.
type SortKey struct {
	Column string
	Desc   bool
}

// Sort is a planned sort order over a schema.
type Sort struct {
	schema *arrow.Schema
	keys   []SortKey
	cols   []int
}

// PlanSort plans sorting rows of s by keys.
func PlanSort(s *arrow.Schema, keys []SortKey) (*Sort, error) {
	if len(keys) == 0 {
		return nil, fmt.Errorf("sort needs at least one key")
	}
	o := &Sort{schema: s, keys: keys}
	for _, k := range keys {
		idx := s.FieldIndices(k.Column)
		if len(idx) == 0 {
			return nil, fmt.Errorf("no column %q to sort by (columns: %v)", k.Column, fieldNames(s))
		}
		if kd := kindOf(s.Field(idx[0]).Type); kd == kNone || kd == kNull {
			return nil, fmt.Errorf("cannot sort by %q of type %s", k.Column, typeName(s.Field(idx[0]).Type))
		}
		o.cols = append(o.cols, idx[0])
	}
	return o, nil
}

// Concat returns recs as one batch of schema s.
func Concat(s *arrow.Schema, recs []arrow.RecordBatch) (arrow.RecordBatch, error) {
	if len(recs) == 1 {
		recs[0].Retain()
		return recs[0], nil
	}
	cols := make([]arrow.Array, len(s.Fields()))
	var rows int64
	for _, r := range recs {
		rows += r.NumRows()
	}
	for c := range cols {
		if len(recs) == 0 {
			cols[c] = array.MakeArrayOfNull(memory.DefaultAllocator, s.Field(c).Type, 0)
			continue
		}
		parts := make([]arrow.Array, len(recs))
		for i, r := range recs {
			parts[i] = r.Column(c)
		}
		var err error
		if cols[c], err = array.Concatenate(parts, memory.DefaultAllocator); err != nil {
			return nil, err
		}
	}
	rec := array.NewRecordBatch(Shape(s, cols), cols, rows)
	for _, c := range cols {
		c.Release()
	}
	return rec, nil
}

// Sort returns the rows of recs in order, at most limit of them when
// limit > 0. Equal rows keep their input order.
func (o *Sort) Sort(recs []arrow.RecordBatch, limit int) (arrow.RecordBatch, error) {
	s := o.schema
	if len(recs) > 0 {
		s = recs[0].Schema()
	}
	all, err := Concat(s, recs)
	if err != nil {
		return nil, err
	}
	defer all.Release()
	n := int(all.NumRows())
	cmps := make([]func(i, j int) int, len(o.cols))
	for k, c := range o.cols {
		cmps[k] = comparer(all.Column(c), o.keys[k].Desc)
	}
	perm := make([]int32, n)
	for i := range perm {
		perm[i] = int32(i)
	}
	slices.SortStableFunc(perm, func(a, b int32) int {
		for _, f := range cmps {
			if c := f(int(a), int(b)); c != 0 {
				return c
			}
		}
		return 0
	})
	if limit > 0 && len(perm) > limit {
		perm = perm[:limit]
	}
	cols := make([]arrow.Array, all.NumCols())
	for c := range cols {
		if cols[c], err = gather(all.Column(c), perm); err != nil {
			return nil, err
		}
		defer cols[c].Release()
	}
	return array.NewRecordBatch(all.Schema(), cols, int64(len(perm))), nil
}

// comparer compares rows of a; nulls are least, NaN is the greatest float.
func comparer(a arrow.Array, desc bool) func(i, j int) int {
	var f func(i, j int) int
	switch x := a.(type) {
	case *array.Int64:
		v := x.Int64Values()
		f = func(i, j int) int { return cmpOrd(v[i], v[j]) }
	case *array.Int32:
		v := x.Int32Values()
		f = func(i, j int) int { return cmpOrd(v[i], v[j]) }
	case *array.Float64:
		v := x.Float64Values()
		f = func(i, j int) int { return cmpFloat(v[i], v[j]) }
	case *array.Float32:
		v := x.Float32Values()
		f = func(i, j int) int { return cmpFloat(float64(v[i]), float64(v[j])) }
	case *array.Date32:
		v := x.Date32Values()
		f = func(i, j int) int { return cmpOrd(v[i], v[j]) }
	case *array.Decimal128:
		v := x.Values()
		f = func(i, j int) int { return v[i].Cmp(v[j]) }
	case *array.String:
		f = func(i, j int) int { return strings.Compare(x.Value(i), x.Value(j)) }
	case *array.Boolean:
		f = func(i, j int) int {
			p, q := x.Value(i), x.Value(j)
			switch {
			case p == q:
				return 0
			case !p:
				return -1
			}
			return 1
		}
	default:
		o := operand{typ: a.DataType(), arr: a}
		v := ints(o).v
		f = func(i, j int) int { return cmpOrd(v[i], v[j]) }
	}
	g := f
	if a.NullN() > 0 {
		g = func(i, j int) int {
			ni, nj := a.IsNull(i), a.IsNull(j)
			switch {
			case ni && nj:
				return 0
			case ni:
				return -1
			case nj:
				return 1
			}
			return f(i, j)
		}
	}
	if desc {
		return func(i, j int) int { return -g(i, j) }
	}
	return g
}

func cmpOrd[T int64 | int32 | float64 | arrow.Date32](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// cmpFloat orders floats with NaN above every other value (as Spark and
// PostgreSQL do): a total order, which < alone is not.
func cmpFloat(a, b float64) int {
	an, bn := a != a, b != b
	if an || bn {
		return cmpOrd(b2int(an), b2int(bn))
	}
	return cmpOrd(a, b)
}

func b2int(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// Filter returns the rows of rec where mask (a Boolean array) is true.
func Filter(rec arrow.RecordBatch, mask arrow.Array) (arrow.RecordBatch, error) {
	m := mask.(*array.Boolean)
	var sel []int32
	for i := range m.Len() {
		if m.IsValid(i) && m.Value(i) {
			sel = append(sel, int32(i))
		}
	}
	if len(sel) == m.Len() {
		rec.Retain()
		return rec, nil
	}
	return Take(rec, sel)
}

// Take returns the rows sel of rec.
func Take(rec arrow.RecordBatch, sel []int32) (arrow.RecordBatch, error) {
	cols := make([]arrow.Array, rec.NumCols())
	for c := range cols {
		var err error
		if cols[c], err = gather(rec.Column(c), sel); err != nil {
			for _, a := range cols[:c] {
				a.Release()
			}
			return nil, err
		}
	}
	out := array.NewRecordBatch(rec.Schema(), cols, int64(len(sel)))
	for _, c := range cols {
		c.Release()
	}
	return out, nil
}

// gather returns the rows idx of a: a tight loop for the fixed-width and
// string types operators produce most, arrow's Take for the others.
func gather(a arrow.Array, idx []int32) (arrow.Array, error) {
	if IsPlaceholder(a) {
		return Placeholder(len(idx)), nil
	}
	valid := newBitmap(len(idx))
	if a.NullN() > 0 {
		for k, i := range idx {
			if a.IsNull(int(i)) {
				valid.setNull(k)
			}
		}
	}
	switch x := a.(type) {
	case *array.Int64:
		return fixed(a.DataType(), gatherVals(x.Int64Values(), idx), valid), nil
	case *array.Int32:
		return fixed(a.DataType(), gatherVals(x.Int32Values(), idx), valid), nil
	case *array.Float64:
		return fixed(a.DataType(), gatherVals(x.Float64Values(), idx), valid), nil
	case *array.Date32:
		return fixed(a.DataType(), gatherVals(x.Date32Values(), idx), valid), nil
	case *array.Decimal128:
		return fixed(a.DataType(), gatherVals(x.Values(), idx), valid), nil
	case *array.String:
		// ValueBytes of a slice starts at its first value, while its
		// offsets still count from the start of the whole buffer.
		offs := x.ValueOffsets()
		data, base := x.ValueBytes(), offs[0]
		size := 0
		for _, i := range idx {
			size += int(offs[i+1] - offs[i])
		}
		outOffs := make([]int32, len(idx)+1)
		out := make([]byte, 0, size)
		for k, i := range idx {
			out = append(out, data[offs[i]-base:offs[i+1]-base]...)
			outOffs[k+1] = int32(len(out))
		}
		d := array.NewData(arrow.BinaryTypes.String, len(idx), []*memory.Buffer{valid.buffer(), memory.NewBufferBytes(bytesOf(outOffs)), memory.NewBufferBytes(out)}, nil, valid.nulls, 0)
		defer d.Release()
		return array.MakeFromData(d), nil
	}
	ia := fixed(arrow.PrimitiveTypes.Int32, idx, newBitmap(len(idx)))
	defer ia.Release()
	return take(context.Background(), a, ia)
}

func gatherVals[T any](v []T, idx []int32) []T {
	out := make([]T, len(idx))
	for k, i := range idx {
		out[k] = v[i]
	}
	return out
}
