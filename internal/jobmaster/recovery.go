package jobmaster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"spindle/internal/buckets"
	"spindle/internal/proto"
)

// Record is a job master's progress as kept in JetStream KV, so that a
// new attempt of the job master (after its container died) resumes the
// job: the layout it chose and the tasks already committed, which are not
// run again.
type Record struct {
	Epoch       int    // job master attempts so far
	Parallelism int    // the default parallelism the job was laid out with
	Tasks       []Done `json:"tasks"`
}

// Done is a committed task.
type Done struct {
	Stage, Index int
	Attempt      string         // the committed attempt
	Attempts     int            // attempts started
	Prefixes     []proto.Prefix `json:"prefixes,omitempty"`
}

// Snapshot returns the committed tasks.
func (s *State) Snapshot() []Done {
	var out []Done
	for _, ts := range s.tasks {
		for _, t := range ts {
			if t.committed != "" {
				out = append(out, Done{t.stage, t.index, t.committed, t.attempts, t.prefixes})
			}
		}
	}
	return out
}

// Restore marks tasks committed by an earlier job master attempt. It
// fails if they do not fit the plan (the job was laid out differently).
func (s *State) Restore(done []Done) error {
	for _, d := range done {
		if d.Stage < 0 || d.Stage >= len(s.tasks) || d.Index < 0 || d.Index >= len(s.tasks[d.Stage]) {
			return fmt.Errorf("jobmaster: recovered task s%d-t%d is not in this plan", d.Stage, d.Index)
		}
		t := s.tasks[d.Stage][d.Index]
		t.committed, t.attempts, t.prefixes = d.Attempt, d.Attempts, d.Prefixes
	}
	return nil
}

// recovery reads and writes the job master's Record.
type recovery struct {
	kv  jetstream.KeyValue
	app string
	rec Record
}

// openRecovery loads the application's Record, if an earlier job master
// left one, starts this attempt in it (see Record.begin) and saves it
// before anything else happens, so that a job master that dies at any
// moment after leaves a record its successor can resume from.
func openRecovery(ctx context.Context, js jetstream.JetStream, app string, clusterVCores int) (*recovery, error) {
	kv, err := buckets.KV(ctx, js, proto.JobsBucket, proto.Replicas())
	if err != nil {
		return nil, fmt.Errorf("jobmaster: progress bucket: %w", err)
	}
	r := &recovery{kv: kv, app: app}
	entry, err := kv.Get(ctx, app)
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound):
	case err != nil:
		return nil, fmt.Errorf("jobmaster: load progress: %w", err)
	default:
		if err := json.Unmarshal(entry.Value(), &r.rec); err != nil {
			return nil, fmt.Errorf("jobmaster: load progress: %w", err)
		}
	}
	r.rec.begin(clusterVCores)
	return r, r.save(ctx, r.rec.Tasks)
}

// begin counts a new job master attempt and fixes the job's layout: the
// parallelism an earlier attempt chose, or, on the first attempt (or
// after one that died before recording its choice, when nothing can have
// been committed), the cluster's total vcores — its capacity, not what
// is free at this instant — and never less than 1.
func (r *Record) begin(clusterVCores int) {
	r.Epoch++
	if r.Parallelism <= 0 {
		r.Parallelism = max(clusterVCores, 1)
	}
}

// resumed reports whether an earlier job master ran this job.
func (r *recovery) resumed() bool { return r.rec.Epoch > 1 }

// save records the committed tasks.
func (r *recovery) save(ctx context.Context, done []Done) error {
	r.rec.Tasks = done
	data, err := json.Marshal(r.rec)
	if err != nil {
		return err
	}
	if _, err := r.kv.Put(ctx, r.app, data); err != nil {
		return fmt.Errorf("jobmaster: save progress: %w", err)
	}
	return nil
}

// forget deletes the Record once the job ended.
func (r *recovery) forget(ctx context.Context) error {
	return r.kv.Delete(ctx, r.app)
}
