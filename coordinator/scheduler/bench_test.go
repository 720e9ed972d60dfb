package scheduler

import (
	"fmt"
	"testing"
	"time"
)

const benchQueues = `
queues:
  - name: prod
    capacity: 50
    ordering: fair
  - name: etl
    capacity: 25
    max-capacity: 80
  - name: adhoc
    capacity: 15
    max-capacity: 40
    user-limit: 50
  - name: dev
    capacity: 10
`

// BenchmarkSchedule grants 200,000 one-vcore containers of 2,000
// applications in four queues on N 16-vcore nodes: rounds of Schedule,
// each followed by releasing everything granted, until all are granted.
// It reports grants per second of wall time (setup excluded).
func BenchmarkSchedule(b *testing.B) {
	for _, placement := range []string{"least-loaded", "pack", "round-robin"} {
		for _, nodes := range []int{1_000, 10_000, 50_000} {
			b.Run(fmt.Sprintf("%s/nodes=%d", placement, nodes), func(b *testing.B) {
				benchSchedule(b, nodes, placement)
			})
		}
	}
}

func benchSchedule(b *testing.B, nodes int, placement string) {
	const apps, perApp = 2_000, 100
	leaves := []string{"prod", "etl", "adhoc", "dev"}
	grants := 0
	var elapsed time.Duration
	for range b.N {
		s := newSched(b, Config{Queues: mustQueues(b, benchQueues), Placement: placement}, nodes, 16)
		for i := range apps {
			id := fmt.Sprintf("app%d", i)
			mustApp(b, s, id, leaves[i%len(leaves)], fmt.Sprintf("u%d", i%10))
			mustAsk(b, s, Request{App: id, Res: res(1, 2), Count: perApp})
		}
		start := time.Now()
		for s.PendingTotal() > 0 {
			r := s.Schedule(t0)
			if len(r.Grants) == 0 {
				b.Fatalf("stuck with %d pending", s.PendingTotal())
			}
			grants += len(r.Grants)
			for _, g := range r.Grants {
				s.Release(g.Alloc)
			}
		}
		elapsed += time.Since(start)
	}
	b.ReportMetric(float64(grants)/elapsed.Seconds(), "grants/s")
	b.ReportMetric(float64(elapsed.Nanoseconds())/float64(grants), "ns/grant")
}
