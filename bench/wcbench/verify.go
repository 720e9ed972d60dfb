package main

import (
	"fmt"
	"os"
	"path/filepath"
	"spindle/bench/internal/harness"
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
	return harness.SortLines(all), nil
}
