package proto

import "time"

// Resources is an amount of vcores and memory.
type Resources struct {
	VCores      int   `json:"vcores"`
	MemoryBytes int64 `json:"memory_bytes"`
}

// Fits reports whether r fits within free.
func (r Resources) Fits(free Resources) bool {
	return r.VCores <= free.VCores && r.MemoryBytes <= free.MemoryBytes
}

// Add returns r + o.
func (r Resources) Add(o Resources) Resources {
	return Resources{r.VCores + o.VCores, r.MemoryBytes + o.MemoryBytes}
}

// Sub returns r - o.
func (r Resources) Sub(o Resources) Resources {
	return Resources{r.VCores - o.VCores, r.MemoryBytes - o.MemoryBytes}
}

// Ack is the reply to requests that return nothing but success or an error.
type Ack struct {
	Error string `json:"error,omitempty"`
}

// RegisterRequest announces a worker and its capacity.
type RegisterRequest struct {
	WorkerID string    `json:"worker_id"`
	Host     string    `json:"host"`
	Capacity Resources `json:"capacity"`
}

// RegisterReply accepts a worker. HeartbeatInterval tells it how often to
// send a Heartbeat.
type RegisterReply struct {
	Error             string        `json:"error,omitempty"`
	HeartbeatInterval time.Duration `json:"heartbeat_interval"`
	Epoch             uint64        `json:"epoch,omitempty"` // the accepting coordinator's, as in LaunchRequest
}

// Heartbeat is a worker's liveness signal, with the containers it runs.
// A coordinator that does not know the worker (it restarted) ignores it;
// the worker registers again when its NATS connection comes back, when a
// coordinator announces its start on SubjCoordStarted, and every few
// heartbeats anyway.
type Heartbeat struct {
	WorkerID   string   `json:"worker_id"`
	Containers []string `json:"containers"`
}

// ContainerSpec is what a worker needs to start a container.
type ContainerSpec struct {
	ContainerID string    `json:"container_id"`
	AppID       string    `json:"app_id"`
	WorkerID    string    `json:"worker_id"`
	Role        string    `json:"role"`        // RoleJobMaster or RoleExecutor
	BinaryHash  string    `json:"binary_hash"` // object name in BinaryBucket
	Args        []string  `json:"args"`        // job arguments
	WorkDir     string    `json:"work_dir"`    // working directory of the process, if it exists there
	Resources   Resources `json:"resources"`
	// Env is extra environment of the process (the job master's
	// EnvSavepoint); the worker's own Spindle variables take precedence.
	Env map[string]string `json:"env,omitempty"`
}

// LaunchRequest asks a worker to start a container.
type LaunchRequest struct {
	Spec ContainerSpec `json:"spec"`
	// Epoch is the sending coordinator's leadership epoch: a worker
	// refuses requests from an epoch older than the newest it has seen
	// (a deposed leader that has not noticed yet).
	Epoch uint64 `json:"epoch,omitempty"`
}

// LaunchReply answers a LaunchRequest once the container's process runs.
type LaunchReply struct {
	Error string `json:"error,omitempty"`
	PID   int    `json:"pid,omitempty"` // the container's OS process ID on its worker
}

// StopRequest asks a worker to stop containers: all of AppID's when
// ContainerID is empty.
type StopRequest struct {
	AppID       string `json:"app_id"`
	ContainerID string `json:"container_id,omitempty"`
	Epoch       uint64 `json:"epoch,omitempty"` // as in LaunchRequest
}

// ContainerExit reports that a container's process ended.
type ContainerExit struct {
	WorkerID    string `json:"worker_id"`
	AppID       string `json:"app_id"`
	ContainerID string `json:"container_id"`
	ExitCode    int    `json:"exit_code"`
	Error       string `json:"error,omitempty"`    // launch failure, signal, or why the worker killed it
	PeakRSS     int64  `json:"peak_rss,omitempty"` // highest resident memory seen, bytes (its process group, sampled)
}

// LogsRequest asks a worker for the logs of an application's containers.
type LogsRequest struct {
	AppID string `json:"app_id"`
}

// ContainerLog is the captured output of one container.
type ContainerLog struct {
	ContainerID string `json:"container_id"`
	WorkerID    string `json:"worker_id"`
	Role        string `json:"role"`
	Stdout      string `json:"stdout"`
	Stderr      string `json:"stderr"`
}

// LogsReply carries the logs a worker holds for an application.
type LogsReply struct {
	Error string         `json:"error,omitempty"`
	Logs  []ContainerLog `json:"logs"`
}

// CoordinatorInfo is one coordinator process's view of the election.
type CoordinatorInfo struct {
	Name   string    `json:"name"`
	PID    int       `json:"pid"`
	Role   string    `json:"role"` // CoordLeader or CoordStandby
	Epoch  uint64    `json:"epoch,omitempty"`
	Since  time.Time `json:"since,omitzero"`   // leading or standing by since
	Leader string    `json:"leader,omitempty"` // who leads, as a standby last read it
	NATS   string    `json:"nats,omitempty"`   // its embedded server's client URL
	HTTP   string    `json:"http,omitempty"`
	Error  string    `json:"error,omitempty"`
}

// Coordinator roles in CoordinatorInfo.
const (
	CoordLeader  = "leader"
	CoordStandby = "standby"
)
