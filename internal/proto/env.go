package proto

import (
	"os"
	"strconv"
)

// Environment variables a worker sets for every container it launches. A
// job binary started without SPINDLE_ROLE is in the client role.
const (
	EnvRole        = "SPINDLE_ROLE"         // RoleJobMaster, RoleExecutor or RoleDescribe
	EnvNATSURL     = "SPINDLE_NATS_URL"     // the cluster's NATS URL
	EnvAppID       = "SPINDLE_APP_ID"       // application ID
	EnvContainerID = "SPINDLE_CONTAINER_ID" // container ID
	EnvWorkerID    = "SPINDLE_WORKER_ID"    // worker running the container
	EnvMemoryBytes = "SPINDLE_MEMORY_BYTES" // the container's memory grant, in bytes
	EnvVCores      = "SPINDLE_VCORES"       // the container's vcore grant
	EnvLocalDir    = "SPINDLE_LOCAL_DIR"    // a directory on the worker's disk for the container's local state
	// EnvConnectTimeout is how long a container keeps trying to reach
	// NATS at start, as a Go duration ("5m0s"): the worker's
	// --connect-timeout. "0s" means one attempt, a negative duration no
	// limit.
	EnvConnectTimeout = "SPINDLE_CONNECT_TIMEOUT"
	// EnvReplicas is how many copies JetStream keeps of what the
	// container stores (shuffle streams, checkpoints, job progress): the
	// coordinator's --replicas, 3 on a three-node NATS cluster, so that a
	// job survives the loss of a node. Unset means 1.
	EnvReplicas = "SPINDLE_REPLICAS"
)

// Replicas is EnvReplicas of this process, 1 if unset or bad.
func Replicas() int {
	n, err := strconv.Atoi(os.Getenv(EnvReplicas))
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// Roles of a job binary.
const (
	RoleJobMaster = "jobmaster"
	RoleExecutor  = "executor"
	// RoleDescribe makes a job binary parse its flags, build its graph and
	// print a Description as JSON on stdout, then exit: 0 if the job is
	// valid, 2 with a one-line reason on stderr if not. The CLI uses it to
	// tell a job binary from any other file and to refuse bad job
	// arguments before submitting.
	RoleDescribe = "describe"
)

// DescribeMagic starts the stdout of a job binary in RoleDescribe, so that
// the CLI can tell a Spindle job from an arbitrary program.
const DescribeMagic = "spindle-job-v1 "
