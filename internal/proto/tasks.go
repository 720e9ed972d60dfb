package proto

// NextRequest is an executor asking its job master for work, reporting
// the result of its previous task if it had one. A job master holds the
// request until it has a task (or until about Wait elapses, then answers
// with neither Task nor Exit).
type NextRequest struct {
	ContainerID string      `json:"container_id"`
	WorkerID    string      `json:"worker_id"`
	Result      *TaskResult `json:"result,omitempty"`
}

// NextReply gives an executor a task, or tells it to exit.
type NextReply struct {
	Task *TaskSpec `json:"task,omitempty"`
	Exit bool      `json:"exit,omitempty"`
}

// TaskSpec is one task attempt, everything an executor needs to run it.
type TaskSpec struct {
	AppID       string `json:"app_id"`
	Fingerprint string `json:"fingerprint"` // of the plan; a mismatch is an error
	Stage       int    `json:"stage"`
	Index       int    `json:"index"`   // the task's index within its stage
	Attempt     int    `json:"attempt"` // 1, 2, …
	AttemptID   string `json:"attempt_id"`
	// Split is the input of a source stage's task.
	Split *Split `json:"split,omitempty"`
	// Inputs are the shuffle partitions a shuffle stage's task reads: the
	// partition Index of each shuffle, from the committed producers only.
	Inputs []ShuffleInput `json:"inputs,omitempty"`
	// Outputs gives, for each shuffle the stage writes, its partition count.
	Outputs []ShuffleOutput `json:"outputs,omitempty"`
	// Fresh tells the attempt not to resume from a checkpoint: the task's
	// earlier output was found lost or corrupt, and a checkpoint would
	// take it over again.
	Fresh bool `json:"fresh,omitempty"`
}

// Split is a byte range of one input file.
type Split struct {
	Path   string `json:"path"`
	Start  int64  `json:"start"`
	Length int64  `json:"length"`
}

// ShuffleInput names one shuffle and the producer attempts whose data is
// committed.
type ShuffleInput struct {
	Shuffle   int      `json:"shuffle"`   // node ID of the shuffle
	Producers []string `json:"producers"` // committed attempt IDs
	// Broadcast says the input is a broadcast, read whole (its one
	// partition) by every task, beside the stage's main input.
	Broadcast bool `json:"broadcast,omitempty"`
	// Stage is the stage whose tasks the producers are: a shuffle written
	// by several stages (the sides of a join) has one input per stage.
	Stage int `json:"stage"`
	// Prefixes are batches of earlier attempts that a committed producer
	// took over when it restored their checkpoint: in this partition, the
	// batches of Attempt numbered 1 to Count.
	Prefixes []PartPrefix `json:"prefixes,omitempty"`
}

// PartPrefix is the first Count batches of Attempt in one partition.
type PartPrefix struct {
	Attempt string `json:"attempt"`
	Count   int    `json:"count"`
}

// Prefix is what an attempt published to one shuffle before a checkpoint:
// Counts[p] batches in partition p.
type Prefix struct {
	Attempt string `json:"attempt"`
	Shuffle int    `json:"shuffle"`
	Counts  []int  `json:"counts"`
}

// ShuffleOutput is one shuffle a task writes.
type ShuffleOutput struct {
	Shuffle    int `json:"shuffle"`
	Partitions int `json:"partitions"`
}

// TaskResult is how an attempt ended.
type TaskResult struct {
	AttemptID string `json:"attempt_id"`
	Error     string `json:"error,omitempty"`
	// Fatal marks an error no retry can mend (the executor built another
	// pipeline than the job master): the job fails at once.
	Fatal bool `json:"fatal,omitempty"`
	// Staged lists files the attempt wrote under a staging name, for the
	// job master to commit.
	Staged []StagedFile `json:"staged,omitempty"`
	// Counters are the attempt's record and byte counts.
	Counters map[string]int64 `json:"counters,omitempty"`
	// Prefixes are the shuffle batches of earlier attempts that this one
	// took over from a checkpoint; they are part of its output.
	Prefixes []Prefix `json:"prefixes,omitempty"`
	// LostInputs names the producer attempts whose shuffle data this
	// attempt found missing, duplicated beyond repair or corrupt. The
	// attempt failed through no fault of its own: the job master runs
	// those producers again, then this task.
	LostInputs []string `json:"lost_inputs,omitempty"`
}

// StagedFile is a sink file written under Temp, to be renamed to Final
// when its attempt commits.
type StagedFile struct {
	Temp  string `json:"temp"`
	Final string `json:"final"`
}

// TaskProgress is an executor's periodic report on a running attempt.
type TaskProgress struct {
	AttemptID string  `json:"attempt_id"`
	Fraction  float64 `json:"fraction"` // 0..1
}

// TaskCancel asks an executor to stop a running attempt; it reports the
// attempt as failed with the reason.
type TaskCancel struct {
	AttemptID string `json:"attempt_id"`
	Reason    string `json:"reason"`
}
