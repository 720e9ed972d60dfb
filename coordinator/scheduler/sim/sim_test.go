package sim

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"spindle/coordinator/scheduler/queues"
)

func TestRunReportsAndIsDeterministic(t *testing.T) {
	conf, err := queues.Parse([]byte("queues:\n  - name: prod\n    capacity: 70\n  - name: dev\n    capacity: 30\n    max-capacity: 50\n"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Nodes: 20, Apps: 40, TasksPerApp: 30, Queues: conf, Seed: 3, Arrival: 10 * time.Second}
	a, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if a.AppsFinished != 40 || a.Allocations != 40*31+a.Preempted || a.Preempted == 0 {
		t.Errorf("finished %d apps, %d allocations, %d preempted; want 40 and %d plus one per preemption (some)",
			a.AppsFinished, a.Allocations, a.Preempted, 40*31)
	}
	if a.Utilization <= 0 || a.Utilization > 1 || a.Spread.Max == 0 || a.Delay.Max < a.Delay.P50 {
		t.Errorf("report = %+v", a)
	}
	b, _ := Run(cfg)
	if a.Allocations != b.Allocations || a.Delay != b.Delay || a.Spread != b.Spread || a.Utilization != b.Utilization {
		t.Errorf("same seed, different runs:\n%+v\n%+v", a, b)
	}
	data, _ := json.Marshal(a)
	for _, key := range []string{`"allocations":`, `"allocations_per_second":`, `"utilization":`, `"queues":[{"name":"prod","guaranteed":0.7`, `"share":`} {
		if !strings.Contains(string(data), key) {
			t.Errorf("JSON lacks %s: %s", key, data)
		}
	}
}

func TestTrace(t *testing.T) {
	trace, err := ParseTrace([]byte(`[{"at":0,"tasks":4,"duration":10,"gang":true},{"at":1,"tasks":2,"duration":5}]`))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Run(Config{Nodes: 2, NodeRes: Config{}.WithDefaults().NodeRes, Trace: trace})
	if err != nil || rep.Apps != 2 || rep.AppsFinished != 2 || rep.Allocations != 8 {
		t.Errorf("trace run = %+v, %v; want 2 apps finished, 8 allocations", rep, err)
	}
	if _, err := ParseTrace([]byte(`[{"tasks":0}]`)); err == nil {
		t.Errorf("trace with 0 tasks accepted")
	}
}
