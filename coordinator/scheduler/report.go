package scheduler

import "spindle/internal/proto"

// QueueInfo describes one queue for `spindle queues` and the simulator.
// Shares are fractions of the live cluster (0..1).
type QueueInfo struct {
	Name        string
	Path        string
	Leaf        bool
	Ordering    string
	Guaranteed  float64 // absolute guaranteed share
	Maximum     float64 // absolute maximum share
	Used        float64 // dominant share in use
	UsedRes     proto.Resources
	RunningApps int // applications with a container
	PendingApps int // applications waiting for their first container
	Pending     int // containers asked for and not granted
	Preempting  int // containers under a preemption notice
}

// Queues describes every queue, parents before their children.
func (s *Scheduler) Queues() []QueueInfo {
	total := s.idx.Total()
	out := make([]QueueInfo, 0, len(s.all))
	for _, q := range s.all {
		info := QueueInfo{Name: q.conf.Name, Path: q.conf.Path, Leaf: q.leaf(),
			Ordering: string(q.conf.Ordering), Guaranteed: q.conf.AbsCapacity, Maximum: q.conf.AbsMax,
			Used: share(q.used, total), UsedRes: q.used, Pending: q.pending}
		s.countApps(q, &info)
		out = append(out, info)
	}
	return out
}

// countApps adds the applications of q's subtree to info.
func (s *Scheduler) countApps(q *queue, info *QueueInfo) {
	for _, ch := range q.children {
		s.countApps(ch, info)
	}
	for _, a := range q.apps {
		if len(a.running) > 0 {
			info.RunningApps++
		} else {
			info.PendingApps++
		}
		for _, al := range a.running {
			if !al.preemptAt.IsZero() {
				info.Preempting++
			}
		}
	}
}

// Utilization is the used share of the live cluster's vcores and memory.
func (s *Scheduler) Utilization() (vcores, memory float64) {
	total, used := s.idx.Total(), s.idx.Used()
	if total.VCores > 0 {
		vcores = float64(used.VCores) / float64(total.VCores)
	}
	if total.MemoryBytes > 0 {
		memory = float64(used.MemoryBytes) / float64(total.MemoryBytes)
	}
	return vcores, memory
}

// NodeContainers returns the running containers of each live node, in
// slot order.
func (s *Scheduler) NodeContainers() []int {
	var out []int
	for i := range s.idx.Len() {
		if n := s.idx.Node(i); n.Live {
			out = append(out, n.Containers)
		}
	}
	return out
}

// Check verifies the scheduler's invariants and returns the first broken
// one, for tests: no node over-committed, usage counters equal to the
// sum of the containers.
func (s *Scheduler) Check() string {
	for i := range s.idx.Len() {
		n := s.idx.Node(i)
		if n.Live && (!n.Used.Fits(n.Capacity) || n.Used.VCores < 0 || n.Used.MemoryBytes < 0) {
			return "node " + n.ID + " over-committed"
		}
		if n.Live && n.Containers != len(s.nodeAlloc[i]) {
			return "node " + n.ID + " container count differs from its allocations"
		}
	}
	for _, q := range s.all {
		if q.leaf() {
			var sum proto.Resources
			for _, a := range q.apps {
				sum = sum.Add(a.used)
			}
			if sum != q.used {
				return "queue " + q.conf.Name + " usage differs from its applications'"
			}
		}
	}
	return ""
}

// QueueShare is a leaf queue's use, cheap enough to sample every tick.
type QueueShare struct {
	Name       string
	Guaranteed float64
	Maximum    float64
	Used       float64
	Pending    int
}

// LeafShares returns every leaf queue's share, in configuration order.
func (s *Scheduler) LeafShares() []QueueShare {
	total := s.idx.Total()
	var out []QueueShare
	for _, q := range s.all {
		if q.leaf() && q.parent != nil {
			out = append(out, QueueShare{Name: q.conf.Name, Guaranteed: q.conf.AbsCapacity,
				Maximum: q.conf.AbsMax, Used: share(q.used, total), Pending: q.pending})
		}
	}
	return out
}
