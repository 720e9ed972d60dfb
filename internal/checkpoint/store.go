package checkpoint

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
	"github.com/nats-io/nats.go/jetstream"

	"spindle/internal/buckets"
	"spindle/internal/proto"
)

// Record is one task's latest checkpoint.
type Record struct {
	Stage, Index int
	Attempt      string         // the attempt that took it
	Offset       int64          // bytes of the split consumed: the next line starts at Split.Start+Offset
	Prefixes     []proto.Prefix // shuffle batches published up to here, by this attempt and those it took over
}

// Store saves and loads checkpoints of one application's tasks. It is
// safe for concurrent use.
type Store struct {
	app string
	db  *badger.DB
	obj jetstream.ObjectStore
}

// Open opens the local database in dir and the cluster's checkpoint
// bucket, creating it if needed. Badger's defaults take hundreds of MiB;
// a checkpoint is a few hundred bytes, so memtables, caches and value log
// are small.
func Open(ctx context.Context, dir string, js jetstream.JetStream, app string) (*Store, error) {
	opts := badger.DefaultOptions(dir).
		WithLogger(nil).
		WithSyncWrites(true).
		WithMemTableSize(1 << 20).
		WithNumMemtables(1).
		WithNumLevelZeroTables(1).
		WithNumLevelZeroTablesStall(2).
		WithValueLogFileSize(1 << 20).
		WithValueThreshold(1 << 10).
		WithCompression(options.None).
		WithBlockCacheSize(0).
		WithIndexCacheSize(0)
	db, err := badger.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: open %s: %w", dir, err)
	}
	obj, err := Bucket(ctx, js)
	if err != nil {
		db.Close()
		return nil, err
	}
	return &Store{app: app, db: db, obj: obj}, nil
}

// Bucket returns the cluster's checkpoint bucket, creating it if needed.
func Bucket(ctx context.Context, js jetstream.JetStream) (jetstream.ObjectStore, error) {
	obj, err := buckets.Objects(ctx, js, proto.CheckpointBucket, proto.Replicas())
	if err != nil {
		return nil, fmt.Errorf("checkpoint: bucket: %w", err)
	}
	return obj, nil
}

// Close closes the local database.
func (s *Store) Close() error { return s.db.Close() }

// Save records rec locally, then copies it to the cluster. It returns once
// both hold it: only then is the checkpoint complete.
func (s *Store) Save(ctx context.Context, rec Record) error {
	data, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	name := proto.CheckpointName(s.app, rec.Stage, rec.Index)
	err = s.db.Update(func(txn *badger.Txn) error { return txn.Set([]byte(name), data) })
	if err != nil {
		return fmt.Errorf("checkpoint: save %s locally: %w", name, err)
	}
	if _, err := s.obj.PutBytes(ctx, name, data); err != nil {
		return fmt.Errorf("checkpoint: copy %s to the cluster: %w", name, err)
	}
	return nil
}

// Load returns the latest checkpoint of a task, from the local database if
// this worker has it, else from the cluster; ok is false if there is none.
func (s *Store) Load(ctx context.Context, stage, index int) (rec Record, ok bool, err error) {
	name := proto.CheckpointName(s.app, stage, index)
	var data []byte
	err = s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get([]byte(name))
		if err != nil {
			return err
		}
		data, err = item.ValueCopy(nil)
		return err
	})
	if errors.Is(err, badger.ErrKeyNotFound) {
		data, err = s.obj.GetBytes(ctx, name)
		if errors.Is(err, jetstream.ErrObjectNotFound) {
			return rec, false, nil
		}
	}
	if err != nil {
		return rec, false, fmt.Errorf("checkpoint: load %s: %w", name, err)
	}
	if err := json.Unmarshal(data, &rec); err != nil {
		return rec, false, fmt.Errorf("checkpoint: load %s: %w", name, err)
	}
	return rec, true, nil
}

// Delete removes every checkpoint of an application from the cluster;
// the job master calls it when the job ends.
func Delete(ctx context.Context, obj jetstream.ObjectStore, app string) error {
	infos, err := obj.List(ctx)
	if errors.Is(err, jetstream.ErrNoObjectsFound) {
		return nil
	}
	if err != nil {
		return err
	}
	var errs []error
	for _, info := range infos {
		if len(info.Name) > len(app) && info.Name[:len(app)+1] == app+"." {
			errs = append(errs, obj.Delete(ctx, info.Name))
		}
	}
	return errors.Join(errs...)
}
