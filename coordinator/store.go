package coordinator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"spindle/internal/buckets"
	"spindle/internal/lease"
	"spindle/internal/proto"
)

// store is the coordinator's JetStream state: the binaries object store,
// and the apps and nodes KV buckets. Writes to the buckets go through
// fences (see claim): the store refuses them once a newer leader claimed
// the buckets.
type store struct {
	js        jetstream.JetStream
	binaries  jetstream.ObjectStore
	apps      jetstream.KeyValue
	nodes     jetstream.KeyValue
	appFence  *lease.Fence
	nodeFence *lease.Fence
	replicas  int
}

// openStore creates or reuses the coordinator's buckets, with replicas
// copies of the state buckets (1 on one server, 3 on a three-node
// cluster).
func openStore(ctx context.Context, nc *nats.Conn, replicas int) (*store, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("coordinator: jetstream: %w", err)
	}
	s := &store{js: js, replicas: max(replicas, 1)}
	if s.binaries, err = buckets.MakeObjects(ctx, js, proto.BinaryBucket, replicas); err != nil {
		return nil, fmt.Errorf("coordinator: %w", err)
	}
	if err := buckets.Shared(ctx, js, replicas); err != nil {
		return nil, fmt.Errorf("coordinator: %w", err)
	}
	if s.apps, err = buckets.MakeKV(ctx, js, proto.AppsBucket, replicas); err != nil {
		return nil, fmt.Errorf("coordinator: %w", err)
	}
	if s.nodes, err = buckets.MakeKV(ctx, js, proto.NodesBucket, replicas); err != nil {
		return nil, fmt.Errorf("coordinator: %w", err)
	}
	return s, nil
}

// claim fences both state buckets for a leader's epoch: from then on the
// store refuses the writes of every earlier leader. It fails with
// lease.ErrFenced when a newer leader claimed them already.
func (s *store) claim(ctx context.Context, epoch uint64, holder string) error {
	var err error
	if s.appFence, err = lease.Claim(ctx, s.js, s.apps, epoch, holder); err != nil {
		return err
	}
	s.nodeFence, err = lease.Claim(ctx, s.js, s.nodes, epoch, holder)
	return err
}

// checkBinary returns a user-facing error unless the binary is stored.
func (s *store) checkBinary(ctx context.Context, hash string) error {
	if hash == "" {
		return errors.New("binary hash is empty")
	}
	_, err := buckets.Lagging(ctx, s.replicas, func(ctx context.Context) (*jetstream.ObjectInfo, error) {
		return s.binaries.GetInfo(ctx, hash)
	})
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return fmt.Errorf("binary %s is not in the object store %s", hash, proto.BinaryBucket)
	}
	if err != nil {
		return fmt.Errorf("checking binary %s: %w", hash, err)
	}
	return nil
}

func (s *store) putApp(ctx context.Context, a proto.App) error {
	return putJSON(ctx, s.appFence, a.ID, a)
}

func (s *store) putNode(ctx context.Context, n proto.Node) error {
	return putJSON(ctx, s.nodeFence, n.ID, n)
}

func putJSON(ctx context.Context, f *lease.Fence, key string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = f.Put(ctx, key, data)
	return err
}

// loadApps returns every stored application record.
func (s *store) loadApps(ctx context.Context) ([]proto.App, error) {
	return loadAll[proto.App](ctx, s.apps)
}

// loadNodes returns every stored node record.
func (s *store) loadNodes(ctx context.Context) ([]proto.Node, error) {
	return loadAll[proto.Node](ctx, s.nodes)
}

// loadAll decodes every record of a bucket but its fence. It reads
// through a watcher (an ordered consumer on the stream), not Gets, which
// a follower may serve stale. It gives up once nothing came for
// loadIdle (the consumer cannot be made: just after a NATS node's loss,
// one may be placed on the lost node), however long a large state takes
// to read.
func loadAll[T any](ctx context.Context, kv jetstream.KeyValue) ([]T, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stalled := fmt.Errorf("nothing read for %v", loadIdle)
	idle := time.AfterFunc(loadIdle, func() { cancel(stalled) })
	defer idle.Stop()
	w, err := kv.WatchAll(ctx, jetstream.IgnoreDeletes())
	if err != nil {
		return nil, fmt.Errorf("kv watch %s: %w", kv.Bucket(), errors.Join(err, context.Cause(ctx)))
	}
	defer w.Stop()
	var out []T
	for {
		select {
		case <-ctx.Done():
			return out, fmt.Errorf("kv load %s: %w", kv.Bucket(), context.Cause(ctx))
		case e := <-w.Updates():
			if e == nil {
				return out, nil // the initial values are all in
			}
			idle.Reset(loadIdle)
			if e.Key() == lease.FenceKey {
				continue
			}
			var v T
			if err := json.Unmarshal(e.Value(), &v); err != nil {
				return out, fmt.Errorf("kv %s/%s: bad record: %w", kv.Bucket(), e.Key(), err)
			}
			out = append(out, v)
		}
	}
}

// loadIdle is how long loadAll waits for its watcher's next record. It
// takes milliseconds on a healthy cluster.
const loadIdle = 500 * time.Millisecond

// deleteStream deletes a JetStream stream; a missing one is fine.
func (s *store) deleteStream(ctx context.Context, name string) error {
	err := s.js.DeleteStream(ctx, name)
	if err == nil || errors.Is(err, jetstream.ErrStreamNotFound) {
		return nil
	}
	return fmt.Errorf("delete stream %s: %w", name, err)
}
