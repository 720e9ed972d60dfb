package jobmaster

import (
	"fmt"
	"slices"
	"time"

	"spindle/dataflow"
	"spindle/internal/proto"
)

// StreamState is a streaming job master's pure core: the gang that runs
// the current execution (epoch), the checkpoint in progress and the last
// complete one, and what the subtasks reported. Events go in; Effects say
// what the shell must persist, commit, publish and answer, in that order
// (persist before acting). It does no I/O and reads no clock.
type StreamState struct {
	subtasks    []string // every subtask's name
	indexOf     map[string]int
	restored    int64
	parallelism int
	rec         StreamRecord
	gang        map[string]int               // container → index, of the running epoch
	parts       map[string]*proto.Deployment // container → its part of the running epoch
	lost        map[string]bool              // containers that ended: never in a gang
	cancelled   time.Time                    // when the last epoch's end was last announced
	running     bool
	finished    map[string]bool
	failed      string // the job's failure, once it gives up
	pending     *pendingCheckpoint
	lastTrigger time.Time
	staged      []stagedAt // sink files of this epoch not committed yet
	history     []proto.CheckpointSummary
	completed   int
	failedCkpts int
	metrics     map[string]proto.SubtaskMetrics
	policy      StreamPolicy
	stopAfter   int64 // a stop-with-savepoint's checkpoint: end the epoch when it completes
	done        bool
}

// StreamRecord is what a streaming job master keeps in JetStream KV for
// the next attempt (and for commits it must redo).
type StreamRecord struct {
	Epoch       int                  `json:"epoch"` // the last epoch started
	Parallelism int                  `json:"parallelism"`
	NextID      int64                `json:"next_id"` // checkpoint IDs are never reused
	Last        *proto.CheckpointRef `json:"last,omitempty"`
	// Staged are the files the last complete checkpoint commits; Final,
	// once set, the files that end the job.
	Staged   []proto.StagedFile `json:"staged,omitempty"`
	Final    bool               `json:"final,omitempty"`
	Restarts int                `json:"restarts"`
	// Retained are the complete checkpoints whose snapshots are kept,
	// oldest first (Last is the newest).
	Retained []proto.CheckpointRef `json:"retained,omitempty"`
}

// StreamPolicy is a streaming job's timing and limits.
type StreamPolicy struct {
	Interval    time.Duration // between checkpoints
	Timeout     time.Duration // a checkpoint not complete by then fails
	MaxRestarts int           // executions restarted before the job fails
	Retain      int           // complete checkpoints kept
}

// DefaultStreamPolicy checkpoints every 2 s (Flink jobs commonly use
// seconds to a minute; a short interval keeps the replay after a failure
// short), and retains 3.
func DefaultStreamPolicy() StreamPolicy {
	return StreamPolicy{Interval: 2 * time.Second, Timeout: time.Minute, MaxRestarts: 20, Retain: 3}
}

type pendingCheckpoint struct {
	id        int64
	savepoint bool
	started   time.Time
	sent      time.Time // when its trigger was last published
	acks      map[string]proto.SubtaskEvent
}

type stagedAt struct {
	checkpoint int64
	file       proto.StagedFile
}

// StreamEffects are what an event asks of the shell.
type StreamEffects struct {
	Persist   bool                         // save Record() before anything below
	Commit    []proto.StagedFile           // rename, in order, after persisting
	Deploy    map[string]*proto.Deployment // container → its deployment
	Control   []proto.Control              // publish to the subtasks
	Completed *proto.CheckpointRef         // a checkpoint just completed
	Delete    []proto.CheckpointRef        // snapshots no longer retained
	Finished  bool                         // the job's output is complete: commit the job
	Repeat    bool                         // Control only repeats what was published before
}

// retriggerEvery is how often the trigger of a checkpoint in progress is
// published again.
const retriggerEvery = time.Second

// announceEvery is how often a job master between epochs repeats the
// cancellation of the last one. Control messages are published once, at
// most once: an executor that subscribed just after a cancellation (it
// was being deployed as the epoch failed) would run the dead epoch
// forever, and never ask for a part of the next.
const announceEvery = time.Second

// NewStreamState starts a job master attempt over rec (zero for a new
// job), with plan's stages at parallelism p.
func NewStreamState(g *dataflow.Graph, plan *dataflow.Plan, rec StreamRecord, policy StreamPolicy) *StreamState {
	s := &StreamState{rec: rec, parallelism: rec.Parallelism, policy: policy, metrics: map[string]proto.SubtaskMetrics{},
		indexOf: map[string]int{}}
	for _, st := range plan.Stages {
		for i := range rec.Parallelism {
			name := fmt.Sprintf("%s#%d", g.Node(st.Root).Name, i)
			s.subtasks = append(s.subtasks, name)
			s.indexOf[name] = i
		}
	}
	s.rec.Epoch++
	return s
}

