package main

import (
	"os"
	"path/filepath"
	"testing"
)

// The binary seeded into a local cluster's cache is a copy: the user's
// file keeps its mode, and rebuilding it in place does not change what
// the cache holds under the old hash.
func TestSeedCacheCopies(t *testing.T) {
	c := &cluster{cfg: clusterConfig{dir: t.TempDir()}}
	bin := filepath.Join(t.TempDir(), "job")
	if err := os.WriteFile(bin, []byte("v1"), 0o700); err != nil {
		t.Fatal(err)
	}
	c.seedCache(bin, "abc")
	cached := filepath.Join(c.cacheDir(), "abc")
	if err := os.WriteFile(bin, []byte("v2"), 0o700); err != nil { // rebuilt in place
		t.Fatal(err)
	}
	got, err := os.ReadFile(cached)
	if err != nil || string(got) != "v1" {
		t.Errorf("cache holds %q (%v), want the seeded v1", got, err)
	}
	if fi, err := os.Stat(cached); err != nil || fi.Mode().Perm()&0o100 == 0 {
		t.Errorf("cached binary %v, %v: want it executable", fi, err)
	}
	if fi, _ := os.Stat(bin); fi.Mode().Perm() != 0o700 {
		t.Errorf("the user's binary is now %v, want 0700 untouched", fi.Mode().Perm())
	}
	if left, _ := filepath.Glob(filepath.Join(c.cacheDir(), "*.seed")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}
