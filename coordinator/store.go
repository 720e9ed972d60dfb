package coordinator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"spindle/internal/proto"
)

// store is the coordinator's JetStream state: the binaries object store,
// and the apps and nodes KV buckets.
type store struct {
	js       jetstream.JetStream
	binaries jetstream.ObjectStore
	apps     jetstream.KeyValue
	nodes    jetstream.KeyValue
}

// openStore creates or reuses the coordinator's buckets.
func openStore(ctx context.Context, nc *nats.Conn) (*store, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("coordinator: jetstream: %w", err)
	}
	s := &store{js: js}
	if s.binaries, err = js.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{
		Bucket: proto.BinaryBucket, Description: "Spindle job binaries by SHA-256",
	}); err != nil {
		return nil, fmt.Errorf("coordinator: object store %s: %w", proto.BinaryBucket, err)
	}
	if s.apps, err = js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: proto.AppsBucket}); err != nil {
		return nil, fmt.Errorf("coordinator: kv %s: %w", proto.AppsBucket, err)
	}
	if s.nodes, err = js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: proto.NodesBucket}); err != nil {
		return nil, fmt.Errorf("coordinator: kv %s: %w", proto.NodesBucket, err)
	}
	return s, nil
}

// checkBinary returns a user-facing error unless the binary is stored.
func (s *store) checkBinary(ctx context.Context, hash string) error {
	if hash == "" {
		return errors.New("binary hash is empty")
	}
	_, err := s.binaries.GetInfo(ctx, hash)
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return fmt.Errorf("binary %s is not in the object store %s", hash, proto.BinaryBucket)
	}
	if err != nil {
		return fmt.Errorf("checking binary %s: %w", hash, err)
	}
	return nil
}

func (s *store) putApp(ctx context.Context, a proto.App) error {
	return putJSON(ctx, s.apps, a.ID, a)
}

func (s *store) putNode(ctx context.Context, n proto.Node) error {
	return putJSON(ctx, s.nodes, n.ID, n)
}

func putJSON(ctx context.Context, kv jetstream.KeyValue, key string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if _, err := kv.Put(ctx, key, data); err != nil {
		return fmt.Errorf("kv put %s: %w", key, err)
	}
	return nil
}

// loadApps returns every stored application record.
func (s *store) loadApps(ctx context.Context) ([]proto.App, error) {
	keys, err := s.apps.ListKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("kv list %s: %w", proto.AppsBucket, err)
	}
	defer keys.Stop()
	var apps []proto.App
	for key := range keys.Keys() {
		e, err := s.apps.Get(ctx, key)
		if err != nil {
			return apps, fmt.Errorf("kv get %s: %w", key, err)
		}
		var a proto.App
		if err := json.Unmarshal(e.Value(), &a); err != nil {
			return apps, fmt.Errorf("kv %s: bad record: %w", key, err)
		}
		apps = append(apps, a)
	}
	return apps, nil
}

// deleteStream deletes a JetStream stream; a missing one is fine.
func (s *store) deleteStream(ctx context.Context, name string) error {
	err := s.js.DeleteStream(ctx, name)
	if err == nil || errors.Is(err, jetstream.ErrStreamNotFound) {
		return nil
	}
	return fmt.Errorf("delete stream %s: %w", name, err)
}
