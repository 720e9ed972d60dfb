package shuffle

import (
	"context"
	"errors"
	"hash/crc32"
	"reflect"
	"slices"
	"strconv"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"spindle/internal/proto"
)

// stored finds the message of attempt with sequence header seq ("" for
// its end marker) in the application's stream.
func stored(t *testing.T, ctx context.Context, js jetstream.JetStream, attempt, seq string) *jetstream.RawStreamMsg {
	t.Helper()
	s, info := appStream(t, ctx, js)
	for n := info.State.FirstSeq; n <= info.State.LastSeq; n++ {
		m, err := s.GetMsg(ctx, n)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if m.Header.Get(hdrAttempt) == attempt && m.Header.Get(hdrSeq) == seq && (seq != "" || m.Header.Get(hdrEnd) != "") {
			return m
		}
	}
	t.Fatalf("no message %s of %s in the stream", seq, attempt)
	return nil
}

func deleteMsg(t *testing.T, ctx context.Context, js jetstream.JetStream, m *jetstream.RawStreamMsg) {
	t.Helper()
	s, err := js.Stream(ctx, proto.ShuffleStream("app1"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteMsg(ctx, m.Sequence); err != nil {
		t.Fatal(err)
	}
}

// republish stores m again, with its headers as they are.
func republish(t *testing.T, ctx context.Context, js jetstream.JetStream, m *jetstream.RawStreamMsg) *jetstream.PubAck {
	t.Helper()
	ack, err := js.PublishMsg(ctx, &nats.Msg{Subject: m.Subject, Header: m.Header, Data: m.Data})
	if err != nil {
		t.Fatal(err)
	}
	return ack
}

// missing returns the attempts a *MissingError names, or fails.
func missing(t *testing.T, err error) *MissingError {
	t.Helper()
	var me *MissingError
	if !errors.As(err, &me) || !errors.Is(err, ErrMissing) {
		t.Fatalf("err = %v, want a *MissingError that is ErrMissing", err)
	}
	return me
}

func writeClosed(t *testing.T, ctx context.Context, js jetstream.JetStream, attempt string, vals ...int64) {
	t.Helper()
	w := NewWriter(js, "app1", 7, 1, attempt)
	for _, v := range vals {
		if err := w.Write(ctx, 0, batch(v)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestSameMsgIDStoredOnce(t *testing.T) {
	ctx, js, _ := setup(t)
	writeClosed(t, ctx, js, "m0-a1", 1, 2)
	m := stored(t, ctx, js, "m0-a1", "1")
	if id := m.Header.Get(jetstream.MsgIDHeader); id == "" {
		t.Fatalf("batch has no %s header", jetstream.MsgIDHeader)
	}
	before := streamMsgs(t, ctx, js)
	if ack := republish(t, ctx, js, m); !ack.Duplicate {
		t.Errorf("re-published message: PubAck.Duplicate = false, want true")
	}
	if got := streamMsgs(t, ctx, js); got != before {
		t.Errorf("stream holds %d messages after re-publishing one, want %d", got, before)
	}
}

// A batch stored twice (re-published after the duplicate window: here,
// without its ID) is read once, and so is one stored after the end marker.
func TestDuplicateBatchReadOnce(t *testing.T) {
	ctx, js, _ := setup(t)
	writeClosed(t, ctx, js, "m0-a1", 1, 2, 3)
	for _, seq := range []string{"2", "1", ""} {
		m := stored(t, ctx, js, "m0-a1", seq)
		m.Header.Del(jetstream.MsgIDHeader)
		republish(t, ctx, js, m)
	}
	got, err := readAll(ctx, js, 0, "m0-a1")
	if want := []int64{1, 2, 3}; err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("read %v, %v; want %v", got, err, want)
	}
}

// A batch whose publish was retried may be stored after the end marker:
// it is still read.
func TestBatchAfterEndMarkerIsRead(t *testing.T) {
	ctx, js, _ := setup(t)
	writeClosed(t, ctx, js, "m0-a1", 1, 2, 3)
	m := stored(t, ctx, js, "m0-a1", "2")
	deleteMsg(t, ctx, js, m)
	m.Header.Del(jetstream.MsgIDHeader) // the stream remembers IDs of deleted messages too
	republish(t, ctx, js, m)
	got, err := readAll(ctx, js, 0, "m0-a1")
	slices.Sort(got)
	if want := []int64{1, 2, 3}; err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("read %v, %v; want %v", got, err, want)
	}
}

func TestDeletedBatchNamesProducer(t *testing.T) {
	ctx, js, _ := setup(t)
	writeClosed(t, ctx, js, "m0-a1", 1, 2, 3)
	writeClosed(t, ctx, js, "m1-a1", 4, 5, 6)
	deleteMsg(t, ctx, js, stored(t, ctx, js, "m1-a1", "2"))
	_, err := readAll(ctx, js, 0, "m0-a1", "m1-a1")
	me := missing(t, err)
	if want := []string{"m1-a1"}; !reflect.DeepEqual(me.Attempts, want) {
		t.Errorf("Attempts = %v, want %v (err: %v)", me.Attempts, want, err)
	}
	if errors.Is(err, ErrChecksum) {
		t.Errorf("a missing batch is ErrChecksum: %v", err)
	}
}

func TestMissingEndMarkersNameProducers(t *testing.T) {
	ctx, js, _ := setup(t)
	writeClosed(t, ctx, js, "m0-a1", 1)
	for _, a := range []string{"m2-a1", "m1-a1"} {
		w := NewWriter(js, "app1", 7, 1, a)
		if err := w.Write(ctx, 0, batch(2)); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Sync(ctx); err != nil { // stored, but never closed
			t.Fatal(err)
		}
	}
	_, err := readAll(ctx, js, 0, "m0-a1", "m1-a1", "m2-a1")
	if want := []string{"m1-a1", "m2-a1"}; !reflect.DeepEqual(missing(t, err).Attempts, want) {
		t.Errorf("Attempts = %v, want %v (err: %v)", missing(t, err).Attempts, want, err)
	}

	// The end marker alone is lost: its producer is named too.
	deleteMsg(t, ctx, js, stored(t, ctx, js, "m0-a1", ""))
	_, err = readAll(ctx, js, 0, "m0-a1")
	if want := []string{"m0-a1"}; !reflect.DeepEqual(missing(t, err).Attempts, want) {
		t.Errorf("end marker deleted: Attempts = %v, want %v", missing(t, err).Attempts, want)
	}
}

// A partition with nothing at all stored names every producer, at once.
func TestEmptyPartitionNamesProducers(t *testing.T) {
	ctx, js, _ := setup(t)
	_, err := readWith(ctx, js, 0, []proto.PartPrefix{{Attempt: "m0-a1", Count: 2}}, "m1-a1")
	if want := []string{"m0-a1", "m1-a1"}; !reflect.DeepEqual(missing(t, err).Attempts, want) {
		t.Errorf("Attempts = %v, want %v", missing(t, err).Attempts, want)
	}
}

func TestCorruptBatchNamesProducer(t *testing.T) {
	ctx, js, _ := setup(t)
	writeClosed(t, ctx, js, "m0-a1", 1)
	writeClosed(t, ctx, js, "m1-a1", 2, 3)
	m := stored(t, ctx, js, "m1-a1", "2")
	deleteMsg(t, ctx, js, m)
	m.Header.Del(jetstream.MsgIDHeader)
	m.Data = append([]byte(nil), m.Data...)
	m.Data[len(m.Data)/2] ^= 0xff
	republish(t, ctx, js, m)
	_, err := readAll(ctx, js, 0, "m0-a1", "m1-a1")
	if want := []string{"m1-a1"}; !reflect.DeepEqual(missing(t, err).Attempts, want) || !errors.Is(err, ErrChecksum) {
		t.Errorf("err = %v, want ErrChecksum naming %v", err, want)
	}
}

// The pure part: pieces out of order, duplicates and prefixes.
func TestPartitionAccept(t *testing.T) {
	type msg struct {
		attempt, seq, chunk, end string
		data                     string
	}
	sum := func(s string) string { return strconv.FormatUint(uint64(crc32c(s)), 10) }
	for _, tt := range []struct {
		name     string
		msgs     []msg
		want     []string // batches returned, in order
		complete bool
	}{
		{"in order", []msg{{"a", "1", "", "", "x"}, {"a", "2", "", "", "y"}, {"a", "", "", "2", ""}}, []string{"x", "y"}, true},
		{"duplicate", []msg{{"a", "1", "", "", "x"}, {"a", "1", "", "", "x"}, {"a", "", "", "1", ""}}, []string{"x"}, true},
		{"gap", []msg{{"a", "2", "", "", "y"}, {"a", "", "", "2", ""}}, []string{"y"}, false},
		{"pieces reordered", []msg{{"a", "1", "2/2", "", "cd"}, {"a", "1", "1/2", "", "ab"}, {"a", "", "", "1", ""}}, []string{"abcd"}, true},
		{"piece repeated", []msg{{"a", "1", "1/2", "", "ab"}, {"a", "1", "1/2", "", "ab"}, {"a", "", "", "1", ""}}, nil, false},
		{"other attempt", []msg{{"z", "1", "", "", "x"}, {"a", "", "", "0", ""}}, nil, true},
		{"prefix", []msg{{"p", "1", "", "", "x"}, {"p", "2", "", "", "y"}, {"p", "", "", "2", ""}, {"a", "", "", "0", ""}}, []string{"x"}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := newPartition([]string{"a"}, []proto.PartPrefix{{Attempt: "p", Count: 1}})
			if tt.name != "prefix" {
				r = newPartition([]string{"a"}, nil)
			}
			var got []string
			for _, m := range tt.msgs {
				h := nats.Header{}
				h.Set(hdrAttempt, m.attempt)
				for k, v := range map[string]string{hdrSeq: m.seq, hdrChunk: m.chunk, hdrEnd: m.end} {
					if v != "" {
						h.Set(k, v)
					}
				}
				whole := m.data
				if m.chunk != "" {
					whole = map[string]string{"ab": "abcd", "cd": "abcd"}[m.data]
				}
				h.Set(hdrSum, sum(whole))
				if b := r.accept(h, []byte(m.data)); b != nil {
					got = append(got, string(b))
				}
			}
			if !reflect.DeepEqual(got, tt.want) || r.complete() != tt.complete {
				t.Errorf("batches %q, complete %v; want %q, %v (lost: %v)", got, r.complete(), tt.want, tt.complete, r.lost("s"))
			}
		})
	}
}

func crc32c(s string) uint32 { return crc32.Checksum([]byte(s), castagnoli) }
