package sdk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"spindle/dataflow"
	"spindle/internal/executor"
	"spindle/internal/proto"
	"spindle/internal/stream/evtime"
	"spindle/internal/stream/exchange"
	"spindle/internal/stream/state"
)

// subtask is one running subtask of a streaming stage: subtask Index of
// the stage, in one epoch. It runs on one goroutine; the fields are its
// own.
type subtask struct {
	ctx   context.Context
	j     *job
	env   *executor.Env
	dep   *proto.Deployment
	st    dataflow.Stage
	name  string // proto subtask name: "<root step>#<index>"
	ts    int64  // event time of the record being processed
	wm    int64  // the subtask's input watermark
	state *state.Backend
	obj   jetstream.ObjectStore // the cluster's checkpoint bucket
	outs  []streamOut
	sinks []streamSink
	ctl   <-chan proto.Trigger // checkpoint triggers (sources)
	note  <-chan int64         // checkpoints completed
	emit  func(proto.SubtaskEvent)
	err   error // first error of a step that cannot return one
	m     subtaskMetrics
	clock func() time.Time
	timed processingTimed // the root's processing-time timers, if it has any
	idle  bool            // the source told its consumers it is idle
	// lastCheckpoint is the last checkpoint a source took.
	lastCheckpoint int64
}

// streamOut is the write side of a stream edge in a subtask.
type streamOut interface {
	flush() error
	stale(now time.Time) bool
	control(k exchange.Kind, v int64) error
	stats() exchange.SenderStats
	close() error
}

// streamSink is a sink in a streaming stage: it writes a staged file per
// checkpoint (two-phase commit: pre-committed at the barrier, committed by
// the job master once the checkpoint is complete).
type streamSink interface {
	precommit(id int64) ([]proto.StagedFile, error)
	finish() ([]proto.StagedFile, error)
	committed(id int64) error
}

// streamSourceOp is the Impl of streaming sources.
type streamSourceOp interface {
	openStream(sc *subtask, emit any) (streamSource, error)
}

// streamSource is a source's subtask. poll emits up to max records (each
// with sc.ts set) and reports whether the input ended, or how long to
// wait before the next record is due (rate-limited sources); save records
// the position reached in the subtask's state, for a checkpoint.
type streamSource interface {
	poll(max int) (done bool, wait time.Duration, err error)
	watermark() int64
	save() error
}

// streamShuffleOp is the Impl of keyed streaming steps: the write side in
// the stages feeding it, the root of the stage it starts.
type streamShuffleOp interface {
	streamWriter(sc *subtask, sender *exchange.Sender, consumers int) (emit any, out streamOut)
	openRoot(sc *subtask, next, late any) (streamRoot, error)
}

// streamRoot is a keyed step's subtask: consume decodes and processes one
// batch; watermark fires what the watermark completes.
type streamRoot interface {
	consume(payload []byte) error
	watermark(wm int64) error
}

// subtaskMetrics are counted by the subtask's goroutine.
type subtaskMetrics struct {
	in, out, late, frames int64
	busy                  time.Duration
	// as of the last report
	at        time.Time
	busyAt    time.Duration
	blockedAt time.Duration
}

// metricsEvery is how often a subtask reports its metrics.
const metricsEvery = time.Second

// report sends the subtask's metrics if metricsEvery passed.
func (sc *subtask) report(now time.Time) {
	m := &sc.m
	if m.at.IsZero() {
		m.at = now
		return
	}
	if span := now.Sub(m.at); span >= metricsEvery {
		sc.sendMetrics(now, span)
	}
}

// sendMetrics reports the subtask's metrics over the span since the last
// report.
func (sc *subtask) sendMetrics(now time.Time, span time.Duration) {
	m := &sc.m
	var blocked time.Duration
	var bytes int64
	for _, o := range sc.outs {
		s := o.stats()
		blocked += s.BlockedTime
		bytes += s.Bytes
	}
	wm := sc.wm
	if wm == minWatermark || wm == evtime.MaxTime {
		wm = 0
	}
	sc.emit(proto.SubtaskEvent{Metrics: &proto.SubtaskMetrics{
		RecordsIn: m.in, RecordsOut: m.out, BytesOut: bytes, Watermark: wm, LateDropped: m.late,
		Source:       sc.j.p.g.Node(sc.st.Root).Kind == dataflow.KindSource,
		Busy:         min(float64(m.busy-m.busyAt)/float64(span), 1),
		BackPressure: min(float64(blocked-m.blockedAt)/float64(span), 1),
	}})
	m.at, m.busyAt, m.blockedAt = now, m.busy, blocked
}

func (sc *subtask) now() time.Time { return sc.clock() }

// check records err as the subtask's failure if it is the first.
func (sc *subtask) check(err error) {
	if err != nil && sc.err == nil {
		sc.err = err
	}
}

