package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// job is a job binary ready to submit.
type job struct {
	target string   // PACKAGE|BINARY as the user wrote it
	path   string   // absolute path of the binary
	args   []string // job arguments
	desc   description
	tmp    string // directory holding a binary built here, or ""
	hash   string // SHA-256 of the binary once it is in the object store
}

// close removes a binary prepareJob built.
func (j *job) close() {
	if j.tmp != "" {
		os.RemoveAll(j.tmp)
	}
}

// splitJobArgs splits the positional arguments of run and submit into
// PACKAGE|BINARY and the job arguments after an optional "--".
func splitJobArgs(pos []string) (target string, jobArgs []string, err error) {
	if len(pos) > 0 && pos[0] == "--" {
		pos = pos[1:]
	}
	if len(pos) == 0 {
		return "", nil, usagef("missing PACKAGE|BINARY")
	}
	target, rest := pos[0], pos[1:]
	if len(rest) > 0 && rest[0] == "--" {
		rest = rest[1:]
	}
	return target, rest, nil
}

// prepareJob resolves target to a binary (building a package if need be)
// and describes it with jobArgs. Build output goes to stderr. The caller
// must close the job.
func prepareJob(ctx context.Context, target string, jobArgs []string, stderr io.Writer) (*job, error) {
	j := &job{target: target, args: jobArgs}
	if err := j.resolve(ctx, stderr); err != nil {
		j.close()
		return nil, err
	}
	desc, err := describe(ctx, j.path, target, jobArgs)
	if err != nil {
		j.close()
		return nil, err
	}
	j.desc = desc
	return j, nil
}

// resolve sets j.path: target itself if it is a regular file, else the
// binary built from the Go package target.
func (j *job) resolve(ctx context.Context, stderr io.Writer) error {
	fi, err := os.Stat(j.target)
	switch {
	case err == nil && fi.Mode().IsRegular():
		j.path, err = filepath.Abs(j.target)
		return err
	case err == nil && fi.IsDir():
	case looksLikePath(j.target):
		return fmt.Errorf("no such package or binary: %s", j.target)
	}
	if err := checkPackage(ctx, j.target); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "spindle-build-")
	if err != nil {
		return err
	}
	j.tmp = tmp
	j.path = filepath.Join(tmp, binaryName(j.target))
	return goBuild(ctx, j.target, j.path, stderr)
}

// looksLikePath reports whether s is a file path rather than an import
// path: relative to "." or "..", or absolute.
func looksLikePath(s string) bool {
	return filepath.IsAbs(s) || s == "." || s == ".." ||
		strings.HasPrefix(s, "./") || strings.HasPrefix(s, "../")
}

// goPackageArg returns how to name pkg to the go command: a directory
// like "jobs/wordcount" would be taken for an import path, so it gets a
// "./" prefix.
func goPackageArg(pkg string) string {
	if looksLikePath(pkg) {
		return pkg
	}
	if fi, err := os.Stat(pkg); err == nil && fi.IsDir() {
		return "./" + pkg
	}
	return pkg
}

// binaryName names the binary built from pkg.
func binaryName(pkg string) string {
	name := filepath.Base(filepath.Clean(pkg))
	if name == "." || name == "/" || name == ".." {
		return "job"
	}
	return name
}

// checkPackage makes sure pkg is a Go main package, cheaply (no compile).
func checkPackage(ctx context.Context, pkg string) error {
	pkgArg := goPackageArg(pkg)
	cmd := exec.CommandContext(ctx, "go", "list", "-find", "-f", "{{.Name}}", "--", pkgArg)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var exitErr *exec.ExitError
	switch {
	case errors.As(err, &exitErr):
		return fmt.Errorf("no such package or binary: %s (%s)", pkg, lastLine(stderr.String()))
	case err != nil:
		return fmt.Errorf("cannot build %s: %w", pkg, err)
	case strings.TrimSpace(string(out)) != "main":
		return fmt.Errorf("%s is not a main package, so not a job", pkg)
	}
	return nil
}

// goBuild builds pkg into out, relaying the compiler's output to stderr.
func goBuild(ctx context.Context, pkg, out string, stderr io.Writer) error {
	pkgArg := goPackageArg(pkg)
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "--", pkgArg)
	cmd.Stdout = stderr
	cmd.Stderr = stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("cannot build %s", pkg)
	}
	return nil
}

// lastLine returns the last non-blank line of s, trimmed.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
