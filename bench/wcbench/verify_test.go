package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSortLines(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"b\t1\na\t2\n", "a\t2\nb\t1\n"},
		{"abc\t3\nab\t5\n", "ab\t5\nabc\t3\n"}, // a word before its extensions, as in wc-ref
		{"é\t1\nz\t1\n", "z\t1\né\t1\n"},       // byte order, not collation
	}
	for _, tt := range tests {
		if got := string(sortLines([]byte(tt.in))); got != tt.want {
			t.Errorf("sortLines(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCompareOutputs(t *testing.T) {
	tests := []struct {
		got, want, err string // err: "" for equal, else a substring of the error
	}{
		{"a\t1\n", "a\t1\n", ""},
		{"a\t1\nb\t2\n", "a\t1\nb\t3\n", `line 2: got "b\t2", want "b\t3"`},
		{"a\t1\n", "a\t1\nb\t1\n", `line 2: got "", want "b\t1"`},
		{"a\t1\nb\t1\n", "a\t1\n", `line 2: got "b\t1", want ""`},
	}
	for _, tt := range tests {
		err := compareOutputs([]byte(tt.got), []byte(tt.want))
		if tt.err == "" && err != nil || tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("compareOutputs(%q, %q): got %v, want %q", tt.got, tt.want, err, tt.err)
		}
	}
}

func TestReadParts(t *testing.T) {
	write := func(dir string, files map[string]string) {
		for name, body := range files {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	tests := []struct {
		name  string
		files map[string]string
		want  string // "" means an error is expected
	}{
		{"merged and sorted", map[string]string{"part-00000": "b\t1\nd\t4\n", "part-00001": "a\t2\nc\t1\n", "_SUCCESS": ""},
			"a\t2\nb\t1\nc\t1\nd\t4\n"},
		{"empty parts", map[string]string{"part-00000": "", "part-00001": "a\t1\n", "_SUCCESS": ""}, "a\t1\n"},
		{"no _SUCCESS", map[string]string{"part-00000": "a\t1\n"}, ""},
		{"no parts", map[string]string{"_SUCCESS": ""}, ""},
		{"cut last line", map[string]string{"part-00000": "a\t1", "_SUCCESS": ""}, ""},
	}
	for _, tt := range tests {
		dir := t.TempDir()
		write(dir, tt.files)
		got, err := readParts(dir)
		switch {
		case tt.want == "" && err == nil:
			t.Errorf("%s: got %q, want an error", tt.name, got)
		case tt.want != "" && (err != nil || string(got) != tt.want):
			t.Errorf("%s: got %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
}
