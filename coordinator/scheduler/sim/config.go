package sim

import (
	"encoding/json"
	"fmt"
	"time"

	"spindle/coordinator/scheduler/queues"
	"spindle/internal/proto"
)

// Config describes a simulation. Zero fields take the defaults of
// WithDefaults.
type Config struct {
	Nodes        int
	NodeRes      proto.Resources
	Queues       *queues.Config
	Apps         int
	TasksPerApp  int
	TaskDuration time.Duration // each task's is drawn from [d/2, 3d/2)
	Arrival      time.Duration // applications arrive uniformly over this window
	Policy       string
	Seed         int64
	Tick         time.Duration // scheduler tick (preemption, deadlines)
	Master       proto.Resources
	Executor     proto.Resources
	Trace        []TraceApp // if set, replaces Apps/TasksPerApp/TaskDuration/Arrival
	Limit        time.Duration
}

// TraceApp is one application of a trace file.
type TraceApp struct {
	At       float64 `json:"at"`       // arrival, seconds of virtual time
	Queue    string  `json:"queue"`    // leaf queue; "" takes them in turn
	User     string  `json:"user"`     // "" is "user"
	Tasks    int     `json:"tasks"`    // executors, one task each
	Duration float64 `json:"duration"` // seconds per task
	Gang     bool    `json:"gang"`     // all executors at once
}

// ParseTrace reads a JSON array of TraceApp.
func ParseTrace(data []byte) ([]TraceApp, error) {
	var apps []TraceApp
	if err := json.Unmarshal(data, &apps); err != nil {
		return nil, fmt.Errorf("sim: trace: %w", err)
	}
	for i, a := range apps {
		if a.Tasks <= 0 || a.Duration <= 0 || a.At < 0 {
			return nil, fmt.Errorf("sim: trace: application %d: want tasks > 0, duration > 0, at ≥ 0", i)
		}
	}
	return apps, nil
}

// WithDefaults fills in the zero fields.
func (c Config) WithDefaults() Config {
	def := func(p *int, v int) {
		if *p <= 0 {
			*p = v
		}
	}
	def(&c.Nodes, 100)
	def(&c.Apps, 50)
	def(&c.TasksPerApp, 20)
	def(&c.NodeRes.VCores, 16)
	if c.NodeRes.MemoryBytes <= 0 {
		c.NodeRes.MemoryBytes = 64 << 30
	}
	if c.TaskDuration <= 0 {
		c.TaskDuration = 30 * time.Second
	}
	if c.Tick <= 0 {
		c.Tick = time.Second
	}
	if c.Master == (proto.Resources{}) {
		c.Master = proto.Resources{VCores: 1, MemoryBytes: 1 << 30}
	}
	if c.Executor == (proto.Resources{}) {
		c.Executor = proto.Resources{VCores: 1, MemoryBytes: 2 << 30}
	}
	if c.Queues == nil {
		c.Queues = queues.Default()
	}
	if c.Limit <= 0 {
		c.Limit = 7 * 24 * time.Hour
	}
	return c
}
