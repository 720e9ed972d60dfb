package shuffle

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"spindle/internal/natstest"
	"spindle/internal/proto"
)

func batch(vals ...int64) arrow.RecordBatch {
	schema := arrow.NewSchema([]arrow.Field{{Name: "v", Type: arrow.PrimitiveTypes.Int64}}, nil)
	b := array.NewInt64Builder(memory.DefaultAllocator)
	b.AppendValues(vals, nil)
	arr := b.NewArray()
	return array.NewRecordBatch(schema, []arrow.Array{arr}, int64(arr.Len()))
}

func setup(t *testing.T) (context.Context, jetstream.JetStream, *nats.Conn) {
	t.Helper()
	return setupOn(t, natstest.Start(t))
}

// setupOn is setup on the server nc is connected to.
func setupOn(t *testing.T, nc *nats.Conn) (context.Context, jetstream.JetStream, *nats.Conn) {
	t.Helper()
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(MaxPending))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if err := EnsureStream(ctx, js, "app1"); err != nil {
		t.Fatal(err)
	}
	return ctx, js, nc
}

func readAll(ctx context.Context, js jetstream.JetStream, p int, producers ...string) ([]int64, error) {
	return readWith(ctx, js, p, nil, producers...)
}

func readWith(ctx context.Context, js jetstream.JetStream, p int, prefixes []proto.PartPrefix, producers ...string) ([]int64, error) {
	var got []int64
	err := Read(ctx, js, "app1", 7, p, producers, prefixes, func(rec arrow.RecordBatch) error {
		got = append(got, rec.Column(0).(*array.Int64).Int64Values()...)
		return nil
	})
	return got, err
}

