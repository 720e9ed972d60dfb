package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
)

// corpusSeed is gen-text's seed: the same seed and size give the same bytes.
const corpusSeed = 1

// ensureCorpus returns the path of a corpus of exactly size bytes in
// cache, generating it with the shared gen-text unless a cached one of that
// size exists. The file appears under its final name only when complete.
func ensureCorpus(ctx context.Context, shared, cache string, size int64) (string, error) {
	path := filepath.Join(cache, fmt.Sprintf("corpus-%d-seed%d.txt", size, corpusSeed))
	if fi, err := os.Stat(path); err == nil && fi.Size() == size {
		fmt.Fprintln(os.Stderr, "wcbench: using cached corpus", path)
		return path, nil
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return "", err
	}
	genDir := filepath.Join(shared, "bench", "gen-text")
	gen := filepath.Join(cache, "gen-text")
	if err := goBuild(ctx, genDir, gen, "."); err != nil {
		return "", err
	}
	fmt.Fprintf(os.Stderr, "wcbench: generating %d bytes into %s\n", size, path)
	tmp := path + ".partial"
	cmd := exec.CommandContext(ctx, gen, "-model", "model.tsv", "-size", strconv.FormatInt(size, 10),
		"-seed", strconv.Itoa(corpusSeed), "-o", tmp)
	cmd.Dir = genDir
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("wcbench: gen-text: %w\n%s", err, msg)
	}
	if fi, err := os.Stat(tmp); err != nil || fi.Size() != size {
		return "", fmt.Errorf("wcbench: gen-text wrote %v bytes, want %d (%v)", fileSize(fi), size, err)
	}
	return path, os.Rename(tmp, path)
}

func fileSize(fi os.FileInfo) int64 {
	if fi == nil {
		return -1
	}
	return fi.Size()
}
