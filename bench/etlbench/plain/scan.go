package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
)

// readBuffer is each chunk reader's buffer, and so the longest line read.
const readBuffer = 1 << 20

// errLongLine is returned for a line longer than readBuffer.
var errLongLine = errors.New("plain: line too long")

// scanFile splits the file at path into n chunks of about equal size, each
// starting after a newline, and calls line(i, l) for every line l of chunk
// i (without its '\n'), one goroutine per chunk: line must be safe for
// concurrent calls with different i. The first error stops nothing but is
// returned, with the file name.
func scanFile(path string, n int, line func(chunk int, l []byte) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	size := fi.Size()
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		start, end := size*int64(i)/int64(n), size*int64(i+1)/int64(n)
		wg.Go(func() {
			errs[i] = scanChunk(f, size, start, end, func(l []byte) error { return line(i, l) })
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// scanChunk calls line for every line that starts in [start, end) of a
// file of the given size. A chunk after the first skips the line it starts
// inside of: the previous chunk reads that one to its end.
func scanChunk(f *os.File, size, start, end int64, line func([]byte) error) error {
	from := max(start-1, 0)
	r := bufio.NewReaderSize(io.NewSectionReader(f, from, size-from), readBuffer)
	off := from
	if start > 0 {
		skipped, err := skipLine(r)
		off += skipped
		if err != nil {
			return nil // no newline after start: nothing starts in this chunk
		}
	}
	for off < end {
		at := off
		l, err := r.ReadSlice('\n')
		off += int64(len(l))
		if err == bufio.ErrBufferFull {
			return fmt.Errorf("%w at byte %d", errLongLine, at)
		}
		if len(l) > 0 && l[len(l)-1] == '\n' {
			l = l[:len(l)-1]
		}
		if len(l) > 0 {
			if lerr := line(l); lerr != nil {
				return fmt.Errorf("line at byte %d: %w", at, lerr)
			}
		}
		if err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
	}
	return nil
}

// skipLine reads through the next '\n' and returns how many bytes it read.
func skipLine(r *bufio.Reader) (int64, error) {
	var n int64
	for {
		l, err := r.ReadSlice('\n')
		n += int64(len(l))
		if err != bufio.ErrBufferFull {
			return n, err
		}
	}
}
