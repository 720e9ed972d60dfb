package columnar

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// Keys is the plan of a row key: some columns of a schema, compared and
// hashed together. Two key columns hash alike when their values are equal
// and their kinds are the same (integers of any width are one kind), so
// the two sides of a join partition alike.
type Keys struct {
	cols  []int
	types []arrow.DataType
	names []string
	// int is true for a single integer or date column: keys are kept as
	// int64s instead of encoded bytes.
	int bool
}

// NewKeys plans the key of the named columns of s.
func NewKeys(s *arrow.Schema, names []string) (*Keys, error) {
	k := &Keys{names: names}
	for _, n := range names {
		idx := s.FieldIndices(n)
		if len(idx) == 0 {
			return nil, fmt.Errorf("no column %q (columns: %v)", n, fieldNames(s))
		}
		dt := s.Field(idx[0]).Type
		switch kindOf(dt) {
		case kNone, kNull:
			return nil, fmt.Errorf("column %q of type %s cannot be a key", n, typeName(dt))
		}
		k.cols, k.types = append(k.cols, idx[0]), append(k.types, dt)
	}
	k.int = len(names) == 1 && (kindOf(k.types[0]) == kInt || kindOf(k.types[0]) == kDate)
	return k, nil
}

// Compatible reports an error unless k and o have keys of the same kinds,
// so that equal keys encode and hash alike on both sides of a join.
func (k *Keys) Compatible(o *Keys) error {
	if len(k.cols) != len(o.cols) {
		return fmt.Errorf("%d key columns against %d", len(k.cols), len(o.cols))
	}
	for i := range k.types {
		a, b := k.types[i], o.types[i]
		if kindOf(a) != kindOf(b) || (kindOf(a) == kDec && !arrow.TypeEqual(a, b)) {
			return fmt.Errorf("key %q is %s, key %q is %s", k.names[i], typeName(a), o.names[i], typeName(b))
		}
	}
	return nil
}

// Types are the key columns' types.
func (k *Keys) Types() []arrow.DataType { return k.types }

// Names are the key columns' names.
func (k *Keys) Names() []string { return k.names }

// rowKeys are the keys of one batch: int64s (for an int key; nullAt
// marks nulls) or encoded bytes.
type rowKeys struct {
	ints  []int64
	nulls []bool // nil: no null key
	buf   []byte
	offs  []int32
}

func (r *rowKeys) bytes(i int) []byte { return r.buf[r.offs[i]:r.offs[i+1]] }

// keysOf computes the keys of every row of rec.
func (k *Keys) keysOf(rec arrow.RecordBatch) rowKeys {
	n := int(rec.NumRows())
	if k.int {
		col := rec.Column(k.cols[0])
		var r rowKeys
		if kindOf(k.types[0]) == kDate {
			r.ints = make([]int64, n)
			for i, v := range col.(*array.Date32).Date32Values() {
				r.ints[i] = int64(v)
			}
		} else {
			r.ints = ints(operand{typ: k.types[0], arr: col}).v
		}
		if col.NullN() > 0 {
			r.nulls = make([]bool, n)
			for i := range n {
				r.nulls[i] = col.IsNull(i)
			}
		}
		return r
	}
	// Widths first, then each column written at every row's cursor.
	offs := make([]int32, n+1)
	cols := make([]arrow.Array, len(k.cols))
	for j, c := range k.cols {
		cols[j] = rec.Column(c)
	}
	width := make([]int32, n)
	for j, a := range cols {
		fixedW := int32(fixedWidth(k.types[j]))
		s, isStr := a.(*array.String)
		for i := range n {
			w := int32(1)
			if a.IsValid(i) {
				if isStr {
					w += 4 + int32(len(s.Value(i)))
				} else {
					w += fixedW
				}
			}
			width[i] += w
		}
	}
	for i, w := range width {
		offs[i+1] = offs[i] + w
	}
	buf := make([]byte, offs[n])
	cur := width // reuse: the write cursor of each row
	copy(cur, offs[:n])
	for j, a := range cols {
		for i := range n {
			p := cur[i]
			if a.IsNull(i) {
				buf[p] = 0
				cur[i]++
				continue
			}
			buf[p] = 1
			p++
			p += int32(putValue(buf[p:], a, k.types[j], i))
			cur[i] = p
		}
	}
	return rowKeys{buf: buf, offs: offs}
}

