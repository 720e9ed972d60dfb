package cluster

import (
	"time"

	"spindle/coordinator/scheduler/queues"
	"spindle/internal/proto"
)

// Queues describes the scheduler's queues, parents first.
func (s *State) Queues() []proto.QueueInfo {
	var out []proto.QueueInfo
	for _, q := range s.sched.Queues() {
		out = append(out, proto.QueueInfo{
			Name: q.Name, Path: q.Path, Leaf: q.Leaf, Ordering: q.Ordering,
			Guaranteed: pct(q.Guaranteed), Maximum: pct(q.Maximum), Used: pct(q.Used),
			UsedResources: q.UsedRes, RunningApps: q.RunningApps, PendingApps: q.PendingApps,
			PendingContainers: q.Pending, Preempting: q.Preempting,
		})
	}
	return out
}

func pct(f float64) float64 { return float64(int(f*10000+0.5)) / 100 }

// SetQueues replaces the queue configuration (a reload). It fails,
// changing nothing, when a queue that has applications would disappear.
func (s *State) SetQueues(now time.Time, conf *queues.Config) (Effects, error) {
	var eff Effects
	s.now = now
	if err := s.sched.SetQueues(conf); err != nil {
		return eff, err
	}
	s.schedule(&eff)
	return eff, nil
}

// Placement is the cluster's placement policy.
func (s *State) Placement() string { return s.sched.Placement() }
