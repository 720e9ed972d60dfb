package jobmaster

import (
	"encoding/json"
	"slices"

	"spindle/internal/proto"
)

// Report summarises the job for the coordinator: per stage, tasks done
// and running and a progress fraction that counts running attempts'
// reported progress; and every attempt so far.
func (s *State) Report() proto.AppReport {
	r := proto.AppReport{AppID: s.appID, Tasks: slices.Clone(s.attempts)}
	for i, st := range s.plan.Stages {
		ps := proto.Stage{ID: st.ID, Name: st.Name, Tasks: len(s.tasks[i]), Progress: 1, Parents: st.Deps}
		sum := 0.0
		for _, t := range s.tasks[i] {
			if t.committed != "" {
				ps.Done++
				sum++
				continue
			}
			ps.Running += len(t.running)
			best := 0.0
			for id := range t.running {
				best = max(best, s.progress[id])
			}
			sum += best
		}
		if ps.Tasks > 0 {
			ps.Progress = min(sum/float64(ps.Tasks), 1)
		}
		r.Stages = append(r.Stages, ps)
	}
	return r
}

// Fit trims r to encode in at most limit bytes: it drops the oldest
// succeeded attempts first (running and failed ones tell more) and counts
// them in TasksOmitted. It returns the encoding.
func Fit(r *proto.AppReport, limit int) []byte {
	data, _ := json.Marshal(r)
	for len(data) > limit && len(r.Tasks) > 0 {
		drop := max(len(r.Tasks)*(len(data)-limit)/len(data)+1, 1)
		kept := r.Tasks[:0]
		for _, a := range r.Tasks {
			if drop > 0 && a.State == proto.AttemptSucceeded {
				drop--
				r.TasksOmitted++
				continue
			}
			kept = append(kept, a)
		}
		if len(kept) == len(r.Tasks) { // nothing succeeded left to drop
			r.TasksOmitted += len(kept)
			kept = kept[:0]
		}
		r.Tasks = kept
		data, _ = json.Marshal(r)
	}
	return data
}