func fixedWidth(dt arrow.DataType) int {
	switch kindOf(dt) {
	case kInt, kFloat:
		return 8
	case kDate:
		return 4
	case kDec:
		return 16
	case kBool:
		return 1
	}
	return 0
}

// putValue writes row i of a (not null) into b and returns the bytes written.
func putValue(b []byte, a arrow.Array, dt arrow.DataType, i int) int {
	switch x := a.(type) {
	case *array.Int64:
		binary.LittleEndian.PutUint64(b, uint64(x.Value(i)))
		return 8
	case *array.Int32:
		binary.LittleEndian.PutUint64(b, uint64(int64(x.Value(i))))
		return 8
	case *array.Int16:
		binary.LittleEndian.PutUint64(b, uint64(int64(x.Value(i))))
		return 8
	case *array.Int8:
		binary.LittleEndian.PutUint64(b, uint64(int64(x.Value(i))))
		return 8
	case *array.Float64:
		binary.LittleEndian.PutUint64(b, floatKey(x.Value(i)))
		return 8
	case *array.Float32:
		binary.LittleEndian.PutUint64(b, floatKey(float64(x.Value(i))))
		return 8
	case *array.Date32:
		binary.LittleEndian.PutUint32(b, uint32(x.Value(i)))
		return 4
	case *array.Decimal128:
		v := x.Value(i)
		binary.LittleEndian.PutUint64(b, v.LowBits())
		binary.LittleEndian.PutUint64(b[8:], uint64(v.HighBits()))
		return 16
	case *array.Boolean:
		b[0] = 0
		if x.Value(i) {
			b[0] = 1
		}
		return 1
	case *array.String:
		s := x.Value(i)
		binary.LittleEndian.PutUint32(b, uint32(len(s)))
		return 4 + copy(b[4:], s)
	}
	panic(fmt.Sprintf("columnar: key of type %s", typeName(dt)))
}

// floatKey makes equal floats equal bits: -0 is 0, every NaN is one NaN.
func floatKey(f float64) uint64 {
	switch {
	case f == 0:
		return 0
	case f != f:
		return 0x7ff8000000000001
	}
	return math.Float64bits(f)
}

// Hash returns a hash of every row's key of rec, the same in every
// process: it chooses partitions.
func (k *Keys) Hash(rec arrow.RecordBatch, out []uint64) []uint64 {
	r := k.keysOf(rec)
	n := int(rec.NumRows())
	out = out[:0]
	for i := range n {
		out = append(out, r.hash(i))
	}
	return out
}

func (r *rowKeys) hash(i int) uint64 {
	if r.ints != nil || r.offs == nil {
		if r.nulls != nil && r.nulls[i] {
			return mix(0x9e3779b97f4a7c15)
		}
		return mix(uint64(r.ints[i]))
	}
	return fnv1a(r.bytes(i))
}

func fnv1a(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return mix(h)
}

// mix is a 64-bit finalizer (splitmix64) that spreads low-entropy keys.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// KeyMap numbers distinct keys 0, 1, 2, … in order of first appearance.
type KeyMap struct {
	k     *Keys
	ints  *intMap
	null  int32 // id of the null key of an int key, or -1
	strs  map[string]int32
	small map[[2]uint64]int32 // encoded keys of at most 16 bytes, zero-padded (encodings are self-delimiting)
	order []string            // encoded keys by id (byte keys)
	iord  []int64             // keys by id (int keys); the null key's slot is 0
	bytes int64
}

// NewKeyMap returns an empty map of keys planned by k.
func NewKeyMap(k *Keys) *KeyMap {
	return NewKeyMapSized(k, 0)
}

// NewKeyMapSized is NewKeyMap with room for hint keys.
func NewKeyMapSized(k *Keys, hint int) *KeyMap {
	m := &KeyMap{k: k, null: -1}
	if k.int {
		m.ints = newIntMap(hint)
		m.iord = make([]int64, 0, hint)
	} else {
		m.strs = make(map[string]int32)
		m.small = make(map[[2]uint64]int32)
	}
	return m
}

// Len is the number of distinct keys.
func (m *KeyMap) Len() int {
	if m.k.int {
		return len(m.iord)
	}
	return len(m.order)
}

