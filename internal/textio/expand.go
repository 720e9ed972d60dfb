package textio

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Errors returned by Expand, wrapped with the offending item or path.
var (
	// ErrNoInput means an item of the spec matched no file (or the spec
	// names nothing at all).
	ErrNoInput = errors.New("textio: no input matches")
	// ErrUnreadable means a matched file cannot be opened for reading.
	ErrUnreadable = errors.New("textio: cannot read")
)

// Expand resolves an input spec to a sorted list of distinct files. The spec
// is a comma-separated list; each item is
//   - a file,
//   - a directory, standing for its regular files whose names do not start
//     with '_' or '.' (not recursive, so "_SUCCESS" and ".crc" files and
//     subdirectories are left out), or
//   - a glob pattern (filepath.Glob syntax); a matched directory is expanded
//     as above.
//
// Blank items are ignored. An item that matches no file is an error wrapping
// ErrNoInput, reading `textio: no input matches "ITEM"`; a file that cannot
// be opened is an error wrapping ErrUnreadable with its path. Every file is
// opened once to check this.
func Expand(spec string) ([]string, error) {
	var files []string
	for item := range strings.SplitSeq(spec, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		got, err := expandItem(item)
		if err != nil {
			return nil, err
		}
		files = append(files, got...)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%w %q", ErrNoInput, spec)
	}
	slices.Sort(files)
	files = slices.Compact(files)
	for _, f := range files {
		if err := checkReadable(f); err != nil {
			return nil, err
		}
	}
	return files, nil
}

// expandItem resolves one item of a spec to at least one file.
func expandItem(item string) ([]string, error) {
	paths := []string{item}
	if isGlob(item) {
		m, err := filepath.Glob(item)
		if err != nil {
			return nil, fmt.Errorf("textio: bad pattern %q: %w", item, err)
		}
		paths = m
	}
	var files []string
	for _, p := range paths {
		got, err := expandPath(p)
		if err != nil {
			return nil, err
		}
		files = append(files, got...)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%w %q", ErrNoInput, item)
	}
	return files, nil
}

// expandPath resolves an existing path (or reports ErrNoInput) to files.
func expandPath(p string) ([]string, error) {
	fi, err := os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w %q", ErrNoInput, p)
	}
	if err != nil {
		return nil, unreadable(p, err)
	}
	if !fi.IsDir() {
		return []string{p}, nil
	}
	return listDir(p)
}

// listDir returns the visible regular files directly inside dir.
func listDir(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, unreadable(dir, err)
	}
	var files []string
	for _, e := range entries {
		if hidden(e.Name()) {
			continue
		}
		p := filepath.Join(dir, e.Name())
		fi, err := os.Stat(p) // follows symlinks, unlike e.Type()
		if err != nil {
			return nil, unreadable(p, err)
		}
		if fi.Mode().IsRegular() {
			files = append(files, p)
		}
	}
	return files, nil
}

// hidden reports whether a directory listing skips a file name, following
// Hadoop's hidden-file filter.
func hidden(name string) bool {
	return strings.HasPrefix(name, "_") || strings.HasPrefix(name, ".")
}

// isGlob reports whether an item holds filepath.Match metacharacters.
func isGlob(item string) bool {
	return strings.ContainsAny(item, `*?[`)
}

func checkReadable(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return unreadable(path, err)
	}
	return f.Close()
}

// unreadable wraps err as ErrUnreadable, naming path once.
func unreadable(path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Errorf("%w %q: %w", ErrUnreadable, path, err)
}