// Record is the state to persist.
func (s *StreamState) Record() StreamRecord { return s.rec }

// Epoch is the current execution.
func (s *StreamState) Epoch() int { return s.rec.Epoch }

// Done reports whether the job's output is complete.
func (s *StreamState) Done() bool { return s.done }

// Failure is why the job failed, or "".
func (s *StreamState) Failure() string { return s.failed }

// Running reports whether the gang of the current epoch is deployed.
func (s *StreamState) Running() bool { return s.running }

// Gang reports whether container c runs the current epoch.
func (s *StreamState) Gang(c string) bool { _, ok := s.gang[c]; return ok }

// Deploy forms the gang once p distinct executors ask: each gets an index.
// asking are the containers whose requests are held. The first checkpoint
// of the epoch is due one interval after now, when the executors have
// most likely subscribed to the control subject; a trigger that still
// finds one not subscribed is published again (see retriggerEvery).
func (s *StreamState) Deploy(now time.Time, app, fingerprint string, asking []string, wmEvery, idle time.Duration) StreamEffects {
	var eff StreamEffects
	// A container that ended may still have a request held: it must not
	// get a part (the epoch would wait for it forever).
	asking = slices.DeleteFunc(slices.Clone(asking), func(c string) bool { return s.lost[c] })
	if s.running || s.done || s.failed != "" || len(asking) < s.parallelism {
		return eff
	}
	asking = slices.Sorted(slices.Values(asking))[:s.parallelism]
	s.gang, s.running, s.finished, s.lastTrigger = map[string]int{}, true, map[string]bool{}, now
	eff.Deploy = map[string]*proto.Deployment{}
	s.parts = eff.Deploy
	if s.rec.Last != nil {
		s.restored = s.rec.Last.ID
	}
	for i, c := range asking {
		s.gang[c] = i
		eff.Deploy[c] = &proto.Deployment{AppID: app, Fingerprint: fingerprint, Epoch: s.rec.Epoch, Index: i,
			Parallelism: s.parallelism, Restore: s.rec.Last, WatermarkEveryMs: wmEvery.Milliseconds(), IdleAfterMs: idle.Milliseconds()}
	}
	eff.Persist = true
	return eff
}

// Redeploy is container c's part of the running epoch when c asks again
// without having run it (ended is the last epoch it ran): the reply that
// carried the part was lost. That happens when the executor's request
// timed out while the job master was held up (a save stalled for the
// seconds a NATS node's loss takes) or while its connection moved to
// another node. Without it the executor would ask for ever and the
// epoch would wait for it for ever.
func (s *StreamState) Redeploy(c string, ended int) *proto.Deployment {
	if !s.running || ended >= s.rec.Epoch {
		return nil
	}
	return s.parts[c]
}

// Tick triggers a checkpoint when one is due and fails one that timed out.
func (s *StreamState) Tick(now time.Time) StreamEffects {
	var eff StreamEffects
	if p := s.pending; p != nil && now.Sub(p.started) > s.policy.Timeout {
		s.abandon("timed out")
	}
	if s.running && s.pending == nil && len(s.finished) == 0 && now.Sub(s.lastTrigger) >= s.policy.Interval {
		eff = s.trigger(now, false)
	} else if p := s.pending; s.running && p != nil && now.Sub(p.sent) >= retriggerEvery {
		// Triggers are core NATS: one published before a source's executor
		// subscribed (just after a deployment) is lost, and the checkpoint
		// would wait for its timeout. Sources take a checkpoint once.
		p.sent = now
		eff = StreamEffects{Repeat: true, Control: []proto.Control{{Trigger: &proto.Trigger{Epoch: s.rec.Epoch, Checkpoint: p.id, Savepoint: p.savepoint}}}}
	}
	if !s.running && !s.done && s.failed == "" && s.rec.Epoch > 1 && now.Sub(s.cancelled) >= announceEvery {
		s.cancelled = now
		eff = StreamEffects{Repeat: true, Control: []proto.Control{{Notice: &proto.Notice{Epoch: s.rec.Epoch - 1, Cancel: true,
			Reason: "the execution was restarted"}}}}
	}
	return eff
}