// Bytes estimates the memory the map holds.
func (m *KeyMap) Bytes() int64 { return m.bytes }

// IDs returns the id of every row's key of rec, adding keys not seen yet
// when insert is true (otherwise their id is -1).
func (m *KeyMap) IDs(rec arrow.RecordBatch, insert bool, out []int32) []int32 {
	n := int(rec.NumRows())
	out = out[:0]
	if !m.k.int {
		if ids, ok := m.packedIDs(rec, insert, out); ok {
			return ids
		}
	}
	r := m.k.keysOf(rec)
	if m.k.int && insert && r.nulls == nil && n >= bulkRows {
		return m.bulkInsert(r.ints, out)
	}
	if m.k.int {
		var last int64
		var lastID int32
		haveLast := false
		for i := range n {
			if r.nulls != nil && r.nulls[i] {
				if m.null < 0 && insert {
					m.null = int32(len(m.iord))
					m.iord = append(m.iord, 0)
					m.bytes += 8
				}
				out = append(out, m.null)
				continue
			}
			v := r.ints[i]
			if !insert {
				if haveLast && v == last { // keys often come in runs (lineitems of one order)
					out = append(out, lastID)
					continue
				}
				last, lastID, haveLast = v, m.ints.get(v), true
				out = append(out, lastID)
				continue
			}
			id, added := m.ints.getOrPut(v, int32(len(m.iord)))
			if added {
				m.iord = append(m.iord, v)
				m.bytes += 8 + 24 // the key kept, and its slots at load 1/2
			}
			out = append(out, id)
		}
		return out
	}
	for i := range n {
		b := r.bytes(i)
		if len(b) <= 16 {
			var buf [16]byte
			copy(buf[:], b)
			k := [2]uint64{binary.LittleEndian.Uint64(buf[:8]), binary.LittleEndian.Uint64(buf[8:])}
			id, ok := m.small[k]
			if !ok {
				id = -1
				if insert {
					id = int32(len(m.order))
					m.small[k] = id
					m.order = append(m.order, string(b))
					m.bytes += int64(len(b)) + 64
				}
			}
			out = append(out, id)
			continue
		}
		id, ok := m.strs[unsafe.String(unsafe.SliceData(b), len(b))]
		if !ok {
			id = -1
			if insert {
				id = int32(len(m.order))
				s := string(b)
				m.strs[s] = id
				m.order = append(m.order, s)
				m.bytes += int64(len(s)) + 64
			}
		}
		out = append(out, id)
	}
	return out
}

// Columns returns the keys as arrays, in id order, of the key columns'
// types.
func (m *KeyMap) Columns() []arrow.Array {
	if m.k.int {
		valid := newBitmap(len(m.iord))
		if m.null >= 0 {
			valid.setNull(int(m.null))
		}
		return []arrow.Array{intColumn(m.k.types[0], m.iord, valid)}
	}
	out := make([]arrow.Array, len(m.k.types))
	pos := make([]int, len(m.order))
	for j, dt := range m.k.types {
		out[j] = decodeColumn(dt, m.order, pos)
	}
	return out
}

// intColumn makes an array of type dt (an integer or date type) of vs.
func intColumn(dt arrow.DataType, vs []int64, valid bitmap) arrow.Array {
	switch dt.ID() {
	case arrow.INT64:
		return fixed(dt, vs, valid)
	case arrow.INT32:
		return fixed(dt, convert[int32](vs), valid)
	case arrow.INT16:
		return fixed(dt, convert[int16](vs), valid)
	case arrow.INT8:
		return fixed(dt, convert[int8](vs), valid)
	case arrow.DATE32:
		return fixed(dt, convert[arrow.Date32](vs), valid)
	}
	panic("columnar: intColumn of " + dt.String())
}

func convert[T int32 | int16 | int8 | arrow.Date32](vs []int64) []T {
	out := make([]T, len(vs))
	for i, v := range vs {
		out[i] = T(v)
	}
	return out
}

