package jobmaster

import (
	"slices"

	"spindle/internal/proto"
)

// Report summarises the job for the coordinator: per stage, tasks done
// and running and a progress fraction that counts running attempts'
// reported progress; and every attempt so far.
func (s *State) Report() proto.AppReport {
	r := proto.AppReport{AppID: s.appID, Tasks: slices.Clone(s.attempts)}
	for i, st := range s.plan.Stages {
		ps := proto.Stage{ID: st.ID, Name: st.Name, Tasks: len(s.tasks[i]), Progress: 1}
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
