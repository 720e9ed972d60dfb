package queues

import (
	"errors"
	"math"
	"testing"
)

func TestParseGood(t *testing.T) {
	c, err := Parse([]byte(`
queues:
  - name: prod
    capacity: 70
    ordering: fair
    queues:
      - name: etl
        capacity: 40
        max-capacity: 60
      - name: serving
        capacity: 60
  - name: dev
    capacity: 30
    max-capacity: 50
    user-limit: 50
    max-am-share: 20
`))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.LeafNames(), "etl, serving, dev"; got != want {
		t.Errorf("leaves = %q, want %q", got, want)
	}
	etl := c.Find("etl")
	if etl.Path != "root.prod.etl" || math.Abs(etl.AbsCapacity-0.28) > 1e-9 || math.Abs(etl.AbsMax-0.6) > 1e-9 {
		t.Errorf("etl = %+v, want path root.prod.etl, 28%% guaranteed, 60%% max", etl)
	}
	dev := c.Find("dev")
	if dev.Ordering != FIFO || dev.UserLimit != 50 || dev.MaxAMShare != 20 || dev.AbsMax != 0.5 {
		t.Errorf("dev = %+v", dev)
	}
	if c.Find("prod").Ordering != Fair {
		t.Errorf("prod ordering = %s, want fair", c.Find("prod").Ordering)
	}
}

func TestParseBad(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"sum", "queues:\n  - name: a\n    capacity: 60\n  - name: b\n    capacity: 30\n",
			"queues: line 2: capacities of the queues under root sum to 90, want 100 (a 60, b 30)"},
		{"unknown key", "queues:\n  - name: a\n    capacity: 100\n    weight: 3\n",
			`queues: line 4: unknown key "weight" (want name, capacity, max-capacity, ordering, user-limit, max-am-share or queues)`},
		{"unknown top key", "queue:\n  - name: a\n", `queues: line 1: unknown key "queue" (want "queues")`},
		{"duplicate", "queues:\n  - name: a\n    capacity: 50\n    queues:\n      - name: a\n        capacity: 100\n  - name: b\n    capacity: 50\n",
			`queues: line 5: queue name "a" is already used on line 2 (names are unique in the tree)`},
		{"cycle", "queues: &top\n  - name: a\n    capacity: 100\n    queues: *top\n",
			"queues: line 4: alias makes a cycle: a queue cannot contain itself"},
		{"max below capacity", "queues:\n  - name: a\n    capacity: 100\n    max-capacity: 50\n",
			"queues: line 2: queue a: max-capacity 50 is below its capacity 100"},
		{"ordering", "queues:\n  - name: a\n    capacity: 100\n    ordering: lifo\n",
			`queues: line 4: ordering "lifo": want fifo or fair`},
		{"percent", "queues:\n  - name: a\n    capacity: 140\n", `queues: line 3: capacity "140": want a percentage from 0 to 100`},
		{"no capacity", "queues:\n  - name: a\n", "queues: line 2: queue a has no capacity"},
		{"empty", "", "queues: the file is empty"},
		{"syntax", "queues: [", "queues: line 1: did not find expected node content"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.yaml))
			var qe *Error
			if err == nil || !errors.As(err, &qe) || err.Error() != tt.want {
				t.Errorf("Parse error = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestDefault(t *testing.T) {
	c := Default()
	if q := c.Find(DefaultName); q == nil || q.AbsCapacity != 1 || q.Path != "root.default" {
		t.Errorf("default queue = %+v", q)
	}
}
