package main

import (
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

func TestSplitJobArgs(t *testing.T) {
	tests := []struct {
		in      []string
		target  string
		jobArgs []string
		wantErr bool
	}{
		{in: nil, wantErr: true},
		{in: []string{"--"}, wantErr: true},
		{in: []string{"./jobs/wc"}, target: "./jobs/wc"},
		{in: []string{"./jobs/wc", "--", "--input", "x"}, target: "./jobs/wc", jobArgs: []string{"--input", "x"}},
		{in: []string{"--", "./jobs/wc", "a"}, target: "./jobs/wc", jobArgs: []string{"a"}},
		{in: []string{"bin", "a", "--", "b"}, target: "bin", jobArgs: []string{"a", "--", "b"}},
	}
	for _, tt := range tests {
		target, jobArgs, err := splitJobArgs(tt.in)
		if (err != nil) != tt.wantErr || target != tt.target || !slices.Equal(jobArgs, tt.jobArgs) {
			t.Errorf("splitJobArgs(%q) = %q, %q, %v; want %q, %q, error %v",
				tt.in, target, jobArgs, err, tt.target, tt.jobArgs, tt.wantErr)
		}
	}
}

func TestLooksLikePath(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"./jobs/wordcount", true},
		{"../x", true},
		{".", true},
		{"/abs/bin", true},
		{"jobs/wordcount", false},
		{"spindle/jobs/wordcount", false},
		{"github.com/a/b", false},
	}
	for _, tt := range tests {
		if got := looksLikePath(tt.in); got != tt.want {
			t.Errorf("looksLikePath(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestBinaryName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"./jobs/wordcount", "wordcount"},
		{"spindle/jobs/etl/", "etl"},
		{".", "job"},
		{"..", "job"},
	}
	for _, tt := range tests {
		if got := binaryName(tt.in); got != tt.want {
			t.Errorf("binaryName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseDescription(t *testing.T) {
	exitErr := exec.Command("false").Run() // a real *exec.ExitError
	tests := []struct {
		name    string
		stdout  string
		stderr  string
		runErr  error
		want    string // description name
		wantErr string
	}{
		{"job", "spindle-job-v1 {\"name\":\"wc\",\"fingerprint\":\"ab\"}\n", "", nil, "wc", ""},
		{"job with trailing output", "spindle-job-v1 {\"name\":\"wc\"}\nmore\n", "", nil, "wc", ""},
		{"bad args", "", "usage: wc\nwc: --output is required\n", exitErr, "", "wc: --output is required"},
		{"no magic", "hello\n", "", nil, "", "x is not a Spindle job binary"},
		{"empty", "", "", nil, "", "x is not a Spindle job binary"},
		{"silent failure", "", "", exitErr, "", "x is not a Spindle job binary"},
		{"exec failure", "", "", errors.New("exec format error"), "", "x is not a Spindle job binary"},
		{"bad json", "spindle-job-v1 {nope", "", nil, "", "x printed a bad description"},
	}
	for _, tt := range tests {
		d, err := parseDescription("x", []byte(tt.stdout), tt.stderr, tt.runErr)
		if got := fmt.Sprint(err); tt.wantErr != "" && !strings.HasPrefix(got, tt.wantErr) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.wantErr)
		}
		if tt.wantErr == "" && (err != nil || d.Name != tt.want) {
			t.Errorf("%s: got %+v, %v; want name %q", tt.name, d, err, tt.want)
		}
	}
}

func TestOneLine(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"boom", "boom"},
		{"a\nb\n", "a; b"},
		{"failed 4 times:\n  boom\n\n", "failed 4 times: boom"},
	}
	for _, tt := range tests {
		if got := oneLine(tt.in); got != tt.want {
			t.Errorf("oneLine(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestExitCode(t *testing.T) {
	tests := []struct {
		err      error
		code     int
		wantText string
	}{
		{nil, 0, ""},
		{errors.New("boom"), 2, "spindle: boom\n"},
		{usagef("missing APP"), 2, "spindle: missing APP\n"},
		{exitError{code: 1}, 1, ""},
		{exitError{code: 1, err: errors.New("worker: x")}, 1, "spindle: worker: x\n"},
		{fmt.Errorf("wrapped: %w", exitError{code: 1}), 1, ""},
	}
	for _, tt := range tests {
		var b strings.Builder
		if got := exitCode(&b, tt.err); got != tt.code || b.String() != tt.wantText {
			t.Errorf("exitCode(%v) = %d, %q; want %d, %q", tt.err, got, b.String(), tt.code, tt.wantText)
		}
	}
}
