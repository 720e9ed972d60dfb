package sim

import (
	"math"
	"slices"
	"time"
)

// Report is what a simulation measured. Times are virtual unless named
// wall.
type Report struct {
	Nodes             int           `json:"nodes"`
	Apps              int           `json:"apps"`
	AppsFinished      int           `json:"apps_finished"`
	Allocations       int           `json:"allocations"`
	AllocationsPerSec float64       `json:"allocations_per_second"` // grants per wall second inside the scheduler
	SchedulerWall     time.Duration `json:"scheduler_wall_ns"`
	Wall              time.Duration `json:"wall_ns"`
	VirtualTime       time.Duration `json:"virtual_ns"`
	Utilization       float64       `json:"utilization"`      // mean used vcore share while work was pending or running
	PeakUtilization   float64       `json:"peak_utilization"` // highest sampled
	Delay             Percentiles   `json:"scheduling_delay_seconds"`
	Preempted         int           `json:"preempted"`
	Queues            []QueueReport `json:"queues"`
	Spread            Spread        `json:"containers_per_node"`
}

// Percentiles of scheduling delay, in seconds of virtual time.
type Percentiles struct {
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// QueueReport is one leaf queue's share of the cluster against its
// guarantee: the mean over the run and a timeline of samples.
type QueueReport struct {
	Name       string    `json:"name"`
	Guaranteed float64   `json:"guaranteed"`
	Maximum    float64   `json:"maximum"`
	Share      float64   `json:"share"`       // mean used share while the cluster was busy
	MinShare   float64   `json:"min_share"`   // lowest sample while the queue had demand
	Timeline   []float64 `json:"timeline"`    // share at evenly spaced samples
	TimelineAt []float64 `json:"timeline_at"` // seconds of virtual time of each sample
}

// Spread is how many containers each node ran over the whole run.
type Spread struct {
	Min    int     `json:"min"`
	Max    int     `json:"max"`
	Mean   float64 `json:"mean"`
	StdDev float64 `json:"stddev"`
}

func percentiles(d []float64) Percentiles {
	if len(d) == 0 {
		return Percentiles{}
	}
	slices.Sort(d)
	at := func(p float64) float64 { return d[min(len(d)-1, int(p*float64(len(d))))] }
	return Percentiles{P50: at(0.5), P90: at(0.9), P99: at(0.99), Max: d[len(d)-1]}
}

func spread(counts []int) Spread {
	if len(counts) == 0 {
		return Spread{}
	}
	s := Spread{Min: slices.Min(counts), Max: slices.Max(counts)}
	sum := 0.0
	for _, c := range counts {
		sum += float64(c)
	}
	s.Mean = sum / float64(len(counts))
	v := 0.0
	for _, c := range counts {
		v += (float64(c) - s.Mean) * (float64(c) - s.Mean)
	}
	s.StdDev = math.Sqrt(v / float64(len(counts)))
	return s
}
