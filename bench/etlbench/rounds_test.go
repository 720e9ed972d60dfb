package main

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// shProgram is a fake contender: a shell script writing its output to $0
// (a file, or for parts the query's directory under the job's output).
func shProgram(name, out, script string, parts bool) *program {
	// The fake runs a while, as a real contender does, so that the 50 ms
	// memory sampler sees it alive (a 3 ms script can end unsampled).
	script = "sleep 0.3; " + script
	p := &program{name: name, argv: []string{"sh", "-c", script, out}, out: out, clean: out, parts: parts, result: result{name: name}}
	if parts {
		p.clean = filepath.Dir(out)
	}
	return p
}

func TestRunRounds(t *testing.T) {
	const ref = `printf 'k\tn\na\t2\nb\t1\n' >"$0"`
	const parts = `mkdir -p "$0" && printf 'k\tn\nb\t1\n' >"$0/part-00001.csv" && printf 'k\tn\na\t2\n' >"$0/part-00000.csv" && : >"$0/_SUCCESS"`
	tests := []struct {
		name   string
		script string
		parts  bool
		want   error
	}{
		{"same file", ref, false, nil},
		{"same parts", parts, true, nil},
		{"different sum", `printf 'k\tn\na\t2\nb\t2\n' >"$0"`, false, errMismatch},
		{"different header", `printf 'k\tcount\na\t2\nb\t1\n' >"$0"`, false, errMismatch},
		{"missing group", `mkdir -p "$0" && printf 'k\tn\na\t2\n' >"$0/part-00000.csv" && : >"$0/_SUCCESS"`, true, errMismatch},
		{"unsorted file", `printf 'k\tn\nb\t1\na\t2\n' >"$0"`, false, errMismatch},
	}
	for _, tt := range tests {
		work := t.TempDir()
		progs := []*program{
			shProgram("plain", filepath.Join(work, "plain.tsv"), ref, false),
			shProgram("other", filepath.Join(work, "out", "q1"), tt.script, tt.parts),
		}
		if !tt.parts {
			progs[1] = shProgram("other", filepath.Join(work, "other.tsv"), tt.script, false)
		}
		err := runRounds(t.Context(), progs, 2, work)
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, err, tt.want)
		}
		if err == nil && (len(progs[1].result.times) != 2 || progs[1].result.peak <= 0 || progs[1].result.largest <= 0) {
			t.Errorf("%s: got result %+v, want 2 times and positive peaks", tt.name, progs[1].result)
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
