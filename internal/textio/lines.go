package textio

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"unsafe"

	"spindle/internal/proto"
)

// Read sizes used by ReadLines.
const (
	blockSize = 4 << 20  // bytes read at a time inside the split
	tailRead  = 64 << 10 // bytes read at a time past the split's end
)

// sizes are a reader's read sizes; tests shrink them to exercise block
// boundaries and buffer growth on small files.
type sizes struct {
	block int // initial buffer size and largest read
	tail  int // smallest read, used past the split's end
}

// ReadLines calls fn, in file order, for every line that starts inside
// [s.Start, s.Start+s.Length) of s.Path. A split not starting at 0 skips
// the partial line it lands in: reading begins at s.Start-1 and skips to
// just after the first '\n', so a line beginning exactly at s.Start is
// included. The last line is read to its end, past the range if need be.
// A line excludes its '\n' and one '\r' before it (or, for a final line
// without '\n', one trailing '\r').
//
// The file is read in blocks of about 4 MiB, each into a fresh buffer that
// becomes one immutable string without a copy (it is never written again);
// the lines passed to fn are substrings of it and do not allocate. A line
// may be kept after fn returns, but it keeps its whole block alive: clone
// it (strings.Clone) to keep a few small lines for long. Lines longer than
// a block grow the buffer.
//
// ctx is checked before each block. progress, if not nil, is called after
// each block and at the end with the bytes of the range consumed so far
// (0 to s.Length). The first error from fn is returned as is; other
// errors name the file.
func ReadLines(ctx context.Context, s proto.Split, fn func(line string) error, progress func(done int64)) error {
	return readLines(ctx, s, func(line string, _ int64) error { return fn(line) }, progress, sizes{block: blockSize, tail: tailRead})
}

// ReadLinesAt is ReadLines that also passes, with each line, the file
// offset where the next line starts. A reader that stops after a line can
// resume with the split that starts at that offset (and is shorter by as
// much): it yields exactly the remaining lines.
func ReadLinesAt(ctx context.Context, s proto.Split, fn func(line string, next int64) error, progress func(done int64)) error {
	return readLines(ctx, s, fn, progress, sizes{block: blockSize, tail: tailRead})
}

// lineFunc receives a line and the file offset just past it.
type lineFunc func(line string, next int64) error

func readLines(ctx context.Context, s proto.Split, fn lineFunc, progress func(int64), sz sizes) error {
	f, err := os.Open(s.Path)
	if err != nil {
		return unreadable(s.Path, err)
	}
	defer f.Close()
	r, err := newReader(f, s, sz)
	if err != nil {
		return err
	}
	if err := r.run(ctx, fn, progress); err != nil {
		return err
	}
	if progress != nil {
		progress(s.Length)
	}
	return nil
}

// reader scans one split. It is used by one goroutine.
type reader struct {
	f      *os.File
	path   string
	sz     sizes
	buf    []byte
	n      int   // bytes of buf holding unconsumed data
	base   int64 // file offset of buf[0]
	start  int64 // the split's range is [start, end)
	end    int64
	skip   bool // still looking for the end of the partial first line
	eof    bool
	frozen bool // buf backs strings given to fn: never write to it
}

func newReader(f *os.File, s proto.Split, sz sizes) (*reader, error) {
	r := &reader{f: f, path: s.Path, sz: sz, start: s.Start, end: s.Start + s.Length}
	r.base = s.Start
	if s.Start > 0 {
		r.base, r.skip = s.Start-1, true
	}
	if _, err := f.Seek(r.base, io.SeekStart); err != nil {
		return nil, fmt.Errorf("textio: seek %q: %w", s.Path, err)
	}
	r.buf = make([]byte, min(int64(sz.block), s.Length+int64(sz.tail)))
	return r, nil
}

// run reads and scans blocks until the split's last line has been passed
// to fn, fn fails or ctx is done.
func (r *reader) run(ctx context.Context, fn lineFunc, progress func(int64)) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := r.fill(); err != nil {
			return err
		}
		done, err := r.scan(fn)
		if done || err != nil {
			return err
		}
		if progress != nil {
			progress(min(max(r.base-r.start, 0), r.end-r.start))
		}
	}
}

// fill reads more of the file after the unconsumed data, growing the
// buffer when that data fills it. Past the split's end it reads only tail
// bytes at a time, as it is only finishing one line.
func (r *reader) fill() error {
	if r.n == len(r.buf) {
		r.renew(0, 2*len(r.buf))
	}
	want := max(r.end-(r.base+int64(r.n)), int64(r.sz.tail))
	k := int(min(want, int64(len(r.buf)-r.n)))
	m, err := io.ReadFull(r.f, r.buf[r.n:r.n+k])
	r.n += m
	switch err {
	case nil:
		return nil
	case io.EOF, io.ErrUnexpectedEOF:
		r.eof = true
		return nil
	}
	return fmt.Errorf("textio: read %q: %w", r.path, err)
}

// scan passes the complete lines in the buffer to fn and keeps the partial
// last one for the next fill. It reports done when no further line of the
// split can follow.
func (r *reader) scan(fn lineFunc) (done bool, err error) {
	data := r.buf[:r.n]
	i := 0
	if r.skip {
		j := bytes.IndexByte(data, '\n')
		if j < 0 {
			r.consume(len(data))
			return r.eof, nil
		}
		i, r.skip = j+1, false
	}
	if r.base+int64(i) >= r.end {
		return true, nil
	}
	if k := bytes.LastIndexByte(data[i:], '\n'); k >= 0 {
		done, err := r.emit(r.freeze(i, i+k+1), r.base+int64(i), fn)
		if done || err != nil {
			return true, err
		}
		i += k + 1
	}
	if r.eof {
		if i < len(data) { // a final line without '\n'
			return true, fn(trimCR(r.freeze(i, len(data))), r.base+int64(len(data)))
		}
		return true, nil
	}
	r.consume(i)
	return false, nil
}

// emit passes the lines of chunk, which starts at file offset off and ends
// with '\n', to fn while they start before the split's end. It reports done
// when the next line would start at or past the end.
func (r *reader) emit(chunk string, off int64, fn lineFunc) (done bool, err error) {
	for len(chunk) > 0 && off < r.end {
		j := strings.IndexByte(chunk, '\n')
		if err := fn(trimCR(chunk[:j]), off+int64(j+1)); err != nil {
			return true, err
		}
		chunk = chunk[j+1:]
		off += int64(j + 1)
	}
	return off >= r.end, nil
}

// freeze returns buf[i:j] as a string without copying, and marks the
// buffer frozen: from now on it is never written again (consume and fill
// move to a new buffer), which is what makes the string immutable.
func (r *reader) freeze(i, j int) string {
	r.frozen = true
	return unsafe.String(&r.buf[i], j-i)
}

// consume drops the first k bytes of the buffered data.
func (r *reader) consume(k int) {
	r.base += int64(k)
	if r.frozen {
		r.renew(k, len(r.buf))
		return
	}
	r.n = copy(r.buf, r.buf[k:r.n])
}

// renew moves the unconsumed data from k on to a new buffer of the given
// size, so that strings frozen from the old one stay unchanged.
func (r *reader) renew(k, size int) {
	nb := make([]byte, size)
	r.n = copy(nb, r.buf[k:r.n])
	r.buf, r.frozen = nb, false
}

func trimCR(line string) string {
	if n := len(line); n > 0 && line[n-1] == '\r' {
		return line[:n-1]
	}
	return line
}
