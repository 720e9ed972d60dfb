package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
)

// readParts returns the output directory's part-* files concatenated and
// sorted by line in byte order, which is wc-ref's order: words hold no
// byte below '\t', so sorting "word\tcount" lines sorts by word. The
// directory must hold the _SUCCESS marker.
func readParts(dir string) ([]byte, error) {
	if _, err := os.Stat(filepath.Join(dir, "_SUCCESS")); err != nil {
		return nil, fmt.Errorf("wcbench: no _SUCCESS in %s: %w", dir, err)
	}
	parts, err := filepath.Glob(filepath.Join(dir, "part-*"))
	if err != nil || len(parts) == 0 {
		return nil, fmt.Errorf("wcbench: no part-* files in %s", dir)
	}
	var all []byte
	for _, p := range parts {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		if len(b) > 0 && b[len(b)-1] != '\n' {
			return nil, fmt.Errorf("wcbench: %s does not end with a newline", p)
		}
		all = append(all, b...)
	}
	return sortLines(all), nil
}

// sortLines sorts the '\n'-terminated lines of b bytewise.
func sortLines(b []byte) []byte {
	lines := bytes.SplitAfter(b, []byte("\n"))
	if n := len(lines); n > 0 && len(lines[n-1]) == 0 {
		lines = lines[:n-1]
	}
	slices.SortFunc(lines, bytes.Compare)
	return bytes.Join(lines, nil)
}

// compareOutputs returns nil if got equals want, else an error naming the
// first line where they differ.
func compareOutputs(got, want []byte) error {
	if bytes.Equal(got, want) {
		return nil
	}
	g, w := bytes.Split(got, []byte("\n")), bytes.Split(want, []byte("\n"))
	for i := range min(len(g), len(w)) {
		if !bytes.Equal(g[i], w[i]) {
			return fmt.Errorf("line %d: got %q, want %q", i+1, g[i], w[i])
		}
	}
	if len(g) != len(w) {
		return fmt.Errorf("got %d lines, want %d", len(g), len(w))
	}
	return errors.New("outputs differ") // unreachable: equal lines mean equal bytes
}
