package columnar

import (
	"context"
	"fmt"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// JoinType is how unmatched rows are treated.
type JoinType int

// Join types. The probe side is the left one: the larger input, read as a
// stream; the build side is held in a hash table.
const (
	Inner JoinType = iota + 1 // matched pairs only
	Left                      // every left row; build columns null when unmatched
	Semi                      // left rows with a match, left columns only
	Anti                      // left rows without a match, left columns only
)

func (t JoinType) String() string { return [...]string{"?", "inner", "left", "semi", "anti"}[t] }

// Join is a planned equi-join of a probe (left) and a build (right) side.
// Its output has the probe's columns, then the build's except its key
// columns that have the same name as the matching probe key. Keys never
// match null keys.
type Join struct {
	typ        JoinType
	probe      *arrow.Schema
	build      *arrow.Schema
	probeKeys  *Keys
	buildKeys  *Keys
	buildCols  []int // build columns in the output
	out        *arrow.Schema
	probeNames []string
}

// PlanJoin plans probe ⋈ build on probeKeys[i] = buildKeys[i].
func PlanJoin(typ JoinType, probe, build *arrow.Schema, probeKeys, buildKeys []string) (*Join, error) {
	if len(probeKeys) == 0 || len(probeKeys) != len(buildKeys) {
		return nil, fmt.Errorf("join needs as many left keys as right keys, at least one; got %v and %v", probeKeys, buildKeys)
	}
	pk, err := NewKeys(probe, probeKeys)
	if err != nil {
		return nil, fmt.Errorf("left side: %w", err)
	}
	bk, err := NewKeys(build, buildKeys)
	if err != nil {
		return nil, fmt.Errorf("right side: %w", err)
	}
	if err := pk.Compatible(bk); err != nil {
		return nil, fmt.Errorf("join keys differ: %w", err)
	}
	j := &Join{typ: typ, probe: probe, build: build, probeKeys: pk, buildKeys: bk}
	fields := slices.Clone(probe.Fields())
	if typ == Inner || typ == Left {
		for i, f := range build.Fields() {
			if k := slices.Index(buildKeys, f.Name); k >= 0 && probeKeys[k] == f.Name {
				continue
			}
			if probe.HasField(f.Name) {
				return nil, fmt.Errorf("column %q is on both sides of the join: rename one first", f.Name)
			}
			f.Nullable = f.Nullable || typ == Left
			fields = append(fields, f)
			j.buildCols = append(j.buildCols, i)
		}
	}
	j.out = arrow.NewSchema(fields, nil)
	return j, nil
}

// Schema is the schema of the joined rows.
func (j *Join) Schema() *arrow.Schema { return j.out }

// ProbeKeys and BuildKeys plan the keys of each side (for partitioning).
func (j *Join) ProbeKeys() *Keys { return j.probeKeys }

// BuildKeys plans the key of the build side.
func (j *Join) BuildKeys() *Keys { return j.buildKeys }

// HashTable is the build side of a join in memory.
type HashTable struct {
	j       *Join
	m       *KeyMap
	batches []arrow.RecordBatch
	heads   []int32 // key id → last row with that key, or -1
	next    []int32 // row → previous row with the same key, or -1
	rows    int
	bytes   int64
	all     arrow.RecordBatch // the build rows as one batch, after Finish
}

// NewHashTable returns an empty build side.
func (j *Join) NewHashTable() *HashTable {
	return &HashTable{j: j, m: NewKeyMap(j.buildKeys)}
}

// Bytes estimates the table's memory: its batches, and the hash table
// Finish will build of them.
func (h *HashTable) Bytes() int64 { return h.bytes + int64(h.rows)*48 }

// Rows is the number of build rows.
func (h *HashTable) Rows() int { return h.rows }

// Add adds the rows of rec (of the build schema); the table keeps rec.
// Keys are hashed at Finish, once the size is known.
func (h *HashTable) Add(rec arrow.RecordBatch) {
	if rec.NumRows() == 0 {
		return
	}
	rec.Retain()
	h.batches = append(h.batches, rec)
	h.bytes += recordBytes(rec)
	h.rows += int(rec.NumRows())
}

// Finish ends the build: the table is ready to probe.
func (h *HashTable) Finish() error {
	cols := make([]arrow.Array, len(h.j.build.Fields()))
	for c := range cols {
		parts := make([]arrow.Array, 0, len(h.batches))
		for _, b := range h.batches {
			parts = append(parts, b.Column(c))
		}
		if len(parts) == 0 {
			cols[c] = array.MakeArrayOfNull(memory.DefaultAllocator, h.j.build.Field(c).Type, 0)
			continue
		}
		if len(parts) == 1 {
			cols[c] = parts[0]
			cols[c].Retain()
			continue
		}
		var err error
		if cols[c], err = array.Concatenate(parts, memory.DefaultAllocator); err != nil {
			return fmt.Errorf("join build side: %w", err)
		}
	}
	h.all = array.NewRecordBatch(Shape(h.j.build, cols), cols, int64(h.rows))
	for _, c := range cols {
		c.Release()
	}
	for _, b := range h.batches {
		b.Release()
	}
	h.batches = nil
	h.m = NewKeyMapSized(h.j.buildKeys, h.rows)
	ids := h.m.IDs(h.all, true, make([]int32, 0, h.rows))
	null := nullKeys(h.all, h.j.buildKeys)
	h.heads = make([]int32, h.m.Len())
	for i := range h.heads {
		h.heads[i] = -1
	}
	h.next = make([]int32, h.rows)
	for i := len(ids) - 1; i >= 0; i-- { // chains in row order
		h.next[i] = -1
		if null != nil && null[i] {
			continue
		}
		id := ids[i]
		h.next[i] = h.heads[id]
		h.heads[id] = int32(i)
	}
	return nil
}

// Release frees the table.
func (h *HashTable) Release() {
	if h.all != nil {
		h.all.Release()
	}
	for _, b := range h.batches {
		b.Release()
	}
}

// nullKeys marks the rows of rec with a null in a key column; nil when
// none has.
func nullKeys(rec arrow.RecordBatch, k *Keys) []bool {
	var null []bool
	for _, c := range k.cols {
		col := rec.Column(c)
		if col.NullN() == 0 {
			continue
		}
		if null == nil {
			null = make([]bool, rec.NumRows())
		}
		for i := range null {
			null[i] = null[i] || col.IsNull(i)
		}
	}
	return null
}

// Probe joins the rows of rec (of the probe schema) with the table. It
// returns nil when no row results.
func (h *HashTable) Probe(rec arrow.RecordBatch) (arrow.RecordBatch, error) {
	n := int(rec.NumRows())
	if n == 0 {
		return nil, nil
	}
	ids := h.m.IDs(withKeys(rec, h.j.probeKeys, h.j.buildKeys), false, make([]int32, 0, n))
	null := nullKeys(rec, h.j.probeKeys)
	var pi, bi []int32
	var bvalid bitmap
	unmatched := 0
	for i, id := range ids {
		row := int32(-1)
		if id >= 0 && (null == nil || !null[i]) {
			row = h.heads[id]
		}
		switch h.j.typ {
		case Semi:
			if row >= 0 {
				pi = append(pi, int32(i))
			}
			continue
		case Anti:
			if row < 0 {
				pi = append(pi, int32(i))
			}
			continue
		}
		if row < 0 {
			if h.j.typ == Left {
				pi, bi = append(pi, int32(i)), append(bi, 0)
				unmatched++
				if bvalid.bits == nil {
					bvalid = newBitmap(0)
				}
				bvalid.markNullAt(len(bi) - 1)
			}
			continue
		}
		for ; row >= 0; row = h.next[row] {
			pi, bi = append(pi, int32(i)), append(bi, row)
		}
	}
	if len(pi) == 0 {
		return nil, nil
	}
	ctx := context.Background()
	out := make([]arrow.Array, 0, len(h.j.out.Fields()))
	defer func() {
		for _, a := range out {
			a.Release()
		}
	}()
	for c := range rec.NumCols() {
		a, err := gather(rec.Column(int(c)), pi)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	if h.j.typ == Inner || h.j.typ == Left {
		bvalid.n = len(bi)
		bidx := fixed(arrow.PrimitiveTypes.Int32, bi, bvalid.sized(len(bi)))
		defer bidx.Release()
		for _, c := range h.j.buildCols {
			var a arrow.Array
			var err error
			if bvalid.nulls == 0 { // every row matched: a plain gather
				a, err = gather(h.all.Column(c), bi)
			} else {
				a, err = take(ctx, h.all.Column(c), bidx)
			}
			if err != nil {
				return nil, err
			}
			out = append(out, a)
		}
	}
	return array.NewRecordBatch(Shape(h.j.out, out), out, int64(len(pi))), nil
}

// take gathers rows of a; a placeholder column stays one.
func take(ctx context.Context, a arrow.Array, idx arrow.Array) (arrow.Array, error) {
	if IsPlaceholder(a) {
		return Placeholder(idx.Len()), nil
	}
	return compute.TakeArray(ctx, a, idx)
}

// withKeys returns rec as the build keys expect to find it: the probe's
// key columns at the build key positions. The key map reads only those.
func withKeys(rec arrow.RecordBatch, probe, build *Keys) arrow.RecordBatch {
	if slices.Equal(probe.cols, build.cols) {
		return rec
	}
	width := slices.Max(build.cols) + 1
	cols := make([]arrow.Array, width)
	fields := make([]arrow.Field, width)
	for i := range cols {
		cols[i] = Placeholder(int(rec.NumRows()))
		fields[i] = arrow.Field{Name: fmt.Sprintf("_%d", i), Type: arrow.Null, Nullable: true}
	}
	for k, c := range build.cols {
		cols[c] = rec.Column(probe.cols[k])
		fields[c] = arrow.Field{Name: fmt.Sprintf("_%d", c), Type: cols[c].DataType(), Nullable: true}
	}
	return array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, rec.NumRows())
}

// recordBytes is the memory of rec's buffers.
func recordBytes(rec arrow.RecordBatch) int64 {
	var n int64
	for _, c := range rec.Columns() {
		for _, b := range c.Data().Buffers() {
			if b != nil {
				n += int64(b.Len())
			}
		}
	}
	return n
}

// RecordBytes is the memory of rec's buffers.
func RecordBytes(rec arrow.RecordBatch) int64 { return recordBytes(rec) }

// Batches are the build batches the table holds before Finish.
func (h *HashTable) Batches() []arrow.RecordBatch { return h.batches }

// Reset empties the table before Finish, releasing its batches.
func (h *HashTable) Reset() {
	for _, b := range h.batches {
		b.Release()
	}
	*h = HashTable{j: h.j, m: NewKeyMap(h.j.buildKeys)}
}
