package worker

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"spindle/internal/buckets"
)

// ErrBadHash is returned for a binary hash that is not a hex SHA-256.
var ErrBadHash = errors.New("worker: bad binary hash")

var hexSHA256 = regexp.MustCompile(`^[0-9a-f]{64}$`)

// fetcher opens a stored object by name. jetstream.ObjectStore's Get
// fits it through objectFetcher.
type fetcher interface {
	Fetch(ctx context.Context, name string) (io.ReadCloser, error)
}

// cache keeps job binaries in dir, named by their SHA-256. Files appear
// atomically (download to a temporary name, verify, rename), so a present
// file is complete. It is safe for concurrent use.
type cache struct {
	dir string
	src fetcher
}

// path returns the cached binary for hash, downloading it if needed.
func (c *cache) path(ctx context.Context, hash string) (string, error) {
	if !hexSHA256.MatchString(hash) {
		return "", fmt.Errorf("%w: %q", ErrBadHash, hash)
	}
	final := filepath.Join(c.dir, hash)
	if _, err := os.Stat(final); err == nil {
		return final, nil
	}
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return "", fmt.Errorf("worker: cache dir: %w", err)
	}
	// A fetch that stalls (the bucket's NATS leader died: an object read
	// was seen to hang for the whole 90 s of the launch) is given up after
	// fetchAttempt and tried again.
	if err := buckets.RetryWithin(ctx, fetchAttempt, func(ctx context.Context) error { return c.download(ctx, hash, final) }); err != nil {
		return "", err
	}
	return final, nil
}

// fetchAttempt bounds one try at fetching a binary.
const fetchAttempt = 20 * time.Second

// download fetches hash to final through a verified temporary file.
func (c *cache) download(ctx context.Context, hash, final string) error {
	r, err := c.src.Fetch(ctx, hash)
	if err != nil {
		return fmt.Errorf("worker: fetch binary %s: %w", hash, err)
	}
	defer r.Close()
	tmp, err := os.CreateTemp(c.dir, hash+".tmp-*")
	if err != nil {
		return fmt.Errorf("worker: cache: %w", err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	h := sha256.New()
	_, err = io.Copy(io.MultiWriter(tmp, h), r)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("worker: download binary %s: %w", hash, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != hash {
		return fmt.Errorf("worker: binary %s has SHA-256 %s", hash, got)
	}
	if err := os.Chmod(tmp.Name(), 0o755); err != nil {
		return fmt.Errorf("worker: cache: %w", err)
	}
	if err := os.Rename(tmp.Name(), final); err != nil {
		return fmt.Errorf("worker: cache: %w", err)
	}
	return nil
}
