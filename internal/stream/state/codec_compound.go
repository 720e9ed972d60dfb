package state

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"reflect"
	"slices"
	"time"
	"unsafe"
)

var (
	timeType  = reflect.TypeFor[time.Time]()
	errLength = fmt.Errorf("%w: a length exceeds the bytes left", ErrCorrupt)
	errDupKey = fmt.Errorf("%w: a map key appears twice", ErrCorrupt)
)

// maxEmptyElems bounds the length of a decoded slice or map whose
// elements take no bytes (struct{}), where the input cannot bound it.
const maxEmptyElems = 1 << 24

// sliceHeader is the layout of every slice.
type sliceHeader struct {
	data     unsafe.Pointer
	len, cap int
}

type field struct {
	off uintptr
	n   *node
}

func (pl *planner) structNode(t reflect.Type, path string) (*node, error) {
	var fields []field
	min := 0
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Name == "_" || f.Tag.Get("state") == "-" {
			continue
		}
		fpath := path + "." + f.Name
		if !f.IsExported() {
			return nil, fmt.Errorf("%w: unexported field %s (tag it `state:\"-\"` to skip it)", ErrUnsupported, fpath)
		}
		n, err := pl.plan(f.Type, fpath)
		if err != nil {
			return nil, err
		}
		fields = append(fields, field{off: f.Offset, n: n})
		min += n.min
	}
	return &node{
		enc: func(dst []byte, p unsafe.Pointer) []byte {
			for _, f := range fields {
				dst = f.n.enc(dst, unsafe.Add(p, f.off))
			}
			return dst
		},
		dec: func(src []byte, p unsafe.Pointer) ([]byte, error) {
			var err error
			for _, f := range fields {
				if src, err = f.n.dec(src, unsafe.Add(p, f.off)); err != nil {
					return nil, err
				}
			}
			return src, nil
		},
		min: min,
	}, nil
}

func (pl *planner) arrayNode(t reflect.Type, path string) (*node, error) {
	count, size := t.Len(), t.Elem().Size()
	if t.Elem().Kind() == reflect.Uint8 {
		return &node{
			enc: func(dst []byte, p unsafe.Pointer) []byte { return append(dst, unsafe.Slice((*byte)(p), count)...) },
			dec: func(src []byte, p unsafe.Pointer) ([]byte, error) {
				if len(src) < count {
					return nil, errShort
				}
				copy(unsafe.Slice((*byte)(p), count), src)
				return src[count:], nil
			},
			min: count,
		}, nil
	}
	e, err := pl.plan(t.Elem(), path+"[]")
	if err != nil {
		return nil, err
	}
	return &node{
		enc: func(dst []byte, p unsafe.Pointer) []byte {
			for i := range count {
				dst = e.enc(dst, unsafe.Add(p, uintptr(i)*size))
			}
			return dst
		},
		dec: func(src []byte, p unsafe.Pointer) ([]byte, error) {
			return decodeElems(src, p, count, size, e)
		},
		min: count * e.min,
	}, nil
}

func decodeElems(src []byte, p unsafe.Pointer, count int, size uintptr, e *node) ([]byte, error) {
	var err error
	for i := range count {
		if src, err = e.dec(src, unsafe.Add(p, uintptr(i)*size)); err != nil {
			return nil, err
		}
	}
	return src, nil
}

// readLen reads the length-plus-one header of a slice or map: nil is
// false, and a length the remaining input cannot hold is an error.
func readLen(src []byte, min int) (l int, rest []byte, ok bool, err error) {
	x, n := binary.Uvarint(src)
	if n <= 0 {
		return 0, nil, false, errShort
	}
	rest = src[n:]
	if x == 0 {
		return 0, rest, false, nil
	}
	x--
	if (min > 0 && x > uint64(len(rest)/min)) || (min == 0 && x > maxEmptyElems) {
		return 0, nil, false, errLength
	}
	return int(x), rest, true, nil
}

func (pl *planner) sliceNode(t reflect.Type, path string) (*node, error) {
	if t.Elem().Kind() == reflect.Uint8 {
		return bytesNode(), nil
	}
	e, err := pl.plan(t.Elem(), path+"[]")
	if err != nil {
		return nil, err
	}
	size := t.Elem().Size()
	return &node{
		enc: func(dst []byte, p unsafe.Pointer) []byte {
			h := (*sliceHeader)(p)
			if h.data == nil {
				return append(dst, 0)
			}
			dst = binary.AppendUvarint(dst, uint64(h.len)+1)
			for i := range h.len {
				dst = e.enc(dst, unsafe.Add(h.data, uintptr(i)*size))
			}
			return dst
		},
		dec: func(src []byte, p unsafe.Pointer) ([]byte, error) {
			l, rest, ok, err := readLen(src, e.min)
			if !ok {
				return rest, err
			}
			data := reflect.MakeSlice(t, l, l).UnsafePointer()
			*(*sliceHeader)(p) = sliceHeader{data: data, len: l, cap: l}
			return decodeElems(rest, data, l, size, e)
		},
		min: 1,
	}, nil
}

