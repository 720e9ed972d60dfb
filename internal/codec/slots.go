package codec

import (
	"bytes"
	"strings"
	"unsafe"
)

// slot is a part of a value that refers to other memory, a string, byte
// slice or pointer, at its offset in the value: what Size counts beyond
// the value's own size and Clone replaces with copies. A struct's slots
// include those of the structs inside it, at their offsets in it.
//
// Size and Clone walk the slots of a value on the caller's stack with
// plain loops: passing its address to a node's functions would make every
// value escape to the heap, as the compiler cannot see through them.
type slot struct {
	off uintptr
	n   *node // kindString, kindBytes or kindPointer
}

// slots appends the slots of fields (of a struct at offset base) to out.
func slots(fs []field, base uintptr, out []slot) []slot {
	for _, f := range fs {
		if f.n.kind == kindStruct {
			out = slots(f.n.fields, base+f.off, out)
		} else {
			for _, s := range f.n.slots {
				out = append(out, slot{base + f.off + s.off, s.n})
			}
		}
	}
	return out
}

// extraAt is the bytes the value at p refers to through its slots ss:
// string and slice contents, and pointer targets with theirs.
func extraAt(p unsafe.Pointer, ss []slot) int {
	n := 0
	for _, s := range ss {
		q := unsafe.Add(p, s.off)
		switch s.n.kind {
		case kindString:
			n += len(*(*string)(q))
		case kindBytes:
			n += len(*(*[]byte)(q))
		case kindPointer:
			if t := *(*unsafe.Pointer)(q); t != nil {
				n += int(s.n.elem.size) + extraAt(t, s.n.elem.slots)
			}
		}
	}
	return n
}

// cloneAt replaces what the value at p refers to through its slots ss
// with copies, so that it shares no memory with any other value: strings
// and byte slices are copied, pointers point to copies of their targets.
func cloneAt(p unsafe.Pointer, ss []slot) {
	for _, s := range ss {
		q := unsafe.Add(p, s.off)
		switch s.n.kind {
		case kindString:
			*(*string)(q) = strings.Clone(*(*string)(q))
		case kindBytes:
			*(*[]byte)(q) = bytes.Clone(*(*[]byte)(q))
		case kindPointer:
			if t := *(*unsafe.Pointer)(q); t != nil {
				e := s.n.elem
				c := e.alloc()
				e.assign(c, t)
				cloneAt(c, e.slots)
				*(*unsafe.Pointer)(q) = c
			}
		}
	}
}
