package sdk

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/nats-io/nats.go/jetstream"

	"spindle/dataflow"
	"spindle/internal/checkpoint"
	"spindle/internal/jobmaster"
	"spindle/internal/proto"
	"spindle/internal/stream/state"
)

// WriteJetStream is an exactly-once sink that publishes each record as a
// message on subject, which must be bound to a JetStream stream.
//
// Two-phase commit, with the stream's deduplication as the second phase's
// guard: the records of a checkpoint interval are kept in the subtask's
// state at the barrier (so they are part of the checkpoint) and published
// once the job master says the checkpoint is complete. Every message
// carries a deterministic Nats-Msg-Id,
// "<app>/<step>/<subtask>/<checkpoint>/<n>", so that the records a
// restored subtask publishes again (it cannot know whether its last
// publish got through) are dropped by the stream as duplicates. For that
// the stream's Duplicates window must be longer than a restart takes plus
// a checkpoint interval; JetStream's default of 2 minutes is enough for a
// job that restarts in seconds, a longer one is safer.
//
// Records reach the stream one checkpoint interval late (the price of
// exactly-once, as with files). A bounded job's records after its last
// checkpoint are kept in the checkpoint bucket when the subtask finishes
// and published by the job master after the job's final commit, with ids
// ".../final/<n>"; a job master that dies meanwhile publishes them again
// on restart, deduplicated.
func WriteJetStream[T string | []byte](p *Pipeline, name string, in Dataset[T], subject string) {
	if subject == "" {
		p.fail(Usagef("step %q: no subject given", name))
	}
	check(p, in, name)
	op := &jsSinkOpOf[T]{&jsSinkOp{subject: subject}}
	op.node = add[struct{}](p, name, "WriteJetStream", dataflow.KindSink, op, in.node).node
}

// jsSinkOp is a JetStream sink's settings; jsSinkOpOf adds the record
// type, which only the emitter needs.
type jsSinkOp struct {
	subject string
	node    int // identifies the step in message ids and tail objects
}

type jsSinkOpOf[T string | []byte] struct{ *jsSinkOp }

// interval is the records of one checkpoint interval, as stored in the
// subtask's state until published. App is the application that wrote
// them: a job restored from another's savepoint publishes them under the
// ids the first job used.
type interval struct {
	App   string
	Lines []string
}

func (op *jsSinkOpOf[T]) openStream(sc *subtask) (any, streamSink, error) {
	t, err := state.NewTable[int64, interval](sc.state, "jetstream-sink/"+strconv.Itoa(op.node))
	if err != nil {
		return nil, nil, err
	}
	s := &jsSink{op: op.jsSinkOp, sc: sc, pending: t, js: sc.env.JS}
	if err := t.Range(func(id int64, _ interval) error { s.ids = append(s.ids, id); return nil }); err != nil {
		return nil, nil, err
	}
	slices.Sort(s.ids)
	// A restored subtask's pending intervals all belong to checkpoints up
	// to the one restored, which is complete: publish them (again).
	if len(s.ids) > 0 {
		if err := s.committed(s.ids[len(s.ids)-1]); err != nil {
			return nil, nil, err
		}
	}
	return func(v T) { s.buf = append(s.buf, string(v)) }, s, nil
}

// jsSink is a JetStream sink's subtask.
type jsSink struct {
	op      *jsSinkOp
	sc      *subtask
	js      jetstream.JetStream
	pending *state.Table[int64, interval] // by checkpoint
	ids     []int64                       // pending's keys, sorted
	buf     []string                      // records since the last barrier
}

// msgID is the Nats-Msg-Id of record n of an interval (or "final").
func msgID(app string, node, index int, interval string, n int) string {
	return app + "/" + strconv.Itoa(node) + "/" + strconv.Itoa(index) + "/" + interval + "/" + strconv.Itoa(n)
}

func (s *jsSink) precommit(id int64) ([]proto.StagedFile, error) {
	if len(s.buf) == 0 {
		return nil, nil
	}
	if err := s.pending.Put(id, interval{App: s.sc.dep.AppID, Lines: s.buf}); err != nil {
		return nil, err
	}
	s.ids, s.buf = append(s.ids, id), nil
	return nil, nil
}

// committed publishes every pending interval up to checkpoint id, in
// order (a checkpoint that was abandoned is committed by the next one).
func (s *jsSink) committed(id int64) error {
	for len(s.ids) > 0 && s.ids[0] <= id {
		k := s.ids[0]
		iv, ok, err := s.pending.Get(k)
		if err != nil {
			return err
		}
		if ok {
			dups, err := publish(s.sc.ctx, s.js, s.op.subject, s.entries(iv, strconv.FormatInt(k, 10)))
			if err != nil {
				return err
			}
			if dups > 0 && s.sc.env.Logger != nil {
				s.sc.env.Logger.Info("JetStream sink: the stream dropped records published before a restore",
					"subtask", s.sc.name, "checkpoint", k, "duplicates", dups)
			}
		}
		if err := s.pending.Delete(k); err != nil {
			return err
		}
		s.ids = s.ids[1:]
	}
	return nil
}

func (s *jsSink) entries(iv interval, name string) []tailEntry {
	out := make([]tailEntry, len(iv.Lines))
	for i, l := range iv.Lines {
		out[i] = tailEntry{msgID(iv.App, s.op.node, s.sc.dep.Index, name, i), l}
	}
	return out
}

