// Package lease is leader election with fencing over a JetStream KV
// bucket, the role Chubby and ZooKeeper play for YARN's ResourceManager:
// one key per election, held by one candidate at a time, expiring on the
// server unless renewed.
//
// A term starts with a Create of the key with a per-key TTL: it succeeds
// for one candidate only, and its revision is the term's epoch, which
// grows with every new term (fencing tokens: a store that keeps the
// highest epoch it saw refuses a deposed holder). Renewals are publishes
// to the key's subject that expect the last revision the holder wrote and
// carry a message TTL: a KV Update would drop the key's TTL (measured:
// the TTL is set only on Create), and the expected revision makes a
// renewal fail once anyone else wrote the key.
//
// The server's clock decides expiry; a holder believes it holds the lease
// only until its own monotonic clock says TTL·Safety has passed since it
// sent its last successful renewal, which is before the server can expire
// it, whatever the clocks read, as long as the two clocks' rates differ
// by less than 1-Safety.
package lease

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Safety is the fraction of the TTL a holder counts on after a renewal.
const Safety = 0.8

// ErrHeld is returned by Acquire when another candidate holds the lease.
var ErrHeld = errors.New("lease: held")

// ErrLost is returned by Renew when the lease was taken over or expired:
// the holder must stop acting as the leader at once.
var ErrLost = errors.New("lease: lost")

// Bucket opens (creating it if needed) a KV bucket for leases: per-key
// TTLs need its limit markers; replicas is 1 on one server, 3 on a
// three-node cluster.
func Bucket(ctx context.Context, js jetstream.JetStream, name string, replicas int) (jetstream.KeyValue, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: name, History: 1, Replicas: max(replicas, 1), Storage: jetstream.FileStorage,
		LimitMarkerTTL: time.Second,
	})
	if err != nil {
		return nil, fmt.Errorf("lease: bucket %s: %w", name, err)
	}
	return kv, nil
}

// Config is one candidate's view of one election.
type Config struct {
	JS     jetstream.JetStream
	KV     jetstream.KeyValue // from Bucket
	Key    string
	Holder string        // this candidate's name, stored in the lease
	TTL    time.Duration // whole seconds, at least 1 s (the server's TTL unit)
	// Now is the clock beliefs are measured on; nil is time.Now (whose
	// readings carry the monotonic clock).
	Now func() time.Time
}

func (c Config) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c Config) check() error {
	if c.JS == nil || c.KV == nil || c.Key == "" || c.Holder == "" {
		return errors.New("lease: Config needs JS, KV, Key and Holder")
	}
	if c.TTL < time.Second || c.TTL%time.Second != 0 {
		return fmt.Errorf("lease: TTL %v: want whole seconds, at least 1 s", c.TTL)
	}
	return nil
}

// record is the key's value.
type record struct {
	Holder string `json:"holder"`
	Epoch  uint64 `json:"epoch"`
	Since  string `json:"since"` // RFC 3339, for operators
}

// Term is a held lease. Its methods may be called concurrently (a
// renewing goroutine, and the holder's checks of Valid).
type Term struct {
	cfg   Config
	Epoch uint64    // the fencing token: the revision that started the term
	Since time.Time // when the term started
	mu    sync.Mutex
	rev   uint64    // the key's revision after this holder's last write
	until time.Time // on cfg's clock: the belief ends
}

// Acquire tries once to start a term. It returns ErrHeld (wrapped, naming
// the holder if it could read it) when someone holds the lease.
func Acquire(ctx context.Context, cfg Config) (*Term, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	sent := cfg.now()
	since := time.Now().UTC()
	// The epoch is the Create's revision, known only after it: the value
	// written first names the holder, the first renewal adds the epoch.
	data, _ := json.Marshal(record{Holder: cfg.Holder, Since: since.Format(time.RFC3339Nano)})
	rev, err := cfg.KV.Create(ctx, cfg.Key, data, jetstream.KeyTTL(cfg.TTL))
	if errors.Is(err, jetstream.ErrKeyExists) || conflict(err) {
		holder := "another candidate"
		if e, gerr := cfg.KV.Get(ctx, cfg.Key); gerr == nil {
			var r record
			if json.Unmarshal(e.Value(), &r) == nil && r.Holder != "" {
				holder = r.Holder
			}
		}
		return nil, fmt.Errorf("%w by %s", ErrHeld, holder)
	}
	if err != nil {
		return nil, fmt.Errorf("lease: acquire %s: %w", cfg.Key, err)
	}
	t := &Term{cfg: cfg, Epoch: rev, Since: since, rev: rev, until: sent.Add(belief(cfg.TTL))}
	return t, t.Renew(ctx)
}

