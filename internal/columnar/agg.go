package columnar

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"strings"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// AggKind is an aggregate function.
type AggKind int

// Aggregate functions. Sum, Avg, Min and Max skip nulls and are null for
// a group without a value (Min and Max order floats as Sort does: NaN
// above every other value); Count counts non-null values (every row when
// the input is the zero Expr); CountDistinct counts distinct non-null
// values.
const (
	Sum AggKind = iota + 1
	Count
	Avg
	Min
	Max
	CountDistinct
)

func (k AggKind) String() string {
	return [...]string{"?", "sum", "count", "avg", "min", "max", "count_distinct"}[k]
}

// Agg is one aggregate of a grouping: Kind of Input, named Name in the
// output.
type Agg struct {
	Kind  AggKind
	Input Expr // the zero Expr: count(*)
	Name  string
}

// Aggregation is a planned group-by: keys and aggregates over an input
// schema. It runs in two phases: a partial table per producer turns input
// rows into states (PartialSchema), which are shuffled by key; a final
// table per partition merges states into results (Schema).
type Aggregation struct {
	keys    *Keys
	aggs    []Agg
	inputs  []*Bound // nil for count(*)
	partial *arrow.Schema
	final   *arrow.Schema
	pkeys   *Keys // the keys in the partial schema
}

