package scheduler

import (
	"errors"
	"time"

	"spindle/coordinator/scheduler/queues"
	"spindle/internal/proto"
)

// Role says what a container runs; job masters are protected from
// preemption and limited by a queue's job-master share.
type Role uint8

// Roles.
const (
	Executor Role = iota
	Master
)

// AllocID names a granted container inside the Scheduler.
type AllocID uint64

// AppSpec is an application as the scheduler sees it.
type AppSpec struct {
	ID        string
	Queue     string // a leaf queue's name
	User      string
	Placement string // policy name; "" uses the cluster's
}

// Request asks for Count containers of Res for an application. A Gang
// request is granted all at once or not at all. Preferred names nodes
// the containers would rather run on (waited for LocalityDelay rounds).
type Request struct {
	App       string
	Role      Role
	Res       proto.Resources
	Count     int
	Gang      bool
	Preferred []string
}

// Grant is a container given to an application on a node.
type Grant struct {
	Alloc AllocID
	App   string
	Node  string
	Role  Role
	Res   proto.Resources
}

// Notice tells an application that a container will be killed at
// Deadline to give its resources to a starved queue.
type Notice struct {
	Alloc    AllocID
	App      string
	Node     string
	Deadline time.Time
}

// Kill is a preempted container: the scheduler has already released it;
// the caller must stop it.
type Kill struct {
	Alloc AllocID
	App   string
	Node  string
}

// Result is what a Schedule or Tick decided, in decision order.
type Result struct {
	Grants  []Grant
	Notices []Notice
	Kills   []Kill
}

// Empty reports whether nothing was decided.
func (r *Result) Empty() bool { return len(r.Grants)+len(r.Notices)+len(r.Kills) == 0 }

// Config tunes a Scheduler. Zero fields take the defaults below.
type Config struct {
	Queues          *queues.Config // nil: one "default" queue
	Placement       string         // cluster policy; "" is placement.Default
	LocalityDelay   int            // rounds an ask waits for a preferred node
	PreemptGrace    time.Duration  // between Notice and Kill
	PreemptFraction float64        // of the cluster preempted per tick, at least one container
	GangPatience    time.Duration  // after this a waiting gang reserves the cluster
	NoPreemption    bool
}

// Defaults of Config.
const (
	DefaultLocalityDelay   = 3
	DefaultPreemptGrace    = 5 * time.Second
	DefaultPreemptFraction = 0.1
	DefaultGangPatience    = 10 * time.Second
)

// Errors of AddApp, Request and SetQueues, matched with errors.Is.
var (
	ErrUnknownQueue = errors.New("scheduler: unknown queue")
	ErrUnknownApp   = errors.New("scheduler: unknown application")
	ErrTooLarge     = errors.New("scheduler: request larger than any node")
	ErrQueueInUse   = errors.New("scheduler: queue in use")
)

func (c Config) withDefaults() Config {
	if c.Queues == nil {
		c.Queues = queues.Default()
	}
	if c.LocalityDelay <= 0 {
		c.LocalityDelay = DefaultLocalityDelay
	}
	if c.PreemptGrace <= 0 {
		c.PreemptGrace = DefaultPreemptGrace
	}
	if c.PreemptFraction <= 0 {
		c.PreemptFraction = DefaultPreemptFraction
	}
	if c.GangPatience <= 0 {
		c.GangPatience = DefaultGangPatience
	}
	return c
}
