package proto

import "strconv"

// Subjects served by the coordinator. All are request/reply unless noted.
const (
	SubjRegister  = "spindle.coord.register"  // worker → coord: RegisterRequest → RegisterReply
	SubjHeartbeat = "spindle.coord.heartbeat" // worker → coord, publish: Heartbeat
	SubjExit      = "spindle.coord.exit"      // worker → coord, publish: ContainerExit
	SubjSubmit    = "spindle.coord.submit"    // client → coord: SubmitRequest → SubmitReply
	SubjApps      = "spindle.coord.apps"      // client → coord: AppsRequest → AppsReply
	SubjStatus    = "spindle.coord.status"    // client → coord: StatusRequest → StatusReply
	SubjKill      = "spindle.coord.kill"      // client → coord: KillRequest → KillReply
	SubjNodes     = "spindle.coord.nodes"     // client → coord: NodesRequest → NodesReply
	SubjAllocate  = "spindle.coord.allocate"  // job master → coord: AllocateRequest → AllocateReply
	SubjReport    = "spindle.coord.report"    // job master → coord: AppReport → Ack
	SubjQueues    = "spindle.coord.queues"    // client → coord: QueuesRequest → QueuesReply
)

// SubjCoordStarted is where a coordinator announces, once it serves the
// subjects above, that it has started (publish, empty body). A worker
// registers at once when it sees it: a restarted coordinator knows no
// workers, and ignores the heartbeats of workers it does not know.
const SubjCoordStarted = "spindle.coord.started"

// SubjCoordinators is where every coordinator, leader or standby,
// answers a CoordinatorsRequest with its CoordinatorInfo (request with
// many replies: gather them for a moment).
const SubjCoordinators = "spindle.coordinators"

// LeaseBucket is the KV bucket of the coordinators' leader election, and
// LeaseKey its key.
const (
	LeaseBucket = "spindle-leases"
	LeaseKey    = "coordinator"
)

// Object store bucket holding job binaries, named by the hex SHA-256 of
// their content.
const BinaryBucket = "spindle-binaries"

// CheckpointBucket is the object store bucket holding task checkpoints,
// named by CheckpointName.
const CheckpointBucket = "spindle-checkpoints"

// CheckpointName names the latest checkpoint of one task.
func CheckpointName(appID string, stage, index int) string {
	return appID + ".s" + itoa(stage) + "-t" + itoa(index)
}

func itoa(n int) string { return strconv.Itoa(n) }

// LogsBucket is the object store bucket where workers keep the logs of
// exited containers, named by LogName, so that they outlive the worker.
const LogsBucket = "spindle-logs"

// LogName names a container's collected logs (a JSON ContainerLog).
func LogName(appID, containerID string) string { return appID + "." + containerID }

// JobsBucket is the KV bucket where job masters keep their progress, by
// application ID, for the next job master attempt.
const JobsBucket = "spindle-jobs"

// KV buckets of the coordinator's state.
const (
	AppsBucket  = "spindle-apps"
	NodesBucket = "spindle-nodes"
)

// WorkerLaunch is where the coordinator sends a LaunchRequest to a worker
// (request/reply, Ack).
func WorkerLaunch(workerID string) string { return "spindle.worker." + workerID + ".launch" }

// WorkerStop is where the coordinator sends a StopRequest (request/reply, Ack).
func WorkerStop(workerID string) string { return "spindle.worker." + workerID + ".stop" }

// WorkerLogs is where a client asks a worker for container logs
// (LogsRequest → LogsReply).
func WorkerLogs(workerID string) string { return "spindle.worker." + workerID + ".logs" }

// AppEvents is where the coordinator publishes ContainerEvent values for an
// application's job master (publish).
func AppEvents(appID string) string { return "spindle.app." + appID + ".events" }

// AppState is where the coordinator announces that an application
// reached a final state (publish, an empty message): a client waiting for
// it asks for its status at once instead of at its next poll.
func AppState(appID string) string { return "spindle.app." + appID + ".state" }

// JobMasterNext is where executors ask the job master for work
// (NextRequest → NextReply).
func JobMasterNext(appID string) string { return "spindle.app." + appID + ".jm.next" }

// JobMasterProgress is where executors publish TaskProgress (publish).
func JobMasterProgress(appID string) string { return "spindle.app." + appID + ".jm.progress" }

// ShuffleStream names the JetStream stream that holds one application's
// shuffle data; ShuffleSubject is the subject of one partition of one
// shuffle inside it.
func ShuffleStream(appID string) string { return "SHUFFLE_" + appID }

// ShuffleSubjects is the subject filter of ShuffleStream.
func ShuffleSubjects(appID string) string { return "spindle.shuffle." + appID + ".>" }

// ExecutorCancel is where a job master tells an executor to stop an
// attempt (publish: TaskCancel).
func ExecutorCancel(appID, containerID string) string {
	return "spindle.app." + appID + ".exec." + containerID + ".cancel"
}
