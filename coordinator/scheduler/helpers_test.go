package scheduler

import (
	"fmt"
	"testing"
	"time"

	"spindle/coordinator/scheduler/queues"
	"spindle/internal/proto"
)

var t0 = time.Unix(1_700_000_000, 0)

const gib = int64(1) << 30

func res(v int, g int64) proto.Resources { return proto.Resources{VCores: v, MemoryBytes: g * gib} }

// twoQueues is prod 70 (max 100) and dev 30 (max 50, user-limit 50).
const twoQueues = `
queues:
  - name: prod
    capacity: 70
    max-capacity: 100
    ordering: fair
  - name: dev
    capacity: 30
    max-capacity: 50
`

func mustQueues(t testing.TB, y string) *queues.Config {
	t.Helper()
	c, err := queues.Parse([]byte(y))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// newSched returns a scheduler over n nodes n1..nN of vcores each (4 GiB per vcore).
func newSched(t testing.TB, cfg Config, n, vcores int) *Scheduler {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		s.AddNode(fmt.Sprintf("n%d", i), res(vcores, int64(4*vcores)))
	}
	return s
}

func mustApp(t testing.TB, s *Scheduler, id, queue, user string) {
	t.Helper()
	if err := s.AddApp(AppSpec{ID: id, Queue: queue, User: user}); err != nil {
		t.Fatal(err)
	}
}

func mustAsk(t testing.TB, s *Scheduler, r Request) {
	t.Helper()
	if err := s.Request(t0, r); err != nil {
		t.Fatal(err)
	}
}

// perApp counts grants by application.
func perApp(gs []Grant) map[string]int {
	m := map[string]int{}
	for _, g := range gs {
		m[g.App]++
	}
	return m
}

// perNode lists the node of each grant, in order.
func perNode(gs []Grant) []string {
	var out []string
	for _, g := range gs {
		out = append(out, g.Node)
	}
	return out
}

func checkInvariants(t testing.TB, s *Scheduler) {
	t.Helper()
	if msg := s.Check(); msg != "" {
		t.Fatal(msg)
	}
}