// decodeColumn reads the next column of every encoded key, advancing pos.
func decodeColumn(dt arrow.DataType, keys []string, pos []int) arrow.Array {
	n := len(keys)
	valid := newBitmap(n)
	null := func(i int) bool {
		if keys[i][pos[i]] == 0 {
			pos[i]++
			valid.setNull(i)
			return true
		}
		pos[i]++
		return false
	}
	u64 := func(i int) uint64 {
		v := le64(keys[i][pos[i]:])
		pos[i] += 8
		return v
	}
	switch kindOf(dt) {
	case kInt:
		vs := make([]int64, n)
		for i := range n {
			if !null(i) {
				vs[i] = int64(u64(i))
			}
		}
		return intColumn(dt, vs, valid)
	case kFloat:
		vs := make([]float64, n)
		for i := range n {
			if !null(i) {
				vs[i] = math.Float64frombits(u64(i))
			}
		}
		if dt.ID() == arrow.FLOAT32 {
			f := make([]float32, n)
			for i, v := range vs {
				f[i] = float32(v)
			}
			return fixed(dt, f, valid)
		}
		return fixed(dt, vs, valid)
	case kDate:
		vs := make([]arrow.Date32, n)
		for i := range n {
			if !null(i) {
				vs[i] = arrow.Date32(le32(keys[i][pos[i]:]))
				pos[i] += 4
			}
		}
		return fixed(dt, vs, valid)
	case kDec:
		vs := make([]decimal128.Num, n)
		for i := range n {
			if !null(i) {
				lo := u64(i)
				hi := int64(u64(i))
				vs[i] = decimal128.New(hi, lo)
			}
		}
		return fixed(dt, vs, valid)
	case kBool:
		vs := make([]bool, n)
		for i := range n {
			if !null(i) {
				vs[i] = keys[i][pos[i]] == 1
				pos[i]++
			}
		}
		return boolArray(vs, valid)
	}
	vs := make([]string, n)
	for i := range n {
		if !null(i) {
			l := int(le32(keys[i][pos[i]:]))
			pos[i] += 4
			vs[i] = keys[i][pos[i] : pos[i]+l]
			pos[i] += l
		}
	}
	return stringArray(vs, valid)
}

func le64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

func le32(s string) uint32 {
	_ = s[3]
	return uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
}

// intMap maps int64 keys to ids by open addressing with linear probing:
// one flat array of slots (a key beside its id, so a lookup touches one
// cache line), no per-entry allocation; about twice as fast as a Go map on
// the millions of keys of a join's build side.
type intMap struct {
	slots []intSlot
	mask  uint64
	n     int
}

type intSlot struct {
	key int64
	id  int32 // -1: empty
}

func newIntMap(hint int) *intMap {
	m := &intMap{}
	m.resize(max(16, hint))
	return m
}

// resize makes room for n keys at a load of at most 1/2.
func (m *intMap) resize(n int) {
	size := 16
	for size < 2*n {
		size <<= 1
	}
	old := m.slots
	m.slots, m.mask = make([]intSlot, size), uint64(size-1)
	for i := range m.slots {
		m.slots[i].id = -1
	}
	for _, sl := range old {
		if sl.id >= 0 {
			m.put(sl.key, sl.id)
		}
	}
}

func (m *intMap) put(k int64, id int32) {
	for p := mix(uint64(k)) & m.mask; ; p = (p + 1) & m.mask {
		if m.slots[p].id < 0 {
			m.slots[p] = intSlot{k, id}
			return
		}
	}
}

// get returns the id of k, or -1.
func (m *intMap) get(k int64) int32 {
	for p := mix(uint64(k)) & m.mask; ; p = (p + 1) & m.mask {
		sl := m.slots[p]
		if sl.id < 0 || sl.key == k {
			return sl.id
		}
	}
}

// getOrPut returns the id of k, adding it with id next when absent.
func (m *intMap) getOrPut(k int64, next int32) (int32, bool) {
	if 2*(m.n+1) > len(m.slots) {
		m.resize(2 * (m.n + 1))
	}
	for p := mix(uint64(k)) & m.mask; ; p = (p + 1) & m.mask {
		sl := m.slots[p]
		if sl.id < 0 {
			m.slots[p] = intSlot{k, next}
			m.n++
			return next, true
		}
		if sl.key == k {
			return sl.id, false
		}
	}
}

// packedCol is one key column as packedIDs reads it.
type packedCol struct {
	arr   arrow.Array
	offs  []int32 // strings
	data  []byte  // strings
	i64   []int64
	width int // bytes of a fixed-width value; 0 for a string
}

