package sdk

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"spindle/internal/checkpoint"
	"spindle/internal/executor"
	"spindle/internal/jobmaster"
	"spindle/internal/natstest"
	"spindle/internal/stream/evtime"
	"spindle/internal/stream/exchange"
)

// jsEnv is an embedded server with JetStream, as a subtask's environment.
type jsEnv struct {
	nc  *nats.Conn
	js  jetstream.JetStream
	obj jetstream.ObjectStore
}

func newJSEnv(t *testing.T) *jsEnv {
	t.Helper()
	nc := natstest.Start(t)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := checkpoint.Bucket(context.Background(), js)
	if err != nil {
		t.Fatal(err)
	}
	return &jsEnv{nc, js, obj}
}

func (e *jsEnv) stream(t *testing.T, cfg jetstream.StreamConfig) {
	t.Helper()
	if _, err := e.js.CreateStream(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
}

func (e *jsEnv) publish(t *testing.T, subject string, data ...string) {
	t.Helper()
	for _, d := range data {
		if _, err := e.js.Publish(context.Background(), subject, []byte(d)); err != nil {
			t.Fatal(err)
		}
	}
}

// subtask is subtask index of p of app's epoch 1 in e.
func (e *jsEnv) subtask(t *testing.T, index, p int) *subtask {
	sc := replaySubtask(t, index, p)
	sc.dep.AppID, sc.dep.Epoch = "app1", 1
	sc.env, sc.obj, sc.clock = &executor.Env{NC: e.nc, JS: e.js}, e.obj, time.Now
	return sc
}

// restore is snapshotInto for a subtask of e, in epoch 2.
func (e *jsEnv) restore(t *testing.T, sc *subtask) *subtask {
	r := snapshotInto(t, sc)
	r.dep.AppID, r.dep.Epoch = "app1", 2
	r.env, r.obj, r.clock = sc.env, sc.obj, time.Now
	return r
}

// messages returns the data and ids of every message of stream.
func (e *jsEnv) messages(t *testing.T, stream string) (data, ids []string) {
	t.Helper()
	ctx := context.Background()
	st, err := e.js.Stream(ctx, stream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := st.GetMsg(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		data = append(data, string(m.Data))
		ids = append(ids, m.Header.Get(jetstream.MsgIDHeader))
	}
	return data, ids
}

func openJS(t *testing.T, sc *subtask, op *jsSourceOp[string], got *[]output) streamSource {
	t.Helper()
	src, err := op.openStream(sc, func(v string) { *got = append(*got, output{v, sc.ts}) })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(src.(sourceCloser).close)
	return src
}

// drainJS polls src until it ends, or until want records came when it
// has no end.
func drainJS(t *testing.T, src streamSource, got *[]output, want int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		done, wait, err := src.poll(3)
		if err != nil {
			t.Fatal(err)
		}
		if done || (want > 0 && len(*got) >= want) {
			return
		}
		time.Sleep(wait)
	}
	t.Fatalf("the source did not end within 10 s (%d records)", len(*got))
}

func jsSource(stream string, c JetStreamSource[string]) *jsSourceOp[string] {
	if c.Decode == nil {
		c.Decode = func(b []byte) (string, int64, error) { return ParseTimestamped(string(b)) }
	}
	return &jsSourceOp[string]{stream: stream, c: c, decode: jsDecoder(c.Decode)}
}

// Subtask i of p takes the messages of sequence ≡ i (mod p), in order;
// with StopAtEnd it ends after the last message there was at its start,
// also when the filter leaves messages after its last one.
func TestJetStreamSourceSplitsBySequence(t *testing.T) {
	e := newJSEnv(t)
	e.stream(t, jetstream.StreamConfig{Name: "IN", Subjects: []string{"in.>"}})
	var all []string
	for i := range 10 {
		all = append(all, fmt.Sprintf("%d\tm%d", 100+i, i+1)) // sequence i+1
	}
	e.publish(t, "in.a", all...)
	e.publish(t, "in.b", "200\tother")
	for _, c := range []struct {
		name    string
		filter  []string
		p, want int // want the records m≡i (mod p) of 1..want
	}{{"all of 2", nil, 2, 11}, {"filtered of 3", []string{"in.a"}, 3, 10}} {
		for i := range c.p {
			var got []output
			src := openJS(t, e.subtask(t, i, c.p), jsSource("IN", JetStreamSource[string]{Subjects: c.filter, StopAtEnd: true}), &got)
			drainJS(t, src, &got, 0)
			var want []output
			for seq := 1; seq <= c.want; seq++ {
				if seq%c.p != i {
					continue
				}
				if seq == 11 {
					want = append(want, output{"other", 200})
				} else {
					want = append(want, output{fmt.Sprintf("m%d", seq), int64(99 + seq)})
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s, subtask %d: got %v, want %v", c.name, i, got, want)
			}
			if wm := src.watermark(); wm != evtime.MaxTime {
				t.Errorf("%s, subtask %d: watermark %d at the end, want MaxTime", c.name, i, wm)
			}
		}
	}
}

// A restored subtask starts after the last sequence it passed before the
// checkpoint, and still ends where the stream ended when the job began.
func TestJetStreamSourceResumes(t *testing.T) {
	e := newJSEnv(t)
	e.stream(t, jetstream.StreamConfig{Name: "IN", Subjects: []string{"in"}})
	for i := range 30 {
		e.publish(t, "in", fmt.Sprintf("%d\tm%d", 1000+i, i+1))
	}
	op := jsSource("IN", JetStreamSource[string]{StopAtEnd: true})
	var before []output
	sc := e.subtask(t, 0, 1)
	src := openJS(t, sc, op, &before)
	drainJS(t, src, &before, 7)
	if err := src.save(); err != nil {
		t.Fatal(err)
	}
	saved := len(before)
	src.poll(3)                       // after the checkpoint: replayed
	e.publish(t, "in", "2000\tlater") // after the end
	var after []output
	src2 := openJS(t, e.restore(t, sc), op, &after)
	drainJS(t, src2, &after, 0)
	got := append(before[:saved], after...)
	var want []output
	for i := range 30 {
		want = append(want, output{fmt.Sprintf("m%d", i+1), int64(1000 + i)})
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// A source with no messages goes idle after the idle timeout, and a bad
// message fails it with the stream and sequence.
func TestJetStreamSourceIdleAndBad(t *testing.T) {
	e := newJSEnv(t)
	e.stream(t, jetstream.StreamConfig{Name: "IN", Subjects: []string{"in"}})
	var got []output
	src := openJS(t, e.subtask(t, 0, 1), jsSource("IN", JetStreamSource[string]{}), &got)
	if _, wait, err := src.poll(10); err != nil || wait <= 0 {
		t.Fatalf("empty stream: poll gave wait %v, err %v; want a wait", wait, err)
	}
	is := src.(idleSource)
	if now := time.Now(); is.idle(now, 5*time.Second) || !is.idle(now.Add(6*time.Second), 5*time.Second) {
		t.Error("no messages for 6 s of a 5 s timeout: want idle then, not before")
	}
	e.publish(t, "in", "no time here")
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		_, wait, err := src.poll(10)
		if err != nil {
			if !strings.Contains(err.Error(), "stream IN, sequence 1: ") {
				t.Errorf("bad message: %v, want it named by stream and sequence", err)
			}
			return
		}
		time.Sleep(wait)
	}
	t.Error("a bad message did not fail the source")
}

// The sink publishes an interval when its checkpoint completes, with ids
// app/step/subtask/checkpoint/n; a restored subtask publishes its pending
// intervals again and the stream drops the duplicates.
func TestJetStreamSinkPublishesOnCommitOnce(t *testing.T) {
	e := newJSEnv(t)
	e.stream(t, jetstream.StreamConfig{Name: "OUT", Subjects: []string{"out"}, Duplicates: time.Minute})
	op := &jsSinkOpOf[string]{&jsSinkOp{subject: "out", node: 7}}
	sc := e.subtask(t, 1, 2)
	emitAny, s, err := op.openStream(sc)
	if err != nil {
		t.Fatal(err)
	}
	emit := emitAny.(func(string))
	emit("a")
	emit("b")
	s.precommit(1)
	emit("c")
	s.precommit(2)
	restored := e.restore(t, sc) // checkpoint 2: pending intervals 1 and 2
	if err := s.committed(1); err != nil {
		t.Fatal(err)
	}
	data, ids := e.messages(t, "OUT")
	if want := []string{"a", "b"}; !slices.Equal(data, want) {
		t.Fatalf("after commit 1: stream holds %q, want %q", data, want)
	}
	if want := []string{"app1/7/1/1/0", "app1/7/1/1/1"}; !slices.Equal(ids, want) {
		t.Errorf("message ids %q, want %q", ids, want)
	}
	if _, _, err := op.openStream(restored); err != nil { // publishes 1 and 2
		t.Fatal(err)
	}
	data, ids = e.messages(t, "OUT")
	if want := []string{"a", "b", "c"}; !slices.Equal(data, want) {
		t.Errorf("after the restore: stream holds %q, want %q", data, want)
	}
	if ids[2] != "app1/7/1/2/0" {
		t.Errorf("id of the restored interval's record: %q", ids[2])
	}
}

// A bounded job's last records, and intervals whose commit the subtask
// did not hear of, are published by the job master after the final
// commit, once however often it does so.
func TestJetStreamSinkTailPublishedByJobMaster(t *testing.T) {
	e := newJSEnv(t)
	e.stream(t, jetstream.StreamConfig{Name: "OUT", Subjects: []string{"out"}, Duplicates: time.Minute})
	p := newPipeline()
	gen := Generate(p, "gen", Generator[string]{Event: func(int64, *string) {}, Time: func(*string) int64 { return 0 }})
	WriteJetStream(p, "publish", gen, "out")
	op := p.g.Node(1).Impl.(*jsSinkOpOf[string])
	j := &job{p: p}
	for i := range 2 {
		sc := e.subtask(t, i, 2)
		emitAny, s, err := op.openStream(sc)
		if err != nil {
			t.Fatal(err)
		}
		emit := emitAny.(func(string))
		emit(fmt.Sprintf("x%d", i))
		s.precommit(5) // never heard committed
		emit(fmt.Sprintf("y%d", i))
		if _, err := s.finish(); err != nil {
			t.Fatal(err)
		}
	}
	if data, _ := e.messages(t, "OUT"); len(data) != 0 {
		t.Fatalf("published before the final commit: %q", data)
	}
	for range 2 { // a job master that dies after publishing does it again
		if err := j.publishTails(context.Background(), jobmaster.Config{AppID: "app1", NC: e.nc}, 1, 2); err != nil {
			t.Fatal(err)
		}
	}
	data, ids := e.messages(t, "OUT")
	if want := []string{"x0", "y0", "x1", "y1"}; !slices.Equal(data, want) {
		t.Errorf("stream holds %q, want %q", data, want)
	}
	if want := []string{"app1/1/0/5/0", "app1/1/0/final/0", "app1/1/1/5/0", "app1/1/1/final/0"}; !slices.Equal(ids, want) {
		t.Errorf("ids %q, want %q", ids, want)
	}
	if err := j.publishTails(context.Background(), jobmaster.Config{AppID: "app1", NC: e.nc}, 2, 2); err != nil {
		t.Errorf("an epoch without tails: %v", err)
	}
	sc := e.subtask(t, 0, 1) // a subtask with nothing to publish
	sc.dep.Epoch = 3
	if _, s, err := op.openStream(sc); err != nil {
		t.Fatal(err)
	} else if _, err := s.finish(); err != nil {
		t.Fatal(err)
	}
	if err := j.publishTails(context.Background(), jobmaster.Config{AppID: "app1", NC: e.nc}, 3, 1); err != nil {
		t.Errorf("an empty tail: %v", err)
	}
	if data, _ := e.messages(t, "OUT"); len(data) != 4 {
		t.Errorf("after an empty tail: %d messages, want 4", len(data))
	}
}

func TestJetStreamSinkNeedsAStream(t *testing.T) {
	e := newJSEnv(t)
	_, err := publish(context.Background(), e.js, "nowhere", []tailEntry{{"id", "x"}})
	if err == nil || !strings.Contains(err.Error(), "bound to a stream") {
		t.Errorf("publish to a subject without a stream: %v", err)
	}
}

func TestTailEncoding(t *testing.T) {
	es := []tailEntry{{"a/1", "x"}, {"", ""}, {"b", "\xff\x00tab\there"}}
	got, err := decodeTail(encodeTail(es))
	if err != nil || !slices.Equal(got, es) {
		t.Errorf("round trip: %v, %v", got, err)
	}
	if _, err := decodeTail([]byte{5, 'a'}); err == nil {
		t.Error("a truncated tail decoded")
	}
}

// controlOut records the control frames a subtask sends downstream.
type controlOut struct{ frames [][2]int64 }

func (o *controlOut) flush() error                { return nil }
func (o *controlOut) stale(time.Time) bool        { return false }
func (o *controlOut) stats() exchange.SenderStats { return exchange.SenderStats{} }
func (o *controlOut) close() error                { return nil }
func (o *controlOut) control(k exchange.Kind, v int64) error {
	o.frames = append(o.frames, [2]int64{int64(k), v})
	return nil
}

// A source without messages for longer than IdleAfter tells its
// consumers it is idle, once, and that it is active again when a message
// comes; a source that ended does not.
func TestSourceIdleness(t *testing.T) {
	e := newJSEnv(t)
	e.stream(t, jetstream.StreamConfig{Name: "IN", Subjects: []string{"in"}})
	sc := e.subtask(t, 0, 1)
	sc.dep.IdleAfterMs = 5000
	out := &controlOut{}
	sc.outs = []streamOut{out}
	var got []output
	src := openJS(t, sc, jsSource("IN", JetStreamSource[string]{}), &got)
	start := time.Now()
	now := start
	sc.clock = func() time.Time { return now }
	for _, at := range []time.Duration{time.Second, 6 * time.Second, 7 * time.Second} {
		if err := sc.idleness(src, start.Add(at), false); err != nil {
			t.Fatal(err)
		}
	}
	now = start.Add(7500 * time.Millisecond) // when the message comes
	e.publish(t, "in", "1000\tx")
	drainJS(t, src, &got, 1)
	if err := sc.idleness(src, start.Add(8*time.Second), false); err != nil {
		t.Fatal(err)
	}
	idle, active := [2]int64{int64(exchange.Idle), 1}, [2]int64{int64(exchange.Idle), 0}
	if want := [][2]int64{idle, active}; !slices.Equal(out.frames, want) {
		t.Errorf("control frames %v, want %v (idle, then active)", out.frames, want)
	}
}