// Savepoint triggers a savepoint now (after the checkpoint in progress, if
// any, is abandoned); stop ends the job's output at it. It returns the
// savepoint's ID, or 0 when the job is not running.
func (s *StreamState) Savepoint(now time.Time, stop bool) (int64, StreamEffects) {
	if !s.running || len(s.finished) > 0 {
		return 0, StreamEffects{}
	}
	if s.pending != nil {
		s.abandon("superseded by a savepoint")
	}
	eff := s.trigger(now, true)
	if stop {
		s.stopAfter = s.pending.id
	}
	return s.pending.id, eff
}

func (s *StreamState) trigger(now time.Time, savepoint bool) StreamEffects {
	s.rec.NextID++
	id := s.rec.NextID
	s.pending = &pendingCheckpoint{id: id, savepoint: savepoint, started: now, sent: now, acks: map[string]proto.SubtaskEvent{}}
	s.lastTrigger = now
	s.summary(proto.CheckpointSummary{ID: id, State: proto.CheckpointInProgress, Savepoint: savepoint})
	return StreamEffects{Persist: true, Control: []proto.Control{{Trigger: &proto.Trigger{Epoch: s.rec.Epoch, Checkpoint: id, Savepoint: savepoint}}}}
}

func (s *StreamState) abandon(why string) {
	s.failedCkpts++
	s.setSummary(s.pending.id, func(c *proto.CheckpointSummary) { c.State = proto.CheckpointFailed })
	_ = why
	s.pending = nil
}

// Event takes a subtask's report.
func (s *StreamState) Event(now time.Time, ev proto.SubtaskEvent) StreamEffects {
	if ev.Epoch != s.rec.Epoch || !s.running {
		return StreamEffects{} // a zombie of an earlier execution
	}
	switch {
	case ev.Error != "" && ev.Fatal:
		return s.fail(fmt.Sprintf("subtask %s failed: %s (not restarted: a restore would read the same input again)", ev.Subtask, ev.Error))
	case ev.Error != "":
		return s.Restart(fmt.Sprintf("subtask %s failed: %s", ev.Subtask, ev.Error))
	case ev.Metrics != nil:
		s.metrics[ev.Subtask] = *ev.Metrics
	case ev.Ack:
		return s.ack(now, ev)
	case ev.Finished:
		return s.finish(ev)
	}
	return StreamEffects{}
}

func (s *StreamState) ack(now time.Time, ev proto.SubtaskEvent) StreamEffects {
	for _, f := range ev.Staged {
		s.staged = append(s.staged, stagedAt{ev.Checkpoint, f})
	}
	p := s.pending
	if p == nil || p.id != ev.Checkpoint {
		return StreamEffects{}
	}
	p.acks[ev.Subtask] = ev
	if len(p.acks) < len(s.subtasks) {
		return StreamEffects{}
	}
	return s.complete(now, p)
}

// complete records checkpoint p: it becomes the one to restore from, and
// every staged file up to it is committed.
func (s *StreamState) complete(now time.Time, p *pendingCheckpoint) StreamEffects {
	ref := proto.CheckpointRef{ID: p.id, Objects: map[string]string{}, Savepoint: p.savepoint}
	var bytes int64
	for name, a := range p.acks {
		ref.Objects[name] = a.Object
		bytes += a.Bytes
	}
	var commit []proto.StagedFile
	kept := s.staged[:0]
	for _, f := range s.staged {
		if f.checkpoint <= p.id {
			commit = append(commit, f.file)
		} else {
			kept = append(kept, f)
		}
	}
	s.staged = kept
	s.pending = nil
	s.completed++
	s.setSummary(p.id, func(c *proto.CheckpointSummary) {
		c.State, c.Bytes, c.DurationMs = proto.CheckpointCompleted, bytes, now.Sub(p.started).Milliseconds()
	})
	eff := StreamEffects{Persist: true, Commit: commit, Completed: &ref,
		Control: []proto.Control{{Notice: &proto.Notice{Epoch: s.rec.Epoch, Checkpoint: p.id}}}}
	s.rec.Last, s.rec.Staged = &ref, commit
	if !p.savepoint {
		s.rec.Retained = append(s.rec.Retained, ref)
		if n := len(s.rec.Retained) - s.policy.Retain; n > 0 {
			eff.Delete = slices.Clone(s.rec.Retained[:n])
			s.rec.Retained = slices.Delete(s.rec.Retained, 0, n)
		}
	}
	if s.stopAfter == p.id {
		eff.Control = append(eff.Control, s.cancel("stopped with a savepoint"))
		s.running, s.done = false, true
	}
	return eff
}