// bytesNode plans a slice of a byte kind as its raw bytes.
func bytesNode() *node {
	return &node{
		enc: func(dst []byte, p unsafe.Pointer) []byte {
			b := *(*[]byte)(p)
			if b == nil {
				return append(dst, 0)
			}
			return append(binary.AppendUvarint(dst, uint64(len(b))+1), b...)
		},
		dec: func(src []byte, p unsafe.Pointer) ([]byte, error) {
			l, rest, ok, err := readLen(src, 1)
			if !ok {
				return rest, err
			}
			*(*[]byte)(p) = append(make([]byte, 0, l), rest[:l]...)
			return rest[l:], nil
		},
		min: 1,
	}
}

func (pl *planner) pointerNode(t reflect.Type, path string) (*node, error) {
	e, err := pl.plan(t.Elem(), path)
	if err != nil {
		return nil, err
	}
	elem := t.Elem()
	return &node{
		enc: func(dst []byte, p unsafe.Pointer) []byte {
			q := *(*unsafe.Pointer)(p)
			if q == nil {
				return append(dst, 0)
			}
			return e.enc(append(dst, 1), q)
		},
		dec: func(src []byte, p unsafe.Pointer) ([]byte, error) {
			if len(src) == 0 || src[0] > 1 {
				return nil, errShort
			}
			if src[0] == 0 {
				return src[1:], nil
			}
			q := reflect.New(elem).UnsafePointer()
			*(*unsafe.Pointer)(p) = q
			return e.dec(src[1:], q)
		},
		min: 1,
	}, nil
}

// timeNode plans time.Time as seconds since 1970 (zigzag) and
// nanoseconds: the instant, without location or monotonic reading.
func timeNode() *node {
	return &node{
		enc: func(dst []byte, p unsafe.Pointer) []byte {
			t := (*time.Time)(p)
			return binary.AppendUvarint(binary.AppendVarint(dst, t.Unix()), uint64(t.Nanosecond()))
		},
		dec: func(src []byte, p unsafe.Pointer) ([]byte, error) {
			sec, n := binary.Varint(src)
			if n <= 0 {
				return nil, errShort
			}
			nsec, m := binary.Uvarint(src[n:])
			if m <= 0 || nsec >= 1e9 {
				return nil, errShort
			}
			*(*time.Time)(p) = time.Unix(sec, int64(nsec)).UTC()
			return src[n+m:], nil
		},
		min: 2,
	}
}

func (pl *planner) mapNode(t reflect.Type, path string) (*node, error) {
	kn, err := pl.plan(t.Key(), path+"[key]")
	if err != nil {
		return nil, err
	}
	vn, err := pl.plan(t.Elem(), path+"[value]")
	if err != nil {
		return nil, err
	}
	return &node{
		enc: func(dst []byte, p unsafe.Pointer) []byte {
			return encodeMap(dst, reflect.NewAt(t, p).Elem(), kn, vn)
		},
		dec: func(src []byte, p unsafe.Pointer) ([]byte, error) {
			l, rest, ok, err := readLen(src, kn.min+vn.min)
			if !ok {
				return rest, err
			}
			return decodeMap(rest, l, reflect.NewAt(t, p).Elem(), kn, vn)
		},
		min: 1,
	}, nil
}

// span locates one encoded entry of a map: the key is buf[k0:k1] and the
// value buf[k1:end].
type span struct{ k0, k1, end int }

// encodeMap writes m's entries in the order of their encoded keys (then
// values, for distinct keys that encode alike, such as pointers), so
// equal maps encode alike.
func encodeMap(dst []byte, m reflect.Value, kn, vn *node) []byte {
	if m.IsNil() {
		return append(dst, 0)
	}
	dst = binary.AppendUvarint(dst, uint64(m.Len())+1)
	if m.Len() == 0 {
		return dst
	}
	kh, vh := reflect.New(m.Type().Key()).Elem(), reflect.New(m.Type().Elem()).Elem()
	var buf []byte
	spans := make([]span, 0, m.Len())
	for it := m.MapRange(); it.Next(); {
		kh.SetIterKey(it)
		vh.SetIterValue(it)
		k0 := len(buf)
		buf = kn.enc(buf, kh.Addr().UnsafePointer())
		k1 := len(buf)
		buf = vn.enc(buf, vh.Addr().UnsafePointer())
		spans = append(spans, span{k0, k1, len(buf)})
	}
	slices.SortFunc(spans, func(a, b span) int {
		if c := bytes.Compare(buf[a.k0:a.k1], buf[b.k0:b.k1]); c != 0 {
			return c
		}
		return bytes.Compare(buf[a.k1:a.end], buf[b.k1:b.end])
	})
	for _, s := range spans {
		dst = append(dst, buf[s.k0:s.end]...)
	}
	return dst
}

func decodeMap(src []byte, l int, dst reflect.Value, kn, vn *node) ([]byte, error) {
	m := reflect.MakeMapWithSize(dst.Type(), l)
	kh, vh := reflect.New(dst.Type().Key()).Elem(), reflect.New(dst.Type().Elem()).Elem()
	var err error
	for range l {
		kh.SetZero()
		vh.SetZero()
		if src, err = kn.dec(src, kh.Addr().UnsafePointer()); err != nil {
			return nil, err
		}
		if src, err = vn.dec(src, vh.Addr().UnsafePointer()); err != nil {
			return nil, err
		}
		m.SetMapIndex(kh, vh)
	}
	if m.Len() != l {
		return nil, errDupKey
	}
	dst.Set(m)
	return src, nil
}
