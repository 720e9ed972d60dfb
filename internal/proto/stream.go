package proto

import (
	"strconv"
	"strings"
)

// Streaming jobs. A streaming job master deploys one execution (an
// epoch) at a time: every executor of the gang runs subtask Index of
// every stage. A failure anywhere ends the epoch; the next one restores
// every subtask from the last complete checkpoint.

// DeployRequest is an executor asking its streaming job master for the
// subtasks to run (request/reply on JobMasterDeploy). The job master
// holds it until the whole gang has asked, or about two seconds.
type DeployRequest struct {
	ContainerID string `json:"container_id"`
	WorkerID    string `json:"worker_id"`
	// Ended is the epoch this executor ran last, if its subtasks stopped
	// (0: none yet).
	Ended int `json:"ended,omitempty"`
}

// DeployReply gives an executor its part of an execution, or tells it to
// exit, or neither (ask again).
type DeployReply struct {
	Deployment *Deployment `json:"deployment,omitempty"`
	Exit       bool        `json:"exit,omitempty"`
}

// Deployment is one executor's part of one execution.
type Deployment struct {
	AppID       string `json:"app_id"`
	Fingerprint string `json:"fingerprint"`
	Epoch       int    `json:"epoch"`
	Index       int    `json:"index"`       // the subtask index this executor runs in every stage
	Parallelism int    `json:"parallelism"` // subtasks per stage
	// Restore is the checkpoint to restore every subtask from; nil starts
	// from scratch.
	Restore *CheckpointRef `json:"restore,omitempty"`
	// WatermarkEvery is how often sources emit watermarks, IdleAfter how
	// long a source without records waits before it declares itself idle.
	WatermarkEveryMs int64 `json:"watermark_every_ms"`
	IdleAfterMs      int64 `json:"idle_after_ms"`
}

// CheckpointRef names a complete checkpoint: its ID and where each
// subtask's snapshot lies in CheckpointBucket.
type CheckpointRef struct {
	ID      int64             `json:"id"`
	Objects map[string]string `json:"objects"` // SubtaskName → object name
	// Savepoint marks a checkpoint taken on request, kept until deleted.
	Savepoint bool `json:"savepoint,omitempty"`
}

// SubtaskName names subtask index of stage: "s<stage>-<index>".
func SubtaskName(stage, index int) string {
	return "s" + strconv.Itoa(stage) + "-" + strconv.Itoa(index)
}

// StreamObject is the object-store name of one subtask's snapshot.
func StreamObject(appID string, checkpoint int64, subtask string) string {
	return "stream." + appID + "." + strconv.FormatInt(checkpoint, 10) + "." + subtask
}

// StreamObjectPrefix is the prefix of all of an application's snapshots.
func StreamObjectPrefix(appID string) string { return "stream." + appID + "." }

// Trigger tells sources to inject barrier Checkpoint into epoch Epoch
// (publish on StreamControl). A savepoint is a checkpoint kept until
// deleted.
type Trigger struct {
	Epoch      int   `json:"epoch"`
	Checkpoint int64 `json:"checkpoint"`
	Savepoint  bool  `json:"savepoint,omitempty"`
}

// Notice tells every subtask of epoch Epoch that checkpoint Checkpoint is
// complete (sinks that commit themselves publish what it covers), or,
// with Cancel, that the epoch is over and its subtasks must stop.
type Notice struct {
	Epoch      int    `json:"epoch"`
	Checkpoint int64  `json:"checkpoint,omitempty"`
	Cancel     bool   `json:"cancel,omitempty"`
	Reason     string `json:"reason,omitempty"`
}

// Control is what a streaming job master publishes on StreamControl:
// one of a Trigger or a Notice.
type Control struct {
	Trigger *Trigger `json:"trigger,omitempty"`
	Notice  *Notice  `json:"notice,omitempty"`
}

// SubtaskEvent is a subtask's report to its job master (publish on
// JobMasterStream): an acknowledged checkpoint, the end of its input, a
// failure, or periodic metrics.
type SubtaskEvent struct {
	Epoch   int    `json:"epoch"`
	Subtask string `json:"subtask"`
	Stage   int    `json:"stage"`
	Index   int    `json:"index"`
	// Ack: the subtask's snapshot of Checkpoint is stored as Object.
	Ack        bool   `json:"ack,omitempty"`
	Checkpoint int64  `json:"checkpoint,omitempty"`
	Object     string `json:"object,omitempty"`
	Bytes      int64  `json:"bytes,omitempty"`
	SyncMs     int64  `json:"sync_ms,omitempty"` // time to snapshot and store
	AlignMs    int64  `json:"align_ms,omitempty"`
	// Staged are sink files pre-committed with this checkpoint (or, with
	// Finished, written after the last one): the job master commits them
	// when the checkpoint completes (or the job ends).
	Staged []StagedFile `json:"staged,omitempty"`
	// Finished: the subtask's input ended and everything is flushed.
	Finished bool `json:"finished,omitempty"`
	// Error: the subtask failed.
	Error string `json:"error,omitempty"`
	// Fatal: restoring cannot help (bad input at a position every restore
	// reaches again), so the job fails at once.
	Fatal bool `json:"fatal,omitempty"`
	// Metrics, cumulative for the epoch.
	Metrics *SubtaskMetrics `json:"metrics,omitempty"`
}

