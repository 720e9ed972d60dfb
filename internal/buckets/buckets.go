// Package buckets opens the JetStream buckets the cluster's jobs share:
// job progress, savepoints, checkpoints and logs. The coordinator creates
// them at the start of each term with the cluster's replica count
// (Shared); everyone else opens them, creating one only if it is missing.
// Opening needs no JetStream meta operation: on a three-node cluster
// with a node down, an R3 bucket can be opened but not created (there are
// not three servers to place it on), and a job whose first step was to
// create the buckets failed until the node came back.
package buckets

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"spindle/internal/proto"
	"spindle/internal/retry"
)

// KV opens the KV bucket name, creating it with replicas copies if it
// does not exist.
func KV(ctx context.Context, js jetstream.JetStream, name string, replicas int) (jetstream.KeyValue, error) {
	kv, err := js.KeyValue(ctx, name)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		kv, err = js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: name, Storage: jetstream.FileStorage, Replicas: max(replicas, 1)})
	}
	if err != nil {
		return nil, fmt.Errorf("bucket %s: %w", name, err)
	}
	return kv, nil
}

// Objects opens the object store bucket name, creating it with replicas
// copies if it does not exist.
func Objects(ctx context.Context, js jetstream.JetStream, name string, replicas int) (jetstream.ObjectStore, error) {
	obs, err := js.ObjectStore(ctx, name)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		obs, err = js.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{Bucket: name, Storage: jetstream.FileStorage, Replicas: max(replicas, 1)})
	}
	if err != nil {
		return nil, fmt.Errorf("bucket %s: %w", name, err)
	}
	return obs, nil
}

// Shared creates (or scales to replicas) the buckets jobs share.
func Shared(ctx context.Context, js jetstream.JetStream, replicas int) error {
	for _, name := range []string{proto.JobsBucket, proto.SavepointsBucket} {
		if _, err := MakeKV(ctx, js, name, replicas); err != nil {
			return err
		}
	}
	for _, name := range []string{proto.CheckpointBucket, proto.LogsBucket} {
		if _, err := MakeObjects(ctx, js, name, replicas); err != nil {
			return err
		}
	}
	return nil
}

// MakeKV opens the KV bucket name with replicas copies: it creates the
// bucket if it is missing and scales it if it has another count. A bucket
// as wanted is only opened, which takes its stream's leader and not the
// JetStream meta leader: a coordinator taking over after a NATS node's
// loss would otherwise wait for the meta group's election (4–9 s) on
// every bucket, even when it has nothing to change.
func MakeKV(ctx context.Context, js jetstream.JetStream, name string, replicas int) (jetstream.KeyValue, error) {
	err := ensure(ctx, js, "KV_"+name, replicas, func(ctx context.Context, r int) error {
		_, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: name, Storage: jetstream.FileStorage, Replicas: r})
		return err
	})
	var kv jetstream.KeyValue
	if err == nil {
		kv, err = js.KeyValue(ctx, name)
	}
	if err != nil {
		return nil, fmt.Errorf("bucket %s: %w", name, err)
	}
	return kv, nil
}

// MakeObjects is MakeKV for an object store bucket.
func MakeObjects(ctx context.Context, js jetstream.JetStream, name string, replicas int) (jetstream.ObjectStore, error) {
	err := ensure(ctx, js, "OBJ_"+name, replicas, func(ctx context.Context, r int) error {
		_, err := js.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{Bucket: name, Storage: jetstream.FileStorage, Replicas: r})
		return err
	})
	var obs jetstream.ObjectStore
	if err == nil {
		obs, err = js.ObjectStore(ctx, name)
	}
	if err != nil {
		return nil, fmt.Errorf("bucket %s: %w", name, err)
	}
	return obs, nil
}

// ensure runs create unless stream exists with replicas copies.
func ensure(ctx context.Context, js jetstream.JetStream, stream string, replicas int, create func(context.Context, int) error) error {
	r := max(replicas, 1)
	s, err := js.Stream(ctx, stream)
	switch {
	case errors.Is(err, jetstream.ErrStreamNotFound):
	case err != nil:
		return err
	case s.CachedInfo().Config.Replicas == r:
		return nil
	}
	return create(ctx, r)
}

// Stall is how long Retry keeps trying: longer than JetStream takes to
// elect a new meta or stream leader after a node dies (4 to 9 s measured).
const Stall = 30 * time.Second

// Retry runs fn until it succeeds, fails otherwise than by a timeout, or
// Stall has passed: on a cluster that just lost a node, JetStream answers
// nothing for seconds while it elects new leaders. Each attempt gets at
// most 5 s. fn must be safe to repeat.
func Retry(ctx context.Context, fn func(context.Context) error) error {
	return RetryWithin(ctx, 5*time.Second, fn)
}

// RetryWithin is Retry with attempts of at most each (an upload of a
// large binary takes longer than 5 s).
func RetryWithin(ctx context.Context, each time.Duration, fn func(context.Context) error) error {
	var last error
	err := retry.Do(ctx, Stall, retry.Backoff{Initial: 200 * time.Millisecond, Max: time.Second, Jitter: 0.2}, func(ctx context.Context) error {
		actx, cancel := context.WithTimeout(ctx, each)
		defer cancel()
		last = fn(actx)
		if last != nil && !stalled(last) {
			return nil // not ours to retry: returned below
		}
		return last
	}, nil)
	if err != nil {
		return err
	}
	return last
}

// stalled reports an error of a JetStream that did not answer in time.
func stalled(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) ||
		errors.Is(err, jetstream.ErrNoStreamResponse) || errors.Is(err, nats.ErrNoResponders)
}

// Lagging runs get again while it reports jetstream.ErrObjectNotFound,
// for under a second in all, when the bucket has more than one replica: a
// read may then reach a follower that has not caught up with a write of
// a moment ago (seen: a binary uploaded, then not found by the
// coordinator). With one replica, not found is final at once.
func Lagging[T any](ctx context.Context, replicas int, get func(context.Context) (T, error)) (T, error) {
	v, err := get(ctx)
	for wait := 50 * time.Millisecond; replicas > 1 && errors.Is(err, jetstream.ErrObjectNotFound) && wait <= 400*time.Millisecond; wait *= 2 {
		select {
		case <-ctx.Done():
			return v, err
		case <-time.After(wait):
		}
		v, err = get(ctx)
	}
	return v, err
}
