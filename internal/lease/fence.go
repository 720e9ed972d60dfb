package lease

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// FenceKey is the key of a fenced bucket that names the epoch allowed to
// write it.
const FenceKey = "_fence"

// ErrFenced is returned by a Fence's writes once a newer epoch claimed
// the bucket, and by Claim when one already has: the writer is deposed
// and must stop acting as the leader.
var ErrFenced = errors.New("lease: fenced by a newer epoch")

// Fence makes a KV bucket refuse the writes of deposed leaders, in the
// store itself: the bucket's FenceKey holds the epoch of the term that
// claimed it last, and every write through the Fence expects FenceKey's
// revision to be the one this term's claim produced
// (Nats-Expected-Last-Subject-Sequence with
// Nats-Expected-Last-Subject-Sequence-Subject naming FenceKey). A new
// leader's claim changes that revision, so a paused old leader that
// wakes up and writes is refused by the stream's leader whatever its own
// clock believes.
//
// Claims only ever raise the epoch: a claim compares and sets FenceKey
// and gives up when it holds a higher epoch, so a candidate that won a
// term and then paused before claiming cannot take the bucket back from
// its successor.
type Fence struct {
	js    jetstream.JetStream
	kv    jetstream.KeyValue
	Epoch uint64
	rev   uint64 // FenceKey's revision after this term's claim
}

type fenceRecord struct {
	Epoch  uint64 `json:"epoch"`
	Holder string `json:"holder,omitempty"`
}

// Claim fences bucket kv for epoch (a Term's Epoch). A Get may be served
// stale by a follower, which only makes the compare-and-set fail and the
// claim read again.
func Claim(ctx context.Context, js jetstream.JetStream, kv jetstream.KeyValue, epoch uint64, holder string) (*Fence, error) {
	data, _ := json.Marshal(fenceRecord{Epoch: epoch, Holder: holder})
	for attempt := 0; ; attempt++ {
		var rev uint64
		var err error
		e, gerr := kv.Get(ctx, FenceKey)
		switch {
		case errors.Is(gerr, jetstream.ErrKeyNotFound):
			rev, err = kv.Create(ctx, FenceKey, data)
		case gerr != nil:
			return nil, fmt.Errorf("lease: read fence of %s: %w", kv.Bucket(), gerr)
		default:
			var cur fenceRecord
			if json.Unmarshal(e.Value(), &cur) != nil {
				return nil, fmt.Errorf("lease: fence of %s holds %q, not an epoch", kv.Bucket(), e.Value())
			}
			if cur.Epoch > epoch {
				return nil, fmt.Errorf("%w: %s is fenced by epoch %d (%s), this term is %d",
					ErrFenced, kv.Bucket(), cur.Epoch, cur.Holder, epoch)
			}
			rev, err = kv.Update(ctx, FenceKey, data, e.Revision())
		}
		if err == nil {
			return &Fence{js: js, kv: kv, Epoch: epoch, rev: rev}, nil
		}
		if !conflict(err) && !errors.Is(err, jetstream.ErrKeyExists) {
			return nil, fmt.Errorf("lease: claim %s: %w", kv.Bucket(), err)
		}
		// Someone wrote the fence between the read and the write, or the
		// read was stale: read again.
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Duration(min(attempt+1, 20)) * 10 * time.Millisecond):
		}
	}
}

// Put writes key if the bucket is still fenced for this term. A refusal
// is ErrFenced.
func (f *Fence) Put(ctx context.Context, key string, value []byte) (uint64, error) {
	return f.write(ctx, key, value, nil)
}

// Delete removes key (a KV delete marker) if the bucket is still fenced
// for this term.
func (f *Fence) Delete(ctx context.Context, key string) error {
	_, err := f.write(ctx, key, nil, nats.Header{"KV-Operation": []string{"DEL"}})
	return err
}

func (f *Fence) write(ctx context.Context, key string, value []byte, h nats.Header) (uint64, error) {
	if key == FenceKey {
		return 0, fmt.Errorf("lease: %s is the fence's own key", key)
	}
	if h == nil {
		h = nats.Header{}
	}
	prefix := "$KV." + f.kv.Bucket() + "."
	h.Set(jetstream.ExpectedLastSubjSeqHeader, strconv.FormatUint(f.rev, 10))
	h.Set(jetstream.ExpectedLastSubjSeqSubjHeader, prefix+FenceKey)
	ack, err := f.js.PublishMsg(ctx, &nats.Msg{Subject: prefix + key, Header: h, Data: value})
	if conflict(err) {
		return 0, fmt.Errorf("%w: write of %s/%s by epoch %d refused", ErrFenced, f.kv.Bucket(), key, f.Epoch)
	}
	if err != nil {
		return 0, fmt.Errorf("lease: write %s/%s: %w", f.kv.Bucket(), key, err)
	}
	return ack.Sequence, nil
}
