package proto

import "time"

// Application states, in lifecycle order. Finished, Failed and Killed are
// final.
const (
	StateSubmitted = "SUBMITTED"
	StateAccepted  = "ACCEPTED" // job master container granted
	StateRunning   = "RUNNING"  // job master reported in
	StateFinished  = "FINISHED"
	StateFailed    = "FAILED"
	StateKilled    = "KILLED"
)

// Final reports whether an application state is final.
func Final(state string) bool {
	return state == StateFinished || state == StateFailed || state == StateKilled
}

// SubmitRequest asks the coordinator to run a job binary that the client
// stored in BinaryBucket.
type SubmitRequest struct {
	Name       string    `json:"name"`
	Queue      string    `json:"queue"`
	User       string    `json:"user"`
	BinaryHash string    `json:"binary_hash"`
	Args       []string  `json:"args"`
	WorkDir    string    `json:"work_dir"` // the client's working directory; containers start in it
	Master     Resources `json:"master"`   // the job master's container
	Executor   Resources `json:"executor"` // each executor container
	// Placement overrides the cluster's placement policy for this job:
	// "round-robin", "least-loaded" or "pack"; "" keeps the cluster's.
	Placement string `json:"placement,omitempty"`
	// TaskTimeout is how long a running task attempt may go without a
	// progress report before its job master declares it lost (like
	// Hadoop's mapreduce.task.timeout); 0 is the job master's default.
	TaskTimeout time.Duration `json:"task_timeout,omitempty"`
	// Savepoint, for a streaming job, is the savepoint ("<app>/<id>", as
	// spindle savepoint prints) it starts from; its job master gets it as
	// EnvSavepoint. "" starts from scratch.
	Savepoint string `json:"savepoint,omitempty"`
}

// SubmitReply returns the new application's ID.
type SubmitReply struct {
	Error string `json:"error,omitempty"`
	AppID string `json:"app_id"`
}

// AppsRequest lists applications.
type AppsRequest struct{}

// AppsReply lists applications, newest first.
type AppsReply struct {
	Error string `json:"error,omitempty"`
	Apps  []App  `json:"apps"`
}

// StatusRequest asks for one application.
type StatusRequest struct {
	AppID string `json:"app_id"`
}

// StatusReply returns one application.
type StatusReply struct {
	Error string `json:"error,omitempty"`
	App   App    `json:"app"`
}

// KillRequest kills an application.
type KillRequest struct {
	AppID string `json:"app_id"`
}

// KillReply answers KillRequest with the application's state after it.
type KillReply struct {
	Error string `json:"error,omitempty"`
	State string `json:"state"`
}

// NodesRequest lists workers.
type NodesRequest struct{}

// NodesReply lists workers.
type NodesReply struct {
	Error string `json:"error,omitempty"`
	Nodes []Node `json:"nodes"`
}

// Node is a worker as the coordinator sees it.
type Node struct {
	ID            string    `json:"id"`
	Host          string    `json:"host"`
	State         string    `json:"state"` // RUNNING or LOST
	Capacity      Resources `json:"capacity"`
	Used          Resources `json:"used"`
	Containers    int       `json:"containers"`
	LastHeartbeat time.Time `json:"last_heartbeat"`
}

// Node states.
const (
	NodeRunning = "RUNNING"
	NodeLost    = "LOST"
)

// App is an application's record: the coordinator's own fields plus what
// its job master last reported.
type App struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Queue       string    `json:"queue"`
	User        string    `json:"user"`
	State       string    `json:"state"`
	Diagnostics string    `json:"diagnostics,omitempty"` // why it failed or was killed
	SubmittedAt time.Time `json:"submitted_at"`
	FinishedAt  time.Time `json:"finished_at,omitzero"`
	BinaryHash  string    `json:"binary_hash"`
	Args        []string  `json:"args"`
	WorkDir     string    `json:"work_dir"`
	Master      Resources `json:"master"`
	Executor    Resources `json:"executor"`
	Placement   string    `json:"placement,omitempty"` // the job's own placement policy, if any
	// TaskTimeout is SubmitRequest.TaskTimeout.
	TaskTimeout time.Duration `json:"task_timeout,omitempty"`
	// Savepoint is SubmitRequest.Savepoint.
	Savepoint string `json:"savepoint,omitempty"`
	// Waiting says, while the application is not final, what it waits
	// for when it makes no progress: executors not granted, tasks in
	// backoff, a job master that stopped reporting.
	Waiting    string      `json:"waiting,omitempty"`
	Containers []Container `json:"containers"`
	// MasterAttempts counts the job master containers granted so far; a
	// job master that dies is replaced once (the new one resumes the job).
	MasterAttempts int `json:"master_attempts"`
	// WantExecutors is the executor count its job master asked for last
	// (AllocateRequest.Count), kept for a coordinator that takes over.
	WantExecutors int       `json:"want_executors,omitempty"`
	Stages        []Stage   `json:"stages,omitempty"`
	Tasks         []Attempt `json:"tasks,omitempty"`
	// TasksOmitted counts succeeded attempts the job master left out of
	// Tasks (very large jobs).
	TasksOmitted int `json:"tasks_omitted,omitempty"`
	// Stream is a streaming job's execution and checkpoints.
	Stream *StreamReport `json:"stream,omitempty"`
}

