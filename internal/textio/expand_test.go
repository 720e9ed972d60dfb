package textio

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// makeTree creates files (empty) under a new directory and returns it.
func makeTree(t *testing.T, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, n := range names {
		p := filepath.Join(dir, n)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(n, "/") {
			continue
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestExpand(t *testing.T) {
	dir := makeTree(t, "in/b.txt", "in/a.txt", "in/_SUCCESS", "in/.a.crc", "in/sub/c.txt",
		"logs/x.log", "logs/y.log", "logs/z.txt", "one.txt", "empty/")
	j := func(names ...string) []string {
		out := make([]string, len(names))
		for i, n := range names {
			out[i] = filepath.Join(dir, n)
		}
		return out
	}
	tests := []struct {
		spec string
		want []string
	}{
		{"one.txt", j("one.txt")},
		{"in", j("in/a.txt", "in/b.txt")},
		{"in/", j("in/a.txt", "in/b.txt")},
		{"logs/*.log", j("logs/x.log", "logs/y.log")},
		{"logs/*.log, one.txt", j("logs/x.log", "logs/y.log", "one.txt")},
		{"one.txt,one.txt,,", j("one.txt")},
		{"in/_SUCCESS", j("in/_SUCCESS")}, // named explicitly: not filtered
		{"*/a.txt", j("in/a.txt")},
		{"l?gs", j("logs/x.log", "logs/y.log", "logs/z.txt")}, // glob matching a directory
	}
	for _, tt := range tests {
		var items []string
		for it := range strings.SplitSeq(tt.spec, ",") {
			if it = strings.TrimSpace(it); it != "" {
				it = filepath.Join(dir, it)
			}
			items = append(items, it)
		}
		got, err := Expand(strings.Join(items, ","))
		if err != nil {
			t.Errorf("Expand(%q): got error %v, want %q", tt.spec, err, tt.want)
			continue
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("Expand(%q): got %q, want %q", tt.spec, got, tt.want)
		}
	}
}

func TestExpandErrors(t *testing.T) {
	dir := makeTree(t, "a.txt", "empty/", "hidden/_x", "hidden/.y")
	tests := []struct {
		spec    string
		want    error
		message string
	}{
		{filepath.Join(dir, "missing.txt"), ErrNoInput, `textio: no input matches "` + filepath.Join(dir, "missing.txt") + `"`},
		{filepath.Join(dir, "*.csv"), ErrNoInput, `textio: no input matches "` + filepath.Join(dir, "*.csv") + `"`},
		{filepath.Join(dir, "empty"), ErrNoInput, "no input matches"},
		{filepath.Join(dir, "hidden"), ErrNoInput, "no input matches"},
		{filepath.Join(dir, "a.txt") + ",nope", ErrNoInput, `"nope"`},
		{" , ", ErrNoInput, "no input matches"},
		{filepath.Join(dir, "[x"), nil, "bad pattern"},
	}
	for _, tt := range tests {
		got, err := Expand(tt.spec)
		if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) || !strings.Contains(err.Error(), tt.message) {
			t.Errorf("Expand(%q): got %q, %v; want error %v containing %q", tt.spec, got, err, tt.want, tt.message)
		}
	}
}

func TestExpandUnreadable(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads any file")
	}
	dir := makeTree(t, "locked.txt")
	p := filepath.Join(dir, "locked.txt")
	if err := os.Chmod(p, 0); err != nil {
		t.Fatal(err)
	}
	_, err := Expand(p)
	if !errors.Is(err, ErrUnreadable) || !strings.Contains(err.Error(), p) {
		t.Errorf("Expand(unreadable): got %v, want ErrUnreadable naming %s", err, p)
	}
}