// runSource drives a source stage: records, periodic watermarks and the
// barriers the job master triggers.
func (sc *subtask) runSource(src streamSource) error {
	every := time.Duration(sc.dep.WatermarkEveryMs) * time.Millisecond
	lastWM := sc.now()
	for {
		select {
		case t := <-sc.ctl:
			if err := sc.sourceCheckpoint(t.Checkpoint, src); err != nil {
				return err
			}
		case <-sc.ctx.Done():
			return sc.ctx.Err()
		default:
		}
		start := sc.now()
		done, wait, err := src.poll(512)
		sc.check(err)
		if sc.err != nil {
			return sc.err
		}
		now := sc.now()
		sc.m.busy += now.Sub(start)
		if now.Sub(lastWM) >= every || done {
			lastWM = now
			if err := sc.advance(src.watermark()); err != nil {
				return err
			}
			if err := sc.idleness(src, now, done); err != nil {
				return err
			}
		}
		// A sink fused into a source stage commits here: roots answer
		// notices in next, sources had no other place to.
		sc.drainNotices()
		if done {
			return sc.finish()
		}
		if err := sc.flushStale(now); err != nil {
			return err
		}
		sc.report(now)
		if wait > 0 {
			if err := sc.pause(wait, src); err != nil {
				return err
			}
		}
	}
}

// idleSource is a source that can tell it has had nothing to read for a
// while (a message queue with no messages): while it is idle, its
// channels do not hold back the watermark downstream.
type idleSource interface {
	idle(now time.Time, after time.Duration) bool
}

// idleness tells the consumers when the source goes idle or becomes
// active again (a watermark would reactivate the channel too, but the
// records before it should not wait for one).
func (sc *subtask) idleness(src streamSource, now time.Time, done bool) error {
	is, ok := src.(idleSource)
	if !ok || done {
		return nil
	}
	idle := is.idle(now, time.Duration(sc.dep.IdleAfterMs)*time.Millisecond)
	if idle == sc.idle {
		return nil
	}
	sc.idle = idle
	v := int64(0)
	if idle {
		v = 1
	}
	return sc.controlAll(exchange.Idle, v)
}

// pause waits for a rate-limited source's next record, flushing what it
// holds and taking checkpoints meanwhile.
func (sc *subtask) pause(wait time.Duration, src streamSource) error {
	if err := sc.flushAll(); err != nil {
		return err
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case tr := <-sc.ctl:
		return sc.sourceCheckpoint(tr.Checkpoint, src)
	case <-t.C:
		return nil
	case <-sc.ctx.Done():
		return sc.ctx.Err()
	}
}

// advance forwards a new watermark downstream, after the records before
// it.
func (sc *subtask) advance(wm int64) error {
	if wm <= sc.wm {
		return nil
	}
	sc.wm = wm
	return sc.controlAll(exchange.Watermark, wm)
}

func (sc *subtask) controlAll(k exchange.Kind, v int64) error {
	for _, o := range sc.outs {
		if err := o.control(k, v); err != nil {
			return err
		}
	}
	return nil
}

func (sc *subtask) flushAll() error {
	for _, o := range sc.outs {
		if err := o.flush(); err != nil {
			return err
		}
	}
	return nil
}

func (sc *subtask) flushStale(now time.Time) error {
	for _, o := range sc.outs {
		if o.stale(now) {
			if err := o.flush(); err != nil {
				return err
			}
		}
	}
	return nil
}

// runRoot drives a keyed stage from its input edges: records, watermarks
// merged over the input channels, and aligned barriers.
func (sc *subtask) runRoot(r streamRoot, rx *exchange.Receiver, producers []int) error {
	chans, base := 0, make([]int, len(producers))
	for i, p := range producers {
		base[i] = chans
		chans += p
	}
	merge, align := evtime.NewMerger(chans), evtime.NewAligner(chans)
	sc.timed, _ = r.(processingTimed)
	var aligning time.Time
	for {
		f, err := sc.next(rx)
		if errors.Is(err, io.EOF) {
			if err := r.watermark(evtime.MaxTime); err != nil {
				return err
			}
			sc.wm = evtime.MaxTime
			return sc.finish()
		}
		if err != nil {
			return err
		}
		start := sc.now()
		ch := base[f.Input] + f.From
		switch f.Kind {
		case exchange.Data:
			err = r.consume(f.Payload)
			sc.check(err)
			err = sc.err
		case exchange.Watermark:
			wm, ok := merge.Advance(ch, f.Value)
			err = sc.merged(r, wm, ok)
		case exchange.Idle:
			wm, ok := merge.SetIdle(ch, f.Value == 1)
			err = sc.merged(r, wm, ok)
		case exchange.End:
			wm, ok := merge.End(ch)
			if err = sc.merged(r, wm, ok); err == nil {
				err = sc.aligned(align.OnEnd(ch), rx, &aligning, producers, base)
			}
		case exchange.Barrier:
			err = sc.aligned(align.OnBarrier(ch, f.Value), rx, &aligning, producers, base)
		}
		sc.m.busy += sc.now().Sub(start)
		if err != nil {
			return err
		}
	}
}

