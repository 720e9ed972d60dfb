package queues

import (
	"fmt"
	"strings"
)

// Ordering is how a leaf queue orders its applications.
type Ordering string

// Orderings.
const (
	FIFO Ordering = "fifo" // oldest application first
	Fair Ordering = "fair" // application using the least first
)

// Defaults of a queue's optional keys.
const (
	DefaultMaxCapacity = 100.0
	DefaultUserLimit   = 100.0
	// DefaultMaxAMShare is the share of a queue's maximum that job masters
	// may hold (YARN's maximum-am-resource-percent is 10). A queue may
	// always start its first job master, so a small cluster runs a job.
	DefaultMaxAMShare = 10.0
	// DefaultName is the only queue of a cluster without a queue file.
	DefaultName = "default"
	// RootName is the implicit parent of the top-level queues.
	RootName = "root"
)

// Queue is one queue of the tree. Percentages are of the parent
// (Capacity, MaxCapacity) or of the queue's own maximum (UserLimit,
// MaxAMShare); AbsCapacity and AbsMax are fractions of the whole cluster.
type Queue struct {
	Name        string
	Path        string // "root.prod.etl"
	Line        int    // where it is defined; 0 for root and defaults
	Capacity    float64
	MaxCapacity float64
	Ordering    Ordering
	UserLimit   float64
	MaxAMShare  float64
	AbsCapacity float64
	AbsMax      float64
	Children    []*Queue
}

// Leaf reports whether q has no children: applications run only in leaves.
func (q *Queue) Leaf() bool { return len(q.Children) == 0 }

// Config is a queue tree under an implicit root of 100%.
type Config struct {
	Root *Queue
}

// DefaultQueueAMShare is the job-master share of the implicit default
// queue: higher than DefaultMaxAMShare so that a small local cluster
// without a queue file runs a few jobs side by side (a streaming job does
// not block every other one).
const DefaultQueueAMShare = 50.0

// Default is the configuration of a cluster without a queue file: one
// "default" queue with the whole cluster.
func Default() *Config {
	c := &Config{Root: newRoot()}
	c.Root.Children = []*Queue{{
		Name: DefaultName, Capacity: 100, MaxCapacity: 100, Ordering: FIFO,
		UserLimit: DefaultUserLimit, MaxAMShare: DefaultQueueAMShare,
	}}
	c.finish()
	return c
}

func newRoot() *Queue {
	return &Queue{Name: RootName, Path: RootName, Capacity: 100, MaxCapacity: 100, Ordering: FIFO,
		UserLimit: DefaultUserLimit, MaxAMShare: DefaultMaxAMShare}
}

// finish computes paths and absolute capacities.
func (c *Config) finish() {
	c.Root.AbsCapacity, c.Root.AbsMax = 1, 1
	var walk func(q *Queue)
	walk = func(q *Queue) {
		for _, ch := range q.Children {
			ch.Path = q.Path + "." + ch.Name
			ch.AbsCapacity = q.AbsCapacity * ch.Capacity / 100
			ch.AbsMax = q.AbsMax * ch.MaxCapacity / 100
			walk(ch)
		}
	}
	walk(c.Root)
}

// Leaves returns the leaf queues, depth first in file order.
func (c *Config) Leaves() []*Queue {
	var out []*Queue
	c.Walk(func(q *Queue) {
		if q.Leaf() && q != c.Root {
			out = append(out, q)
		}
	})
	return out
}

// Walk calls fn for every queue, parents before children, root first.
func (c *Config) Walk(fn func(*Queue)) {
	var walk func(q *Queue)
	walk = func(q *Queue) {
		fn(q)
		for _, ch := range q.Children {
			walk(ch)
		}
	}
	walk(c.Root)
}

// Find returns the queue named name, or nil.
func (c *Config) Find(name string) *Queue {
	var found *Queue
	c.Walk(func(q *Queue) {
		if q.Name == name {
			found = q
		}
	})
	return found
}

// LeafNames lists the leaf queues' names, for error messages.
func (c *Config) LeafNames() string {
	var names []string
	for _, q := range c.Leaves() {
		names = append(names, q.Name)
	}
	return strings.Join(names, ", ")
}

// Error is a refused configuration: the line (0 if unknown) and why.
type Error struct {
	Line   int
	Reason string
}

func (e *Error) Error() string {
	if e.Line == 0 {
		return "queues: " + e.Reason
	}
	return fmt.Sprintf("queues: line %d: %s", e.Line, e.Reason)
}

func errorf(line int, format string, args ...any) *Error {
	return &Error{Line: line, Reason: fmt.Sprintf(format, args...)}
}
