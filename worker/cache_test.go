package worker

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
)

// memFetcher is an in-memory object store that counts fetches.
type memFetcher struct {
	objects map[string][]byte
	fetches int
}

func (f *memFetcher) Fetch(_ context.Context, name string) (io.ReadCloser, error) {
	f.fetches++
	data, ok := f.objects[name]
	if !ok {
		return nil, errors.New("object not found")
	}
	return io.NopCloser(bytes.NewReader(data)), nil
}

func hashOf(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func TestCache(t *testing.T) {
	good := []byte("#!/bin/sh\necho hi\n")
	evil := strings.Repeat("e", 64)
	src := &memFetcher{objects: map[string][]byte{hashOf(good): good, evil: []byte("not what the name says")}}
	c := &cache{dir: t.TempDir(), src: src}
	ctx := context.Background()

	path, err := c.path(ctx, hashOf(good))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, good) {
		t.Errorf("cached content = %q, want %q", got, good)
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o755 {
		t.Errorf("mode = %v, want 0755", info.Mode().Perm())
	}
	if _, err := c.path(ctx, hashOf(good)); err != nil || src.fetches != 1 {
		t.Errorf("second lookup: err %v, %d fetches; want reuse (1 fetch)", err, src.fetches)
	}

	tests := []struct{ name, hash, wantErr string }{
		{"mismatch", evil, "has SHA-256"},
		{"missing", strings.Repeat("a", 64), "object not found"},
		{"traversal", "../../etc/passwd", "bad binary hash"},
	}
	for _, tt := range tests {
		if _, err := c.path(ctx, tt.hash); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.wantErr)
		}
	}
	if entries, _ := os.ReadDir(c.dir); len(entries) != 1 {
		t.Errorf("cache holds %d files, want 1 (no temporaries left)", len(entries))
	}
}