// next returns the next frame; before it waits for one, it sends the
// batches it holds (a task never sits on output while idle) and answers
// completed-checkpoint notices.
func (sc *subtask) next(rx *exchange.Receiver) (exchange.Frame, error) {
	sc.m.frames++
	if f, ok, err := rx.TryNext(); ok || err != nil {
		if err == nil && sc.m.frames&63 == 0 {
			sc.drainNotices() // a busy stage commits too (JetStream sinks publish then)
			now := sc.now()
			if err = sc.flushStale(now); err == nil {
				err = sc.fireDue(now)
			}
			sc.report(now)
		}
		return f, err
	}
	for {
		if err := sc.flushAll(); err != nil {
			return exchange.Frame{}, err
		}
		sc.drainNotices()
		now := sc.now()
		sc.report(now)
		due, ok := time.Time{}, false
		if sc.timed != nil {
			due, ok = sc.timed.nextProcessing()
		}
		if !ok {
			return rx.Next(sc.ctx)
		}
		if due.After(now) {
			ctx, cancel := context.WithDeadline(sc.ctx, due)
			f, err := rx.Next(ctx)
			cancel()
			if !errors.Is(err, context.DeadlineExceeded) || sc.ctx.Err() != nil {
				return f, err
			}
		}
		if err := sc.fireDue(sc.now()); err != nil {
			return exchange.Frame{}, err
		}
	}
}

// fireDue fires the root's processing-time timers that are due.
func (sc *subtask) fireDue(now time.Time) error {
	if sc.timed == nil {
		return nil
	}
	sc.check(sc.timed.fireProcessing(now))
	return sc.err
}

func (sc *subtask) drainNotices() {
	for {
		select {
		case id := <-sc.note:
			for _, s := range sc.sinks {
				sc.check(s.committed(id))
			}
		default:
			return
		}
	}
}

// merged applies a merged watermark that advanced: the root fires what it
// completes, then the watermark goes downstream.
func (sc *subtask) merged(r streamRoot, wm int64, advanced bool) error {
	if !advanced || wm <= sc.wm {
		return nil
	}
	if err := r.watermark(wm); err != nil {
		return err
	}
	return sc.advance(wm)
}

// aligned carries out what barrier alignment decided.
func (sc *subtask) aligned(a evtime.Action, rx *exchange.Receiver, since *time.Time, producers, base []int) error {
	if a.Aborted != 0 {
		// A newer barrier overtook an unfinished alignment: the old
		// checkpoint can never complete here, so stop holding channels
		// back for it; the newer one blocks them again as its barriers come.
		rx.UnblockAll()
		*since = time.Time{}
	}
	if a.Block >= 0 {
		if since.IsZero() {
			*since = sc.now()
		}
		in := 0
		for in+1 < len(base) && base[in+1] <= a.Block {
			in++
		}
		rx.Block(in, a.Block-base[in])
	}
	if !a.Complete {
		return nil
	}
	align := time.Duration(0)
	if !since.IsZero() {
		align = sc.now().Sub(*since)
	}
	*since = time.Time{}
	err := sc.checkpoint(a.ID, align, nil)
	rx.UnblockAll()
	return err
}

// sourceCheckpoint takes checkpoint id at a source, once: the job master
// repeats the trigger of a checkpoint in progress (a trigger published
// before this executor subscribed is lost), and an older one than the
// last taken is stale.
func (sc *subtask) sourceCheckpoint(id int64, src streamSource) error {
	if id <= sc.lastCheckpoint {
		return nil
	}
	sc.lastCheckpoint = id
	return sc.checkpoint(id, 0, src)
}

// checkpoint takes the subtask's part of checkpoint id: the barrier goes
// downstream first (so that consumers start aligning), then sinks
// pre-commit, the source notes its position, and the state backend's
// snapshot is stored in the cluster. The job master hears of it last.
func (sc *subtask) checkpoint(id int64, align time.Duration, src streamSource) error {
	start := sc.now()
	if err := sc.controlAll(exchange.Barrier, id); err != nil {
		return err
	}
	ev := proto.SubtaskEvent{Ack: true, Checkpoint: id, AlignMs: align.Milliseconds()}
	for _, s := range sc.sinks {
		files, err := s.precommit(id)
		if err != nil {
			return err
		}
		ev.Staged = append(ev.Staged, files...)
	}
	if src != nil {
		if err := src.save(); err != nil {
			return err
		}
	}
	obj, n, err := sc.j.storeSnapshot(sc, id)
	if err != nil {
		return fmt.Errorf("checkpoint %d: %w", id, err)
	}
	ev.Object, ev.Bytes, ev.SyncMs = obj, n, sc.now().Sub(start).Milliseconds()
	sc.emit(ev)
	return nil
}

// finish ends the subtask once its input ended: end of stream
// downstream, sinks' last files staged, the job master told.
func (sc *subtask) finish() error {
	if err := sc.controlAll(exchange.End, 0); err != nil {
		return err
	}
	if now := sc.now(); !sc.m.at.IsZero() { // final figures, before the job master hears the end
		sc.sendMetrics(now, max(now.Sub(sc.m.at), time.Millisecond))
	}
	ev := proto.SubtaskEvent{Finished: true}
	for _, s := range sc.sinks {
		files, err := s.finish()
		if err != nil {
			return err
		}
		ev.Staged = append(ev.Staged, files...)
	}
	sc.emit(ev)
	return nil
}
