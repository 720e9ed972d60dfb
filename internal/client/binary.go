package client

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"spindle/internal/buckets"
	"spindle/internal/proto"
)

// UploadBinary stores the file at path in the object store bucket
// proto.BinaryBucket under the hex SHA-256 of its content, unless an
// object of that name is already there, and returns that hash. It
// creates the bucket if the coordinator has not.
func (c *Client) UploadBinary(ctx context.Context, path string) (string, error) {
	hash, err := fileHash(path)
	if err != nil {
		return "", err
	}
	// Retried through a NATS node's loss: the upload is idempotent.
	err = buckets.RetryWithin(ctx, 2*time.Minute, func(ctx context.Context) error { return c.upload(ctx, path, hash) })
	return hash, err
}

// upload stores the file at path under hash unless it is there.
func (c *Client) upload(ctx context.Context, path, hash string) error {
	// Lookups get a few seconds: one sent while the cluster elects a
	// leader was seen to go unanswered for good.
	lctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	obs, err := c.binaries(lctx)
	if err != nil {
		return err
	}
	if _, err := obs.GetInfo(lctx, hash); err == nil {
		return nil
	} else if !errors.Is(err, jetstream.ErrObjectNotFound) {
		return fmt.Errorf("client: look up binary %s: %w", hash, err)
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("client: %w", err)
	}
	defer f.Close()
	if _, err := obs.Put(ctx, jetstream.ObjectMeta{Name: hash}, f); err != nil {
		return fmt.Errorf("client: upload %s: %w", path, err)
	}
	return nil
}

// binaries opens (or creates) the binary bucket.
func (c *Client) binaries(ctx context.Context) (jetstream.ObjectStore, error) {
	js, err := jetstream.New(c.nc)
	if err != nil {
		return nil, fmt.Errorf("client: jetstream: %w", err)
	}
	obs, err := js.ObjectStore(ctx, proto.BinaryBucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		obs, err = js.CreateObjectStore(ctx, jetstream.ObjectStoreConfig{Bucket: proto.BinaryBucket})
	}
	if err != nil {
		return nil, fmt.Errorf("client: object store %s: %w", proto.BinaryBucket, err)
	}
	return obs, nil
}

// fileHash returns the hex SHA-256 of a file's content.
func fileHash(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("client: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("client: read %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
