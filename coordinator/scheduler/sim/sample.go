package sim

// sampler keeps per-tick samples of utilisation and queue shares.
type sampler struct {
	at      []float64
	util    []float64
	busy    []bool
	shares  [][]float64 // per sample, per leaf
	pending [][]bool
}

func (s *sampler) take(r *runner) {
	v, _ := r.s.Utilization()
	qs := r.s.LeafShares()
	share, pend := make([]float64, len(qs)), make([]bool, len(qs))
	for i, q := range qs {
		share[i], pend[i] = q.Used, q.Pending > 0
	}
	s.at = append(s.at, r.now.Seconds())
	s.util = append(s.util, v)
	s.busy = append(s.busy, r.live > 0)
	s.shares = append(s.shares, share)
	s.pending = append(s.pending, pend)
}

// finish computes the Report from the samples.
func (r *runner) finish() Report {
	rep := r.rep
	rep.Nodes, rep.Apps = r.cfg.Nodes, len(r.apps)
	if rep.SchedulerWall > 0 {
		rep.AllocationsPerSec = float64(rep.Allocations) / rep.SchedulerWall.Seconds()
	}
	rep.Delay = percentiles(r.delays)
	counts := make([]int, 0, r.cfg.Nodes)
	for i := range r.cfg.Nodes {
		counts = append(counts, r.perNode[nodeName(i)])
	}
	rep.Spread = spread(counts)
	s := &r.samples
	busy := 0
	for i, u := range s.util {
		if s.busy[i] {
			rep.Utilization += u
			busy++
		}
		rep.PeakUtilization = max(rep.PeakUtilization, u)
	}
	if busy > 0 {
		rep.Utilization /= float64(busy)
	}
	rep.Queues = r.queueReports(busy)
	return rep
}

// queueReports summarises each leaf's samples.
func (r *runner) queueReports(busy int) []QueueReport {
	s := &r.samples
	var out []QueueReport
	for qi, q := range r.s.LeafShares() {
		qr := QueueReport{Name: q.Name, Guaranteed: q.Guaranteed, Maximum: q.Maximum, MinShare: -1}
		for i := range s.util {
			v := s.shares[i][qi]
			if s.busy[i] {
				qr.Share += v / float64(max(busy, 1))
			}
			if s.pending[i][qi] && (qr.MinShare < 0 || v < qr.MinShare) {
				qr.MinShare = v
			}
		}
		qr.MinShare = max(qr.MinShare, 0)
		step := max(1, len(s.util)/20)
		for i := 0; i < len(s.util); i += step {
			qr.Timeline = append(qr.Timeline, s.shares[i][qi])
			qr.TimelineAt = append(qr.TimelineAt, s.at[i])
		}
		out = append(out, qr)
	}
	return out
}