// packedIDs is IDs for a batch whose every key encodes in at most 16
// bytes (short strings, small fixed-width values): each row's encoding is
// written straight into two words, the same bytes keysOf would produce,
// and looked up without building the batch's encodings first. It reports
// false, doing nothing, for a batch it cannot take.
func (m *KeyMap) packedIDs(rec arrow.RecordBatch, insert bool, out []int32) ([]int32, bool) {
	cols := make([]packedCol, len(m.k.cols))
	width := 0
	for j, c := range m.k.cols {
		a := rec.Column(c)
		pc := packedCol{arr: a}
		switch x := a.(type) {
		case *array.String:
			pc.offs, pc.data = x.ValueOffsets(), x.ValueBytes()
			base, longest := int32(0), int32(0)
			if len(pc.offs) > 0 {
				base = pc.offs[0]
			}
			for i := 1; i < len(pc.offs); i++ {
				longest = max(longest, pc.offs[i]-pc.offs[i-1])
			}
			pc.data = pc.data[:len(pc.data):len(pc.data)]
			_ = base
			width += 1 + 4 + int(longest)
		case *array.Int64:
			pc.i64, pc.width = x.Int64Values(), 8
			width += 9
		default:
			return nil, false
		}
		cols[j] = pc
		if width > 16 {
			return nil, false
		}
	}
	n := int(rec.NumRows())
	var lastK [2]uint64
	lastID := int32(-2)
	for i := range n {
		var buf [16]byte
		p := 0
		for j := range cols {
			c := &cols[j]
			if c.arr.IsNull(i) {
				buf[p] = 0
				p++
				continue
			}
			buf[p] = 1
			p++
			if c.width == 0 {
				lo, hi := c.offs[i]-c.offs[0], c.offs[i+1]-c.offs[0]
				binary.LittleEndian.PutUint32(buf[p:], uint32(hi-lo))
				p += 4
				p += copy(buf[p:], c.data[lo:hi])
			} else {
				binary.LittleEndian.PutUint64(buf[p:], uint64(c.i64[i]))
				p += 8
			}
		}
		k := [2]uint64{binary.LittleEndian.Uint64(buf[:8]), binary.LittleEndian.Uint64(buf[8:])}
		if k == lastK && lastID >= -1 {
			out = append(out, lastID)
			continue
		}
		id, ok := m.small[k]
		if !ok {
			id = -1
			if insert {
				id = int32(len(m.order))
				m.small[k] = id
				m.order = append(m.order, string(buf[:p]))
				m.bytes += int64(p) + 64
			}
		}
		lastK, lastID = k, id
		out = append(out, id)
	}
	return out, true
}

// bulkRows is the batch size from which int keys are inserted in the
// order of their slots rather than of their rows.
const bulkRows = 1 << 14

// bulkInsert is IDs with insert for int keys without nulls: the rows are
// visited grouped by the region of the table their slot falls in (a
// counting sort on the slot's top 8 bits), so that the writes of a big
// build side go to one cache-sized region at a time instead of all over a
// table of tens of MiB. Ids stay dense; which row of a key is first is the
// only thing that differs from row order.
func (m *KeyMap) bulkInsert(keys []int64, out []int32) []int32 {
	t := m.ints
	if 2*(t.n+len(keys)) > len(t.slots) {
		t.resize(t.n + len(keys))
	}
	const regions = 256
	shift := uint(bits.Len64(t.mask)) - 8
	var count [regions + 1]int32
	for _, k := range keys {
		count[(mix(uint64(k))&t.mask)>>shift+1]++
	}
	for i := 1; i <= regions; i++ {
		count[i] += count[i-1]
	}
	type pair struct {
		key int64
		row int32
	}
	pairs := make([]pair, len(keys))
	for i, k := range keys {
		r := (mix(uint64(k)) & t.mask) >> shift
		pairs[count[r]] = pair{k, int32(i)}
		count[r]++
	}
	out = append(out[:0], make([]int32, len(keys))...)
	for _, pr := range pairs {
		v, i := pr.key, pr.row
		id, added := t.getOrPut(v, int32(len(m.iord)))
		if added {
			m.iord = append(m.iord, v)
			m.bytes += 8 + 24
		}
		out[i] = id
	}
	return out
}
