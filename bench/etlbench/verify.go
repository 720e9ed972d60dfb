package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"spindle/bench/internal/harness"
)

// Errors of readParts.
var (
	errNoSuccess = errors.New("etlbench: no _SUCCESS marker")
	errNoParts   = errors.New("etlbench: no part-*.csv files")
	errHeaders   = errors.New("etlbench: parts with different header lines")
)

// readParts returns a Spindle output directory's answer in plain's form:
// the header line, then the data lines of all part-*.csv files (each
// part's first line is its header), sorted bytewise. For these queries
// that is the order of the group keys: every key column but the last is
// text without bytes below '\t', and the numeric keys have four digits.
// The _SUCCESS marker may be in dir or its parent (the job's --output).
func readParts(dir string) ([]byte, error) {
	if !exists(filepath.Join(dir, "_SUCCESS")) && !exists(filepath.Join(dir, "..", "_SUCCESS")) {
		return nil, fmt.Errorf("%w in %s or its parent", errNoSuccess, dir)
	}
	parts, err := filepath.Glob(filepath.Join(dir, "part-*.csv"))
	if err != nil || len(parts) == 0 {
		return nil, fmt.Errorf("%w in %s", errNoParts, dir)
	}
	var header, data []byte
	for _, p := range parts {
		h, d, err := splitHeader(p)
		if err != nil {
			return nil, err
		}
		if header != nil && h != nil && !bytes.Equal(h, header) {
			return nil, fmt.Errorf("%w: %s has %q, want %q", errHeaders, p, h, header)
		}
		if header == nil {
			header = h
		}
		data = append(data, d...)
	}
	return append(header, harness.SortLines(data)...), nil
}

// splitHeader reads a part file and splits off its first line. An empty
// file has neither header nor data.
func splitHeader(path string) (header, data []byte, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	if len(b) == 0 {
		return nil, nil, nil
	}
	if b[len(b)-1] != '\n' {
		return nil, nil, fmt.Errorf("etlbench: %s does not end with a newline", path)
	}
	i := bytes.IndexByte(b, '\n') + 1
	return b[:i], b[i:], nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
