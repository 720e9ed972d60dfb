package main

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// shProgram is a fake contender: a shell script writing its output to $0.
func shProgram(name, out, script string, dir bool) *program {
	return &program{name: name, argv: []string{"sh", "-c", script, out}, out: out, dir: dir, result: result{name: name}}
}

func TestRunRounds(t *testing.T) {
	const ref = `printf 'a\t2\nb\t1\n' >"$0"`
	const parts = `mkdir "$0" && printf 'b\t1\n' >"$0/part-00001" && printf 'a\t2\n' >"$0/part-00000" && : >"$0/_SUCCESS"`
	tests := []struct {
		name   string
		script string
		dir    bool
		want   error
	}{
		{"same file", ref, false, nil},
		{"same parts", parts, true, nil},
		{"different count", `printf 'a\t2\nb\t2\n' >"$0"`, false, errMismatch},
		{"missing word", `mkdir "$0" && printf 'a\t2\n' >"$0/part-00000" && : >"$0/_SUCCESS"`, true, errMismatch},
	}
	for _, tt := range tests {
		work := t.TempDir()
		progs := []*program{
			shProgram("ref", filepath.Join(work, "ref.tsv"), ref, false),
			shProgram("other", filepath.Join(work, "other"), tt.script, tt.dir),
		}
		err := runRounds(t.Context(), progs, 2, work)
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestRunRoundsFailure(t *testing.T) {
	work := t.TempDir()
	progs := []*program{shProgram("bad", filepath.Join(work, "x"), `echo boom >&2; exit 3`, false)}
	err := runRounds(t.Context(), progs, 1, work)
	if err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("failing program: got %v, want an error showing its log", err)
	}
}