// PlanAggregation plans the grouping of in by the key columns keys with
// aggs. No keys is a global aggregate: one output row.
func PlanAggregation(in *arrow.Schema, keys []string, aggs []Agg) (*Aggregation, error) {
	a := &Aggregation{aggs: aggs}
	k, err := NewKeys(in, keys)
	if err != nil {
		return nil, err
	}
	a.keys = k
	var pf, ff []arrow.Field
	for i, name := range keys {
		f := arrow.Field{Name: name, Type: k.types[i], Nullable: true}
		pf, ff = append(pf, f), append(ff, f)
	}
	seen := map[string]bool{}
	for _, n := range keys {
		seen[n] = true
	}
	for _, g := range aggs {
		if g.Name == "" || seen[g.Name] {
			return nil, fmt.Errorf("aggregate %s(%s): needs a name unique among the output columns, got %q", g.Kind, g.Input, g.Name)
		}
		seen[g.Name] = true
		var b *Bound
		if g.Input.n != nil {
			if b, err = g.Input.Bind(in); err != nil {
				return nil, fmt.Errorf("aggregate %q: %w", g.Name, err)
			}
		} else if g.Kind != Count {
			return nil, fmt.Errorf("aggregate %q: %s needs an input", g.Name, g.Kind)
		}
		a.inputs = append(a.inputs, b)
		st, err := newState(g, b)
		if err != nil {
			return nil, fmt.Errorf("aggregate %q: %w", g.Name, err)
		}
		pf = append(pf, st.fields(g.Name)...)
		ff = append(ff, arrow.Field{Name: g.Name, Type: st.resultType(), Nullable: true})
	}
	a.partial, a.final = arrow.NewSchema(pf, nil), arrow.NewSchema(ff, nil)
	if len(keys) > 0 {
		if a.pkeys, err = NewKeys(a.partial, keys); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// PartialSchema is the schema of the states the partial phase emits.
func (a *Aggregation) PartialSchema() *arrow.Schema { return a.partial }

// Schema is the schema of the results.
func (a *Aggregation) Schema() *arrow.Schema { return a.final }

// PartialKeys plans the key in the partial schema (for partitioning);
// nil for a global aggregate.
func (a *Aggregation) PartialKeys() *Keys { return a.pkeys }

// AggTable is the hash table of one phase of an Aggregation.
type AggTable struct {
	a      *Aggregation
	m      *KeyMap // nil for a global aggregate
	states []state
	ids    []int32
	groups int
}

// NewTable returns an empty table.
func (a *Aggregation) NewTable() *AggTable {
	t := &AggTable{a: a}
	if len(a.keys.cols) > 0 {
		t.m = NewKeyMap(a.keys)
	}
	t.reset()
	return t
}

func (t *AggTable) reset() {
	t.states = t.states[:0]
	for i, g := range t.a.aggs {
		st, _ := newState(g, t.a.inputs[i])
		t.states = append(t.states, st)
	}
	if t.m != nil {
		t.m = NewKeyMap(t.m.k)
	}
	t.groups = 0
}

// Len is the number of groups.
func (t *AggTable) Len() int { return t.groups }

// Bytes estimates the table's memory.
func (t *AggTable) Bytes() int64 {
	var n int64
	if t.m != nil {
		n = t.m.Bytes()
	}
	for _, s := range t.states {
		n += s.bytes()
	}
	return n
}

// groupIDs numbers the rows of rec by group, with keys planned by k.
func (t *AggTable) groupIDs(rec arrow.RecordBatch, k *Keys) []int32 {
	n := int(rec.NumRows())
	if t.m == nil {
		t.ids = t.ids[:0]
		for range n {
			t.ids = append(t.ids, 0)
		}
		t.groups = 1
	} else {
		t.m.k = k
		t.ids = t.m.IDs(rec, true, t.ids)
		t.groups = t.m.Len()
	}
	for _, s := range t.states {
		s.grow(t.groups)
	}
	return t.ids
}

// Add aggregates the input rows of rec (of the input schema).
func (t *AggTable) Add(rec arrow.RecordBatch) {
	ids := t.groupIDs(rec, t.a.keys)
	for i, s := range t.states {
		var col arrow.Array
		if b := t.a.inputs[i]; b != nil {
			col = b.Eval(rec)
		}
		s.update(ids, col, int(rec.NumRows()))
		if col != nil {
			col.Release()
		}
	}
}

// Merge merges the states of rec (of the partial schema).
func (t *AggTable) Merge(rec arrow.RecordBatch) {
	ids := t.groupIDs(rec, t.a.pkeys)
	c := len(t.a.keys.cols)
	for _, s := range t.states {
		w := len(s.fields(""))
		s.merge(ids, rec.Columns()[c:c+w])
		c += w
	}
}

// States returns the table's groups as one batch of the partial schema
// (nil when empty) and empties the table.
func (t *AggTable) States() arrow.RecordBatch {
	return t.emit(t.a.partial, func(s state) []arrow.Array { return s.states() })
}

// Results returns the table's groups as one batch of the result schema
// and empties the table. A global aggregate returns its one row even when
// no input came; a grouped one returns nil then.
func (t *AggTable) Results() arrow.RecordBatch {
	if t.m == nil && t.groups == 0 {
		t.groups = 1
		for _, s := range t.states {
			s.grow(1)
		}
	}
	return t.emit(t.a.final, func(s state) []arrow.Array { return []arrow.Array{s.result()} })
}

func (t *AggTable) emit(schema *arrow.Schema, cols func(state) []arrow.Array) arrow.RecordBatch {
	if t.groups == 0 {
		return nil
	}
	var out []arrow.Array
	if t.m != nil {
		out = t.m.Columns()
	}
	for _, s := range t.states {
		out = append(out, cols(s)...)
	}
	rec := array.NewRecordBatch(schema, out, int64(t.groups))
	for _, c := range out {
		c.Release()
	}
	t.reset()
	return rec
}

// state is one aggregate's values per group.
type state interface {
	fields(name string) []arrow.Field // of the partial schema
	resultType() arrow.DataType
	grow(n int)
	update(ids []int32, col arrow.Array, rows int)
	merge(ids []int32, cols []arrow.Array)
	states() []arrow.Array
	result() arrow.Array
	bytes() int64
}

func newState(g Agg, in *Bound) (state, error) {
	if g.Kind == Count {
		return &countState{all: in == nil}, nil
	}
	dt := in.Type()
	k := kindOf(dt)
	switch g.Kind {
	case Sum, Avg:
		var s state
		switch k {
		case kInt:
			s = newSum(arrow.PrimitiveTypes.Int64, func(a arrow.Array) []int64 { return ints(operand{typ: a.DataType(), arr: a}).v },
				func(x, y int64) int64 { return x + y })
		case kFloat:
			s = newSum(arrow.PrimitiveTypes.Float64, func(a arrow.Array) []float64 { return floats(operand{typ: a.DataType(), arr: a}).v },
				func(x, y float64) float64 { return x + y })
		case kDec:
			_, scale := decParams(dt)
			s = newSum(decimalType(38, scale), func(a arrow.Array) []decimal128.Num { return a.(*array.Decimal128).Values() },
				decimal128.Num.Add)
		default:
			return nil, fmt.Errorf("%s of %s, want a number", g.Kind, typeName(dt))
		}
		if g.Kind == Avg {
			return &avgState{sum: s, scale: decScale(dt)}, nil
		}
		return s, nil
	case Min, Max:
		less := g.Kind == Min
		switch k {
		case kInt:
			return newExtreme(arrow.PrimitiveTypes.Int64, func(a arrow.Array) []int64 { return ints(operand{typ: a.DataType(), arr: a}).v },
				func(x, y int64) bool { return x < y }, less, nil), nil
		case kFloat:
			return newExtreme(arrow.PrimitiveTypes.Float64, func(a arrow.Array) []float64 { return floats(operand{typ: a.DataType(), arr: a}).v },
				func(x, y float64) bool { return cmpFloat(x, y) < 0 }, less, nil), nil
		case kDec:
			return newExtreme(dt, func(a arrow.Array) []decimal128.Num { return a.(*array.Decimal128).Values() },
				decimal128.Num.Less, less, nil), nil
		case kDate:
			return newExtreme(dt, func(a arrow.Array) []arrow.Date32 { return a.(*array.Date32).Date32Values() },
				func(x, y arrow.Date32) bool { return x < y }, less, nil), nil
		case kString:
			return newExtreme(dt, func(a arrow.Array) []string {
				s := a.(*array.String)
				out := make([]string, s.Len())
				for i := range out {
					out[i] = s.Value(i)
				}
				return out
			}, func(x, y string) bool { return x < y }, less, strings.Clone), nil
		}
		return nil, fmt.Errorf("%s of %s", g.Kind, typeName(dt))
	case CountDistinct:
		if kindOf(dt) == kNone || kindOf(dt) == kNull {
			return nil, fmt.Errorf("count distinct of %s", typeName(dt))
		}
		keys, err := NewKeys(arrow.NewSchema([]arrow.Field{{Name: "v", Type: dt}}, nil), []string{"v"})
		if err != nil {
			return nil, err
		}
		return &distinctState{keys: keys, dt: dt}, nil
	}
	return nil, fmt.Errorf("unknown aggregate %d", g.Kind)
}

func decScale(dt arrow.DataType) int32 {
	if d, ok := dt.(*arrow.Decimal128Type); ok {
		return d.Scale
	}
	return 0
}

type countState struct {
	all bool
	n   []int64
}

func (s *countState) fields(name string) []arrow.Field {
	return []arrow.Field{{Name: name, Type: arrow.PrimitiveTypes.Int64}}
}
func (s *countState) resultType() arrow.DataType { return arrow.PrimitiveTypes.Int64 }
func (s *countState) grow(n int) {
	for len(s.n) < n {
		s.n = append(s.n, 0)
	}
}
func (s *countState) update(ids []int32, col arrow.Array, rows int) {
	if !s.all && IsPlaceholder(col) {
		return // every value null (and IsValid is true for arrow's Null arrays)
	}
	if s.all || col.NullN() == 0 {
		for _, id := range ids {
			s.n[id]++
		}
		return
	}
	for i, id := range ids {
		if col.IsValid(i) {
			s.n[id]++
		}
	}
}
func (s *countState) merge(ids []int32, cols []arrow.Array) {
	v := cols[0].(*array.Int64).Int64Values()
	for i, id := range ids {
		s.n[id] += v[i]
	}
}
func (s *countState) states() []arrow.Array { return []arrow.Array{s.result()} }
func (s *countState) result() arrow.Array {
	return fixed(arrow.PrimitiveTypes.Int64, s.n, newBitmap(len(s.n)))
}
func (s *countState) bytes() int64 { return int64(8 * len(s.n)) }

// sumState adds values of T; seen marks groups with a value.
type sumState[T any] struct {
	typ  arrow.DataType
	get  func(arrow.Array) []T
	add  func(T, T) T
	v    []T
	seen []bool
}

func newSum[T any](typ arrow.DataType, get func(arrow.Array) []T, add func(T, T) T) *sumState[T] {
	return &sumState[T]{typ: typ, get: get, add: add}
}

func (s *sumState[T]) fields(name string) []arrow.Field {
	return []arrow.Field{{Name: name, Type: s.typ, Nullable: true}}
}
func (s *sumState[T]) resultType() arrow.DataType { return s.typ }
func (s *sumState[T]) grow(n int) {
	var z T
	for len(s.v) < n {
		s.v, s.seen = append(s.v, z), append(s.seen, false)
	}
}
func (s *sumState[T]) update(ids []int32, col arrow.Array, rows int) {
	vals := s.get(col)
	if col.NullN() == 0 {
		switch acc := any(s.v).(type) { // the common sums, without a call per row
		case []decimal128.Num:
			in := any(vals).([]decimal128.Num)
			for i, id := range ids {
				acc[id] = acc[id].Add(in[i])
				s.seen[id] = true
			}
		case []int64:
			in := any(vals).([]int64)
			for i, id := range ids {
				acc[id] += in[i]
				s.seen[id] = true
			}
		default:
			for i, id := range ids {
				s.v[id] = s.add(s.v[id], vals[i])
				s.seen[id] = true
			}
		}
		return
	}
	for i, id := range ids {
		if col.IsValid(i) {
			s.v[id] = s.add(s.v[id], vals[i])
			s.seen[id] = true
		}
	}
}
func (s *sumState[T]) merge(ids []int32, cols []arrow.Array) { s.update(ids, cols[0], len(ids)) }
func (s *sumState[T]) states() []arrow.Array                 { return []arrow.Array{s.result()} }
func (s *sumState[T]) result() arrow.Array {
	valid := newBitmap(len(s.v))
	for i, ok := range s.seen {
		if !ok {
			valid.setNull(i)
		}
	}
	return fixed(s.typ, s.v, valid)
}
func (s *sumState[T]) bytes() int64 {
	var z T
	return int64(len(s.v)) * int64(unsafe.Sizeof(z)+1)
}

// avgState is a sum and a count; its result is their quotient as float64.
type avgState struct {
	sum   state
	n     countState
	scale int32
}

func (s *avgState) fields(name string) []arrow.Field {
	return append(s.sum.fields(name+"$sum"), s.n.fields(name+"$count")...)
}
func (s *avgState) resultType() arrow.DataType { return arrow.PrimitiveTypes.Float64 }
func (s *avgState) grow(n int)                 { s.sum.grow(n); s.n.grow(n) }
func (s *avgState) update(ids []int32, col arrow.Array, rows int) {
	s.sum.update(ids, col, rows)
	s.n.update(ids, col, rows)
}
func (s *avgState) merge(ids []int32, cols []arrow.Array) {
	s.sum.merge(ids, cols[:1])
	s.n.merge(ids, cols[1:])
}
func (s *avgState) states() []arrow.Array { return append(s.sum.states(), s.n.states()...) }
func (s *avgState) result() arrow.Array {
	sum := s.sum.result()
	defer sum.Release()
	// The unscaled sum over count × 10^scale, one rounding of each as
	// DuckDB divides (not the sum's float value over the count: that
	// rounds twice and can differ in the last digit).
	var f []float64
	if d, ok := sum.(*array.Decimal128); ok {
		f = make([]float64, d.Len())
		for i, v := range d.Values() {
			f[i] = decimalFloat(v)
		}
	} else {
		f = floats(operand{typ: sum.DataType(), arr: sum}).v
	}
	div := math.Pow10(int(s.scale))
	out := make([]float64, len(f))
	valid := newBitmap(len(f))
	for i := range out {
		if sum.IsNull(i) || s.n.n[i] == 0 {
			valid.setNull(i)
			continue
		}
		out[i] = f[i] / (float64(s.n.n[i]) * div)
	}
	return fixed(arrow.PrimitiveTypes.Float64, out, valid)
}
func (s *avgState) bytes() int64 { return s.sum.bytes() + s.n.bytes() }

// decimalFloat is v (unscaled) rounded to float64 once. Num.ToFloat64
// rounds the low and the high 64 bits apart, which can be off by one in
// the last place beyond 2^64.
func decimalFloat(v decimal128.Num) float64 {
	if hi := v.HighBits(); hi == 0 || (hi == -1 && v.LowBits() != 0) {
		return v.ToFloat64(0) // |v| < 2^64: one conversion of a uint64
	}
	f, _ := new(big.Float).SetInt(v.BigInt()).Float64()
	return f
}

// extremeState keeps the least (min) or greatest (max) value of T.
type extremeState[T any] struct {
	typ   arrow.DataType
	get   func(arrow.Array) []T
	less  func(T, T) bool
	min   bool
	clone func(T) T
	v     []T
	seen  []bool
	size  int64
}

func newExtreme[T any](typ arrow.DataType, get func(arrow.Array) []T, less func(T, T) bool, min bool, clone func(T) T) *extremeState[T] {
	return &extremeState[T]{typ: typ, get: get, less: less, min: min, clone: clone}
}

func (s *extremeState[T]) fields(name string) []arrow.Field {
	return []arrow.Field{{Name: name, Type: s.typ, Nullable: true}}
}
func (s *extremeState[T]) resultType() arrow.DataType { return s.typ }
func (s *extremeState[T]) grow(n int) {
	var z T
	for len(s.v) < n {
		s.v, s.seen = append(s.v, z), append(s.seen, false)
	}
}
func (s *extremeState[T]) update(ids []int32, col arrow.Array, rows int) {
	vals := s.get(col)
	for i, id := range ids {
		if col.IsNull(i) {
			continue
		}
		x := vals[i]
		if !s.seen[id] || (s.min && s.less(x, s.v[id])) || (!s.min && s.less(s.v[id], x)) {
			if s.clone != nil {
				x = s.clone(x)
				s.size += int64(len(any(x).(string)))
			}
			s.v[id], s.seen[id] = x, true
		}
	}
}
func (s *extremeState[T]) merge(ids []int32, cols []arrow.Array) { s.update(ids, cols[0], len(ids)) }
func (s *extremeState[T]) states() []arrow.Array                 { return []arrow.Array{s.result()} }
func (s *extremeState[T]) result() arrow.Array {
	valid := newBitmap(len(s.v))
	for i, ok := range s.seen {
		if !ok {
			valid.setNull(i)
		}
	}
	if vs, ok := any(s.v).([]string); ok {
		return stringArray(vs, valid)
	}
	return fixed(s.typ, s.v, valid)
}
func (s *extremeState[T]) bytes() int64 {
	var z T
	return int64(len(s.v))*int64(unsafe.Sizeof(z)+1) + s.size
}

// distinctState keeps each group's set of encoded values; its partial
// state is the set as one binary value (length-prefixed encodings).
type distinctState struct {
	keys *Keys
	dt   arrow.DataType
	sets []map[string]struct{}
	size int64
}

func (s *distinctState) fields(name string) []arrow.Field {
	return []arrow.Field{{Name: name + "$set", Type: arrow.BinaryTypes.Binary}}
}
func (s *distinctState) resultType() arrow.DataType { return arrow.PrimitiveTypes.Int64 }
func (s *distinctState) grow(n int) {
	for len(s.sets) < n {
		s.sets = append(s.sets, nil)
	}
}
func (s *distinctState) insert(id int32, b []byte) {
	set := s.sets[id]
	if set == nil {
		set = make(map[string]struct{})
		s.sets[id] = set
	}
	if _, ok := set[unsafe.String(unsafe.SliceData(b), len(b))]; !ok {
		set[string(b)] = struct{}{}
		s.size += int64(len(b)) + 48
	}
}
func (s *distinctState) update(ids []int32, col arrow.Array, rows int) {
	rec := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "v", Type: col.DataType(), Nullable: true}}, nil), []arrow.Array{col}, int64(rows))
	defer rec.Release()
	k := *s.keys
	k.int = false // encoded bytes, whatever the type
	r := k.keysOf(rec)
	for i, id := range ids {
		if col.IsValid(i) {
			s.insert(id, r.bytes(i))
		}
	}
}
func (s *distinctState) merge(ids []int32, cols []arrow.Array) {
	blobs := cols[0].(*array.Binary)
	for i, id := range ids {
		b := blobs.Value(i)
		for len(b) > 0 {
			l, n := binary.Uvarint(b)
			s.insert(id, b[n:n+int(l)])
			b = b[n+int(l):]
		}
	}
}
func (s *distinctState) states() []arrow.Array {
	bld := array.NewBinaryBuilder(memory.DefaultAllocator, arrow.BinaryTypes.Binary)
	defer bld.Release()
	var buf []byte
	for _, set := range s.sets {
		buf = buf[:0]
		for v := range set {
			buf = binary.AppendUvarint(buf, uint64(len(v)))
			buf = append(buf, v...)
		}
		bld.Append(buf)
	}
	return []arrow.Array{bld.NewArray()}
}
func (s *distinctState) result() arrow.Array {
	out := make([]int64, len(s.sets))
	for i, set := range s.sets {
		out[i] = int64(len(set))
	}
	return fixed(arrow.PrimitiveTypes.Int64, out, newBitmap(len(out)))
}
func (s *distinctState) bytes() int64 { return int64(len(s.sets))*8 + s.size }
