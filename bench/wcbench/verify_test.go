package main

import (
	"os"
	"path/filepath"
	"testing"
)

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
