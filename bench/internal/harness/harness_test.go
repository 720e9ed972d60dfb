package harness

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSortLines(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"b\t1\na\t2\n", "a\t2\nb\t1\n"},
		{"UNITED STATES\t1992\t1\nUNITED KINGDOM\t1993\t2\n", "UNITED KINGDOM\t1993\t2\nUNITED STATES\t1992\t1\n"},
		{"X Y\t1992\t1\nX\t1993\t1\n", "X\t1993\t1\nX Y\t1992\t1\n"}, // a key before its extensions, as ORDER BY
	}
	for _, tt := range tests {
		if got := string(SortLines([]byte(tt.in))); got != tt.want {
			t.Errorf("SortLines(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCompareOutputs(t *testing.T) {
	tests := []struct {
		got, want, err string // err: "" for equal, else a substring of the error
	}{
		{"h\na\t1\n", "h\na\t1\n", ""},
		{"h\na\t1\nb\t2\n", "h\na\t1\nb\t3\n", `line 3: got "b\t2", want "b\t3"`},
		{"h\n", "h\nb\t1\n", `line 2: got "", want "b\t1"`},
		{"x\na\t1\n", "h\na\t1\n", `line 1: got "x", want "h"`},
	}
	for _, tt := range tests {
		err := CompareOutputs([]byte(tt.got), []byte(tt.want))
		if tt.err == "" && err != nil || tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("CompareOutputs(%q, %q): got %v, want %q", tt.got, tt.want, err, tt.err)
		}
	}
}

func TestJobTime(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "log")
	os.WriteFile(log, []byte("application_1\napplication application_1 FINISHED in 9.2s\nstream: ...\n"), 0o644)
	if d, err := JobTime(log); err != nil || d != 9200*time.Millisecond {
		t.Errorf("JobTime = %v, %v; want 9.2s", d, err)
	}
	os.WriteFile(log, []byte("application application_1 FAILED: boom\n"), 0o644)
	if _, err := JobTime(log); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("JobTime of a failed job: %v, want an error with the log", err)
	}
}