// finish stores what is not published yet, the pending intervals and the
// records since the last barrier, as the subtask's tail for the job
// master to publish after the final commit: the executors hear of no
// final commit, and a tail published here could not be taken back if
// another subtask failed before the job's end.
func (s *jsSink) finish() ([]proto.StagedFile, error) {
	var tail []tailEntry
	for _, k := range s.ids {
		iv, ok, err := s.pending.Get(k)
		if err != nil {
			return nil, err
		}
		if ok {
			tail = append(tail, s.entries(iv, strconv.FormatInt(k, 10))...)
		}
	}
	tail = append(tail, s.entries(interval{App: s.sc.dep.AppID, Lines: s.buf}, "final")...)
	name := tailObject(s.sc.dep.AppID, s.sc.dep.Epoch, s.op.node, s.sc.dep.Index)
	if _, err := s.sc.obj.PutBytes(s.sc.ctx, name, encodeTail(tail)); err != nil {
		return nil, fmt.Errorf("store the last records of %s: %w", s.sc.name, err)
	}
	return nil, nil
}

// tailObject names a sink subtask's tail in the checkpoint bucket; the
// prefix is the application's, so the job master's cleanup removes it.
func tailObject(app string, epoch, node, index int) string {
	return fmt.Sprintf("%sjetstream-tail.e%d.n%d.%d", proto.StreamObjectPrefix(app), epoch, node, index)
}

// tailEntry is a message to publish: its id and data.
type tailEntry struct{ id, data string }

func encodeTail(es []tailEntry) []byte {
	var b []byte
	for _, e := range es {
		b = binary.AppendUvarint(b, uint64(len(e.id)))
		b = append(b, e.id...)
		b = binary.AppendUvarint(b, uint64(len(e.data)))
		b = append(b, e.data...)
	}
	return b
}

// errBadTail is returned for a tail object that does not decode.
var errBadTail = errors.New("sdk: corrupt JetStream sink tail")

func decodeTail(b []byte) ([]tailEntry, error) {
	r := bytes.NewReader(b)
	field := func() (string, error) {
		n, err := binary.ReadUvarint(r)
		if err != nil || n > uint64(r.Len()) {
			return "", errBadTail
		}
		s := make([]byte, n)
		_, err = io.ReadFull(r, s)
		return string(s), err
	}
	var es []tailEntry
	for r.Len() > 0 {
		id, err := field()
		if err != nil {
			return nil, err
		}
		data, err := field()
		if err != nil {
			return nil, err
		}
		es = append(es, tailEntry{id, data})
	}
	return es, nil
}

// publishWindow is how many messages are in flight before publish waits
// for their acknowledgements.
const publishWindow = 1024

// publish sends es to subject and waits until the stream stored each, or
// dropped it as a duplicate: it returns how many it dropped.
func publish(ctx context.Context, js jetstream.JetStream, subject string, es []tailEntry) (dups int, err error) {
	for len(es) > 0 {
		n := min(len(es), publishWindow)
		futs := make([]jetstream.PubAckFuture, 0, n)
		for _, e := range es[:n] {
			f, err := js.PublishAsync(subject, []byte(e.data), jetstream.WithMsgID(e.id))
			if err != nil {
				return dups, publishErr(subject, err)
			}
			futs = append(futs, f)
		}
		for _, f := range futs {
			select {
			case ack := <-f.Ok():
				if ack.Duplicate {
					dups++
				}
			case err := <-f.Err():
				return dups, publishErr(subject, err)
			case <-ctx.Done():
				return dups, ctx.Err()
			}
		}
		es = es[n:]
	}
	return dups, nil
}

func publishErr(subject string, err error) error {
	if errors.Is(err, jetstream.ErrNoStreamResponse) {
		return fmt.Errorf("publish to %q: %w (is the subject bound to a stream?)", subject, err)
	}
	return fmt.Errorf("publish to %q: %w", subject, err)
}

// publishTails is the job master's last act of a bounded job (see
// jobmaster.StreamOptions.OnFinish): every JetStream sink subtask's tail
// of the finished epoch is published.
func (j *job) publishTails(ctx context.Context, cfg jobmaster.Config, epoch, parallelism int) error {
	var sinks []*jsSinkOp
	for _, n := range j.p.g.Nodes {
		if op, ok := n.Impl.(interface{ sinkOp() *jsSinkOp }); ok {
			sinks = append(sinks, op.sinkOp())
		}
	}
	if len(sinks) == 0 {
		return nil
	}
	js, err := jetstream.New(cfg.NC)
	if err != nil {
		return err
	}
	obj, err := checkpoint.Bucket(ctx, js)
	if err != nil {
		return err
	}
	for _, op := range sinks {
		for i := range parallelism {
			data, err := obj.GetBytes(ctx, tailObject(cfg.AppID, epoch, op.node, i))
			if errors.Is(err, jetstream.ErrObjectNotFound) {
				continue // published and cleaned up by a job master before
			}
			if err != nil {
				return fmt.Errorf("last records of a JetStream sink: %w", err)
			}
			es, err := decodeTail(data)
			if err == nil {
				_, err = publish(ctx, js, op.subject, es)
			}
			if err != nil {
				return fmt.Errorf("last records of a JetStream sink: %w", err)
			}
		}
	}
	return nil
}

func (op *jsSinkOpOf[T]) sinkOp() *jsSinkOp { return op.jsSinkOp }
