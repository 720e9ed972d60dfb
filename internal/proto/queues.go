package proto

// QueuesRequest asks for the scheduler's queues.
type QueuesRequest struct{}

// QueuesReply lists the queues, parents before their children, and the
// cluster's placement policy.
type QueuesReply struct {
	Error     string      `json:"error,omitempty"`
	Placement string      `json:"placement"`
	Queues    []QueueInfo `json:"queues"`
}

// QueueInfo is one queue. Percentages are of the whole live cluster
// (dominant resource: the larger of the vcore and memory shares).
type QueueInfo struct {
	Name              string    `json:"name"`
	Path              string    `json:"path"` // root.prod.etl
	Leaf              bool      `json:"leaf"` // applications run in leaves only
	Ordering          string    `json:"ordering"`
	Guaranteed        float64   `json:"guaranteed"` // percent
	Maximum           float64   `json:"maximum"`    // percent
	Used              float64   `json:"used"`       // percent
	UsedResources     Resources `json:"used_resources"`
	RunningApps       int       `json:"running_apps"`
	PendingApps       int       `json:"pending_apps"` // waiting for their job master's container
	PendingContainers int       `json:"pending_containers"`
	Preempting        int       `json:"preempting"` // containers under a preemption notice
}