// Takeover starts a term whether or not the lease is held, replacing
// the holder: for a coordinator that knows it is the only candidate (not
// in HA mode), restarted before its previous incarnation's lease ran
// out. The new term's epoch is its write's revision, above every earlier
// epoch; the previous holder's renewals fail with ErrLost.
func Takeover(ctx context.Context, cfg Config) (*Term, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		t, err := Acquire(ctx, cfg)
		if !errors.Is(err, ErrHeld) {
			return t, err
		}
		e, err := cfg.KV.Get(ctx, cfg.Key)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue // expired meanwhile: Acquire again
		}
		if err != nil {
			return nil, fmt.Errorf("lease: take over %s: %w", cfg.Key, err)
		}
		sent, since := cfg.now(), time.Now().UTC()
		data, _ := json.Marshal(record{Holder: cfg.Holder, Since: since.Format(time.RFC3339Nano)})
		ack, err := cfg.JS.Publish(ctx, "$KV."+cfg.KV.Bucket()+"."+cfg.Key, data,
			jetstream.WithExpectLastSequencePerSubject(e.Revision()), jetstream.WithMsgTTL(cfg.TTL))
		if err == nil {
			t := &Term{cfg: cfg, Epoch: ack.Sequence, Since: since, rev: ack.Sequence, until: sent.Add(belief(cfg.TTL))}
			return t, t.Renew(ctx)
		}
		if !conflict(err) || attempt >= 20 {
			return nil, fmt.Errorf("lease: take over %s: %w", cfg.Key, err)
		}
		// A stale read, or a renewal in between: read again.
	}
}

// Holder reads who holds a lease: its holder, epoch and start. ok is
// false when it is free. The read may be stale (served by a follower):
// it is for operators, never proof of leadership.
func Holder(ctx context.Context, kv jetstream.KeyValue, key string) (holder string, epoch uint64, since time.Time, ok bool, err error) {
	e, err := kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return "", 0, time.Time{}, false, nil
	}
	if err != nil {
		return "", 0, time.Time{}, false, err
	}
	var r record
	if err := json.Unmarshal(e.Value(), &r); err != nil {
		return "", 0, time.Time{}, false, fmt.Errorf("lease: %s holds %q", key, e.Value())
	}
	since, _ = time.Parse(time.RFC3339Nano, r.Since)
	if r.Epoch == 0 {
		r.Epoch = e.Revision() // the first write, before the epoch was known
	}
	return r.Holder, r.Epoch, since, true, nil
}

// Renew extends the term by a TTL from now. ErrLost means someone else
// wrote the key (the lease expired and was taken, or was deleted): the
// term is over. Any other error leaves the belief to run out on its own;
// the caller may retry until Valid says no.
func (t *Term) Renew(ctx context.Context) error {
	t.mu.Lock()
	rev := t.rev
	t.mu.Unlock()
	sent := t.cfg.now()
	data, _ := json.Marshal(record{Holder: t.cfg.Holder, Epoch: t.Epoch, Since: t.Since.Format(time.RFC3339Nano)})
	ack, err := t.cfg.JS.Publish(ctx, "$KV."+t.cfg.KV.Bucket()+"."+t.cfg.Key, data,
		jetstream.WithExpectLastSequencePerSubject(rev), jetstream.WithMsgTTL(t.cfg.TTL))
	t.mu.Lock()
	defer t.mu.Unlock()
	if conflict(err) {
		t.until = time.Time{}
		return fmt.Errorf("%w: %s (epoch %d) was written by someone else", ErrLost, t.cfg.Key, t.Epoch)
	}
	if err != nil {
		return fmt.Errorf("lease: renew %s: %w", t.cfg.Key, err)
	}
	if t.rev == rev && !t.until.IsZero() { // not released or lost meanwhile
		t.rev, t.until = ack.Sequence, sent.Add(belief(t.cfg.TTL))
	}
	return nil
}

// Valid reports whether the holder may still act as the leader: the
// server cannot have expired the lease yet.
func (t *Term) Valid() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.cfg.now().Before(t.until)
}

// Release ends the term at once, so that a standby need not wait for the
// TTL; it deletes the key only if this holder wrote it last.
func (t *Term) Release(ctx context.Context) error {
	t.mu.Lock()
	t.until = time.Time{}
	rev := t.rev
	t.mu.Unlock()
	err := t.cfg.KV.Delete(ctx, t.cfg.Key, jetstream.LastRevision(rev))
	if conflict(err) {
		return nil // someone else holds it now
	}
	return err
}

func belief(ttl time.Duration) time.Duration {
	return time.Duration(float64(ttl) * Safety)
}

// conflict reports a write refused for its expected revision: code 10071
// on one replica, and on R3 also 10164 (measured).
func conflict(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		return true
	}
	var jerr jetstream.JetStreamError
	if !errors.As(err, &jerr) || jerr.APIError() == nil {
		return false
	}
	code := jerr.APIError().ErrorCode
	return code == jetstream.JSErrCodeStreamWrongLastSequence || code == 10164
}