// Container is a granted container of an application.
type Container struct {
	ID        string    `json:"id"`
	WorkerID  string    `json:"worker_id"`
	Role      string    `json:"role"`
	Resources Resources `json:"resources"`
	State     string    `json:"state"` // RUNNING, EXITED, LOST, KILLED
	ExitCode  int       `json:"exit_code"`
	Error     string    `json:"error,omitempty"`    // launch failure, signal, or why it was lost
	PID       int       `json:"pid,omitempty"`      // OS process ID on its worker, once launched
	PeakRSS   int64     `json:"peak_rss,omitempty"` // highest resident memory its worker saw, bytes, once exited
}

// Container states.
const (
	ContainerRunning = "RUNNING"
	ContainerExited  = "EXITED"
	ContainerLost    = "LOST"
	ContainerKilled  = "KILLED"
	// ContainerPreempting is never a container's recorded state: it is
	// the state of a ContainerEvent telling the job master that the
	// container will be killed at the event's Deadline to give its
	// resources to a queue below its guarantee. The container stays
	// RUNNING until then; the kill arrives as a KILLED event. A job master
	// should stop giving it new work.
	ContainerPreempting = "PREEMPTING"
)

// Stage is a job master's progress report for one stage.
type Stage struct {
	ID       int     `json:"id"`
	Name     string  `json:"name"`
	Tasks    int     `json:"tasks"`
	Done     int     `json:"done"`
	Running  int     `json:"running"`
	Progress float64 `json:"progress"` // 0..1
	// Parents are the stages whose output this stage reads: the edges of
	// the job's stage graph, which the web UI draws.
	Parents []int `json:"parents,omitempty"`
}

// Attempt is one attempt of one task.
type Attempt struct {
	Task        string `json:"task"` // "s<stage>-t<index>"
	ID          string `json:"id"`   // the attempt ID, as in its executor's log
	Attempt     int    `json:"attempt"`
	ContainerID string `json:"container_id"`
	WorkerID    string `json:"worker_id"`
	State       string `json:"state"` // RUNNING, SUCCEEDED, FAILED, KILLED
	Error       string `json:"error,omitempty"`
	// Counters are the attempt's counts once it ended: records and bytes
	// read and written, checkpoints taken, bytes skipped by a restore.
	Counters map[string]int64 `json:"counters,omitempty"`
	// Started is when the job master gave the attempt to its executor;
	// Ended, once it is no longer RUNNING, when its result (or its loss)
	// reached the job master.
	Started time.Time `json:"started,omitzero"`
	Ended   time.Time `json:"ended,omitzero"`
}

// Attempt states.
const (
	AttemptRunning   = "RUNNING"
	AttemptSucceeded = "SUCCEEDED"
	AttemptFailed    = "FAILED"
	AttemptKilled    = "KILLED" // stopped: another attempt of the task committed first
)

// AllocateRequest sets how many executor containers an application wants:
// Count is the total it wants running, granted ones included. The
// coordinator grants up to it as capacity frees (FIFO across
// applications); a lower Count cancels what is still pending. Release
// names running containers the job master gives back (they are stopped).
//
// Gang asks for the executors this request adds all at once or not at
// all (a streaming job needs every task running together). Preferred
// names workers the executors would rather run on; the scheduler waits a
// few rounds for them before taking any.
type AllocateRequest struct {
	AppID     string   `json:"app_id"`
	Count     int      `json:"count"`
	Release   []string `json:"release,omitempty"`
	Gang      bool     `json:"gang,omitempty"`
	Preferred []string `json:"preferred,omitempty"`
}

// AllocateReply acknowledges an AllocateRequest. ClusterVCores is the
// total vcores of live workers, which job masters use as the default
// parallelism.
type AllocateReply struct {
	Error         string `json:"error,omitempty"`
	ClusterVCores int    `json:"cluster_vcores"`
}

// ContainerEvent tells a job master about one of its containers. With
// Container.State ContainerPreempting, Deadline is when it will be killed.
type ContainerEvent struct {
	Container Container `json:"container"`
	Deadline  time.Time `json:"deadline,omitzero"`
	// Epoch is the sending coordinator's leadership epoch: a job master
	// ignores events from an epoch older than the newest it has seen.
	Epoch uint64 `json:"epoch,omitempty"`
}

// AppReport is a job master's report: progress, attempts, and when Final
// is set its final state (StateFinished or StateFailed) and diagnostics.
type AppReport struct {
	AppID       string    `json:"app_id"`
	Stages      []Stage   `json:"stages"`
	Tasks       []Attempt `json:"tasks"`
	Final       string    `json:"final,omitempty"`
	Diagnostics string    `json:"diagnostics,omitempty"`
	// Waiting says what the job waits for when no attempt runs ("" when
	// some do).
	Waiting string `json:"waiting,omitempty"`
	// TasksOmitted counts succeeded attempts left out of Tasks to keep the
	// report under the server's max payload.
	TasksOmitted int `json:"tasks_omitted,omitempty"`
	// Stream is a streaming job's execution and checkpoints.
	Stream *StreamReport `json:"stream,omitempty"`
}