// SubtaskMetrics are a running subtask's figures.
type SubtaskMetrics struct {
	RecordsIn    int64   `json:"records_in"`
	RecordsOut   int64   `json:"records_out"`
	BytesOut     int64   `json:"bytes_out"`
	Busy         float64 `json:"busy"`          // fraction of the last interval spent working
	BackPressure float64 `json:"back_pressure"` // fraction of the last interval waiting for credit
	Watermark    int64   `json:"watermark"`     // ms; 0 none yet
	LateDropped  int64   `json:"late_dropped,omitempty"`
	// Source marks a source subtask: its RecordsIn are the events it read.
	Source bool `json:"source,omitempty"`
}

// StreamReport is a streaming job master's view, carried in AppReport.
type StreamReport struct {
	Epoch       int                       `json:"epoch"`
	Restarts    int                       `json:"restarts"`
	Parallelism int                       `json:"parallelism"`
	Checkpoints []CheckpointSummary       `json:"checkpoints,omitempty"` // the latest few
	Completed   int                       `json:"completed"`
	Failed      int                       `json:"failed"`
	Subtasks    map[string]SubtaskMetrics `json:"subtasks,omitempty"`
	// Restored is the checkpoint the current epoch started from.
	Restored int64 `json:"restored,omitempty"`
}

// CheckpointSummary is one checkpoint's outcome.
type CheckpointSummary struct {
	ID         int64  `json:"id"`
	State      string `json:"state"` // IN_PROGRESS, COMPLETED, FAILED
	Bytes      int64  `json:"bytes"`
	DurationMs int64  `json:"duration_ms"`
	Savepoint  bool   `json:"savepoint,omitempty"`
}

// Checkpoint states.
const (
	CheckpointInProgress = "IN_PROGRESS"
	CheckpointCompleted  = "COMPLETED"
	CheckpointFailed     = "FAILED"
)

// SavepointRequest asks a streaming job master for a savepoint
// (request/reply on JobMasterSavepoint); with Stop the job ends after it.
type SavepointRequest struct {
	Stop bool `json:"stop,omitempty"`
}

// SavepointReply names the savepoint taken.
type SavepointReply struct {
	Error string `json:"error,omitempty"`
	// Path is what submit --from-savepoint takes: "<app>/<checkpoint>".
	Path string `json:"path"`
}

// JobMasterDeploy is where executors of a streaming job ask for their
// deployment (DeployRequest → DeployReply).
func JobMasterDeploy(appID string) string { return "spindle.app." + appID + ".jm.deploy" }

// JobMasterStream is where subtasks publish SubtaskEvent values.
func JobMasterStream(appID string) string { return "spindle.app." + appID + ".jm.stream" }

// JobMasterSavepoint is where clients ask for a savepoint.
func JobMasterSavepoint(appID string) string { return "spindle.app." + appID + ".jm.savepoint" }

// StreamControl is where a streaming job master publishes Trigger and
// Notice values for its subtasks.
func StreamControl(appID string) string { return "spindle.app." + appID + ".stream.ctl" }

// StreamEdge is the subject prefix of one pipelined edge of one epoch:
// the input side of node, from its input number side.
func StreamEdge(appID string, epoch, node, side int) string {
	return "spindle.app." + appID + ".x." + strconv.Itoa(epoch) + "." + strconv.Itoa(node) + "." + strconv.Itoa(side)
}

// SavepointsBucket is the KV bucket of savepoints: key "<app>.<id>" →
// CheckpointRef JSON, kept after the application ends.
const SavepointsBucket = "spindle-savepoints"

// EnvSavepoint, when set in a job master's environment, names the
// savepoint ("<app>/<checkpoint>") a streaming job starts from.
const EnvSavepoint = "SPINDLE_FROM_SAVEPOINT"

// ValidSavepointPath reports whether path has the form of a savepoint's
// path, "<app>/<checkpoint>" with a positive checkpoint ID.
func ValidSavepointPath(path string) bool {
	app, id, ok := strings.Cut(path, "/")
	n, err := strconv.ParseInt(id, 10, 64)
	return ok && app != "" && !strings.ContainsAny(app, "/.*> ") && err == nil && n > 0
}
