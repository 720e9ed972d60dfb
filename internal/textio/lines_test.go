package textio

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"spindle/internal/proto"
)

// tinySizes make every fixture span many blocks and force buffer growth.
var tinySizes = []sizes{{block: 1, tail: 1}, {block: 3, tail: 2}, {block: 8, tail: 5}, {block: blockSize, tail: tailRead}}

// writeFile writes content to a new file in a test directory.
func writeFile(t testing.TB, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// collect reads one split with the given sizes and returns its lines.
func collect(t testing.TB, s proto.Split, sz sizes) []string {
	t.Helper()
	var got []string
	err := readLines(context.Background(), s, func(l string, _ int64) error {
		got = append(got, l)
		return nil
	}, nil, sz)
	if err != nil {
		t.Fatalf("readLines(%+v): %v", s, err)
	}
	return got
}

func TestReadLinesSplitBoundaries(t *testing.T) {
	const text = "ab\ncd\r\n\nefg" // lines start at 0, 3, 7, 8
	tests := []struct {
		start, length int64
		want          []string
	}{
		{0, 11, []string{"ab", "cd", "", "efg"}},
		{0, 0, nil},
		{0, 1, []string{"ab"}},                    // first line read past the end
		{0, 3, []string{"ab"}},                    // line at 3 belongs to the next split
		{0, 4, []string{"ab", "cd"}},              // line at 3 starts inside
		{1, 2, nil},                               // inside "ab\n": no line starts here
		{3, 1, []string{"cd"}},                    // a line starting exactly at Start
		{2, 1, nil},                               // the '\n' before Start's line
		{4, 4, []string{""}},                      // [4,8): only the empty line at 7
		{7, 1, []string{""}},                      // the empty line
		{8, 3, []string{"efg"}},                   // the final line without '\n'
		{9, 2, nil},                               // inside the final line
		{11, 0, nil},                              // at EOF
		{3, 8, []string{"cd", "", "efg"}},         // through EOF
		{0, 100, []string{"ab", "cd", "", "efg"}}, // range past EOF
	}
	path := writeFile(t, "f.txt", text)
	for _, tt := range tests {
		for _, sz := range tinySizes {
			got := collect(t, proto.Split{Path: path, Start: tt.start, Length: tt.length}, sz)
			if !slices.Equal(got, tt.want) {
				t.Errorf("split [%d,+%d) sizes %+v: got %q, want %q", tt.start, tt.length, sz, got, tt.want)
			}
		}
	}
}

func TestReadLinesLineContent(t *testing.T) {
	tests := []struct {
		name, text string
		want       []string
	}{
		{"empty file", "", nil},
		{"only newline", "\n", []string{""}},
		{"two newlines", "\n\n", []string{"", ""}},
		{"no final newline", "a\nb", []string{"a", "b"}},
		{"crlf", "a\r\nb\r\n", []string{"a", "b"}},
		{"one cr only", "a\r\r\n", []string{"a\r"}},
		{"lone cr is no line end", "a\rb\n", []string{"a\rb"}},
		{"final cr without newline", "a\nb\r", []string{"a", "b"}},
		{"only cr", "\r", []string{""}},
		{"long line", strings.Repeat("x", 1000) + "\ny", []string{strings.Repeat("x", 1000), "y"}},
	}
	for _, tt := range tests {
		path := writeFile(t, "f.txt", tt.text)
		for _, sz := range tinySizes {
			got := collect(t, proto.Split{Path: path, Length: int64(len(tt.text))}, sz)
			if !slices.Equal(got, tt.want) {
				t.Errorf("%s, sizes %+v: got %q, want %q", tt.name, sz, got, tt.want)
			}
		}
	}
}

func TestReadLinesErrors(t *testing.T) {
	path := writeFile(t, "f.txt", "a\nb\nc\n")
	stop := errors.New("stop")
	var n int
	err := ReadLines(context.Background(), proto.Split{Path: path, Length: 6}, func(string) error {
		n++
		return stop
	}, nil)
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("fn error: got %v after %d lines, want %v after 1", err, n, stop)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = ReadLines(ctx, proto.Split{Path: path, Length: 6}, func(string) error { return nil }, nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("canceled ctx: got %v, want %v", err, context.Canceled)
	}

	missing := filepath.Join(t.TempDir(), "missing.txt")
	err = ReadLines(context.Background(), proto.Split{Path: missing, Length: 1}, func(string) error { return nil }, nil)
	if !errors.Is(err, ErrUnreadable) || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing file: got %v, want ErrUnreadable naming %s", err, missing)
	}
}

func TestReadLinesProgress(t *testing.T) {
	text := strings.Repeat("0123456789\n", 1000)
	path := writeFile(t, "f.txt", text)
	var got []int64
	err := readLines(context.Background(), proto.Split{Path: path, Start: 100, Length: 5000},
		func(string, int64) error { return nil }, func(d int64) { got = append(got, d) }, sizes{block: 1024, tail: 16})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) < 2 || got[len(got)-1] != 5000 {
		t.Fatalf("progress: got %v, want several calls ending at 5000", got)
	}
	for i := 1; i < len(got); i++ {
		if got[i] < got[i-1] || got[i] < 0 || got[i] > 5000 {
			t.Errorf("progress: got %v, want non-decreasing values in [0, 5000]", got)
			break
		}
	}
}

// TestResumeAtNext checks the contract of ReadLinesAt: stopping after any
// line and resuming with the split that starts at its next offset yields
// exactly the lines not read yet.
func TestResumeAtNext(t *testing.T) {
	text := "alpha\r\nbeta\n\ngamma delta\nε\xffζ\nlast line without newline"
	path := writeFile(t, "resume.txt", text)
	for _, s := range []proto.Split{
		{Path: path, Start: 0, Length: int64(len(text))},
		{Path: path, Start: 3, Length: 20},
		{Path: path, Start: 12, Length: int64(len(text)) - 12},
	} {
		all := collect(t, s, sizes{block: 8, tail: 4})
		for stop := range all {
			var got []string
			var next int64
			err := ReadLinesAt(context.Background(), s, func(l string, n int64) error {
				got = append(got, l)
				next = n
				if len(got) == stop+1 {
					return errStop
				}
				return nil
			}, nil)
			if err != errStop {
				t.Fatalf("split %+v stop %d: %v", s, stop, err)
			}
			end := s.Start + s.Length
			if next < end {
				got = append(got, collect(t, proto.Split{Path: path, Start: next, Length: end - next}, sizes{block: 8, tail: 4})...)
			}
			if !slices.Equal(got, all) {
				t.Errorf("split %+v, resumed after line %d at %d: got %q, want %q", s, stop, next, got, all)
			}
		}
	}
}

var errStop = errors.New("stop")