func TestOnlyCommittedAttemptsAreRead(t *testing.T) {
	ctx, js, _ := setup(t)
	write := func(attempt string, close bool, p0, p1 []int64) {
		w := NewWriter(js, "app1", 7, 2, attempt)
		for _, v := range p0 {
			if err := w.Write(ctx, 0, batch(v)); err != nil {
				t.Fatal(err)
			}
		}
		if len(p1) > 0 {
			if err := w.Write(ctx, 1, batch(p1...)); err != nil {
				t.Fatal(err)
			}
		}
		if close {
			if err := w.Close(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	write("m0-a1", false, []int64{100}, nil) // failed attempt: partial, no end markers
	write("m0-a2", true, []int64{1, 2}, []int64{3})
	write("m1-a1", true, nil, []int64{4, 5})
	write("m1-a2", true, []int64{99}, nil) // a duplicate that was not committed

	got, err := readAll(ctx, js, 0, "m0-a2", "m1-a1")
	if err != nil || !reflect.DeepEqual(got, []int64{1, 2}) {
		t.Errorf("partition 0: got %v, %v; want [1 2]", got, err)
	}
	got, err = readAll(ctx, js, 1, "m0-a2", "m1-a1")
	slices.Sort(got)
	if err != nil || !reflect.DeepEqual(got, []int64{3, 4, 5}) {
		t.Errorf("partition 1: got %v, %v; want [3 4 5]", got, err)
	}
	// A consumer that failed re-reads the same data.
	again, err := readAll(ctx, js, 1, "m0-a2", "m1-a1")
	slices.Sort(again)
	if err != nil || !reflect.DeepEqual(again, got) {
		t.Errorf("re-read partition 1: got %v, %v; want %v", again, err, got)
	}
}

func TestMissingProducer(t *testing.T) {
	ctx, js, _ := setup(t)
	w := NewWriter(js, "app1", 7, 1, "m0-a1")
	if err := w.Write(ctx, 0, batch(1)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	partial := NewWriter(js, "app1", 7, 1, "m1-a1")
	if err := partial.Write(ctx, 0, batch(2)); err != nil {
		t.Fatal(err)
	}
	<-js.PublishAsyncComplete()
	_, err := readAll(ctx, js, 0, "m0-a1", "m1-a1")
	var me *MissingError
	if !errors.As(err, &me) || !errors.Is(err, ErrMissing) || !reflect.DeepEqual(me.Attempts, []string{"m1-a1"}) {
		t.Errorf("read with a producer lacking its end marker: err = %v, want ErrMissing naming m1-a1", err)
	}
}

func TestCorruptBatch(t *testing.T) {
	ctx, js, _ := setup(t)
	m := nats.NewMsg(Subject("app1", 7, 0))
	m.Data = []byte("not arrow")
	m.Header.Set(hdrAttempt, "m0-a1")
	m.Header.Set(hdrSum, "12345")
	m.Header.Set(hdrSeq, "1")
	if _, err := js.PublishMsg(ctx, m); err != nil {
		t.Fatal(err)
	}
	_, err := readAll(ctx, js, 0, "m0-a1")
	var me *MissingError
	if !errors.As(err, &me) || !errors.Is(err, ErrChecksum) || !reflect.DeepEqual(me.Attempts, []string{"m0-a1"}) {
		t.Errorf("read of a corrupt batch: err = %v, want ErrChecksum naming m0-a1", err)
	}
}

func TestEmptyPartitionAndNoProducers(t *testing.T) {
	ctx, js, _ := setup(t)
	w := NewWriter(js, "app1", 7, 3, "m0-a1")
	if err := w.Write(ctx, 0, batch(1)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if got, err := readAll(ctx, js, 2, "m0-a1"); err != nil || len(got) != 0 {
		t.Errorf("empty partition: got %v, %v", got, err)
	}
	if got, err := readAll(ctx, js, 0); err != nil || len(got) != 0 {
		t.Errorf("no producers: got %v, %v", got, err)
	}
}

// A producer restored from a checkpoint takes over the batches its
// predecessor published up to the checkpoint, and only those.
func TestPrefixFromCheckpoint(t *testing.T) {
	ctx, js, _ := setup(t)
	a := NewWriter(js, "app1", 7, 1, "m0-a1")
	for _, v := range []int64{1, 2} {
		if err := a.Write(ctx, 0, batch(v)); err != nil {
			t.Fatal(err)
		}
	}
	counts, err := a.Sync(ctx) // the checkpoint
	if err != nil || counts[0] != 2 {
		t.Fatalf("Sync: %v %v", counts, err)
	}
	if err := a.Write(ctx, 0, batch(99)); err != nil { // after the checkpoint, then a crash
		t.Fatal(err)
	}
	<-js.PublishAsyncComplete()
	b := NewWriter(js, "app1", 7, 1, "m0-a2")
	if err := b.Write(ctx, 0, batch(3)); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := readWith(ctx, js, 0, []proto.PartPrefix{{Attempt: "m0-a1", Count: 2}}, "m0-a2")
	if err != nil || !reflect.DeepEqual(got, []int64{1, 2, 3}) {
		t.Errorf("got %v, %v; want [1 2 3]", got, err)
	}
	if _, err := readWith(ctx, js, 0, []proto.PartPrefix{{Attempt: "m0-a1", Count: 5}}, "m0-a2"); !errors.Is(err, ErrMissing) {
		t.Errorf("prefix longer than what was published: err = %v, want ErrMissing", err)
	}
}

// A batch larger than the server's max payload travels in chunks and
// comes back whole.
func TestBatchLargerThanMaxPayload(t *testing.T) {
	ctx, js, nc := setup(t)
	big := make([]int64, 3*nc.MaxPayload()/8) // about 3 MiB of int64s
	for i := range big {
		big[i] = int64(i)
	}
	w := NewWriter(js, "app1", 7, 1, "m0-a1")
	if err := w.Write(ctx, 0, batch(big...)); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(ctx, 0, batch(-1)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := readAll(ctx, js, 0, "m0-a1")
	if err != nil || len(got) != len(big)+1 || got[len(big)-1] != big[len(big)-1] || got[len(big)] != -1 {
		t.Fatalf("read %d values, err %v; want the %d of the big batch then -1", len(got), err, len(big))
	}
}