func (s *StreamState) finish(ev proto.SubtaskEvent) StreamEffects {
	for _, f := range ev.Staged {
		s.staged = append(s.staged, stagedAt{1<<63 - 1, f})
	}
	s.finished[ev.Subtask] = true
	if len(s.finished) < len(s.subtasks) {
		return StreamEffects{}
	}
	// Every subtask of this epoch ended cleanly: all it staged since the
	// last complete checkpoint is the rest of the output. A checkpoint in
	// progress can never complete (finished subtasks take no barrier).
	if s.pending != nil {
		s.abandon("the job ended first")
	}
	var commit []proto.StagedFile
	for _, f := range s.staged {
		commit = append(commit, f.file)
	}
	s.staged, s.pending, s.running, s.done = nil, nil, false, true
	s.rec.Final, s.rec.Staged = true, commit
	return StreamEffects{Persist: true, Commit: commit, Finished: true}
}

// Restart ends the current epoch after a failure: the next one restores
// every subtask from the last complete checkpoint, on whichever executors
// ask.
func (s *StreamState) Restart(reason string) StreamEffects {
	if s.done || s.failed != "" {
		return StreamEffects{}
	}
	eff := StreamEffects{Persist: true, Control: []proto.Control{s.cancel(reason)}}
	if s.pending != nil {
		s.abandon("the execution failed")
	}
	s.rec.Restarts++
	if s.rec.Restarts > s.policy.MaxRestarts {
		s.failed = fmt.Sprintf("restarted %d times; last failure: %s", s.policy.MaxRestarts, reason)
	}
	s.rec.Epoch++
	s.running, s.gang, s.parts, s.finished, s.staged, s.stopAfter = false, nil, nil, nil, nil, 0
	return eff
}

// fail ends the job as failed: the execution is cancelled and none
// follows.
func (s *StreamState) fail(reason string) StreamEffects {
	if s.done || s.failed != "" {
		return StreamEffects{}
	}
	eff := StreamEffects{Persist: true, Control: []proto.Control{s.cancel(reason)}}
	if s.pending != nil {
		s.abandon("the execution failed")
	}
	s.failed = reason
	s.rec.Epoch++
	s.running, s.gang, s.parts, s.finished, s.staged, s.stopAfter = false, nil, nil, nil, nil, 0
	return eff
}

func (s *StreamState) cancel(reason string) proto.Control {
	return proto.Control{Notice: &proto.Notice{Epoch: s.rec.Epoch, Cancel: true, Reason: reason}}
}

// ContainerLost restarts the epoch if c ran part of it; c is never
// given a part again.
func (s *StreamState) ContainerLost(c, reason string) StreamEffects {
	if s.lost == nil {
		s.lost = map[string]bool{}
	}
	s.lost[c] = true
	if !s.Gang(c) || !s.running {
		return StreamEffects{}
	}
	return s.Restart(reason)
}

// Ended takes an executor's word that its part of epoch stopped; if not
// every subtask of it had finished, the epoch failed.
func (s *StreamState) Ended(c string, epoch int) StreamEffects {
	i, ok := s.gang[c]
	if !ok || epoch != s.rec.Epoch || !s.running {
		return StreamEffects{}
	}
	for _, name := range s.subtasks {
		if s.indexOf[name] == i && !s.finished[name] {
			return s.Restart(fmt.Sprintf("executor %s stopped before its subtasks finished", c))
		}
	}
	return StreamEffects{}
}

func (s *StreamState) summary(c proto.CheckpointSummary) {
	s.history = append(s.history, c)
	if len(s.history) > 10 {
		s.history = s.history[len(s.history)-10:]
	}
}

func (s *StreamState) setSummary(id int64, fn func(*proto.CheckpointSummary)) {
	for i := range s.history {
		if s.history[i].ID == id {
			fn(&s.history[i])
		}
	}
}

// Report is the streaming part of the job master's report.
func (s *StreamState) Report() *proto.StreamReport {
	r := &proto.StreamReport{Epoch: s.rec.Epoch, Restarts: s.rec.Restarts, Parallelism: s.parallelism,
		Checkpoints: slices.Clone(s.history), Completed: s.completed, Failed: s.failedCkpts,
		Subtasks: map[string]proto.SubtaskMetrics{}}
	for k, v := range s.metrics {
		r.Subtasks[k] = v
	}
	r.Restored = s.restored
	return r
}
