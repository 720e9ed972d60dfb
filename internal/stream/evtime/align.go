package evtime

// Aligner is aligned barrier bookkeeping for a task with n input
// channels (Flink's aligned checkpoints, exactly-once): a channel that
// delivered the barrier of the checkpoint in progress is blocked until
// every live channel delivered it; then the task snapshots and unblocks
// all. A newer barrier abandons the checkpoint in progress; an older one
// is ignored. Ended channels are not waited for.
type Aligner struct {
	seen  []bool
	ended []bool
	id    int64 // in progress, 0 none
	last  int64 // the newest checkpoint completed or abandoned
}

// Action is what the task must do after a barrier or an end: block a
// channel (Block ≥ 0), and with Complete snapshot checkpoint ID, forward
// its barrier and unblock every channel. Aborted names a checkpoint given
// up (0 none).
type Action struct {
	Block    int
	Complete bool
	ID       int64
	Aborted  int64
}

// NewAligner returns an aligner of n channels.
func NewAligner(n int) *Aligner {
	return &Aligner{seen: make([]bool, n), ended: make([]bool, n)}
}

// OnBarrier takes barrier id from channel ch.
func (a *Aligner) OnBarrier(ch int, id int64) Action {
	act := Action{Block: -1}
	if id <= a.last || (a.id != 0 && id < a.id) {
		return act
	}
	if a.id != 0 && id > a.id {
		act.Aborted = a.id
		a.last = a.id
		clear(a.seen)
		a.id = 0
	}
	a.id = id
	a.seen[ch] = true
	act.ID = id
	if a.done() {
		return a.complete(act)
	}
	act.Block = ch
	return act
}

// OnEnd takes the end of channel ch.
func (a *Aligner) OnEnd(ch int) Action {
	a.ended[ch] = true
	act := Action{Block: -1, ID: a.id}
	if a.id != 0 && a.done() {
		return a.complete(act)
	}
	return act
}

// Pending is the checkpoint being aligned.
func (a *Aligner) Pending() (int64, bool) { return a.id, a.id != 0 }

func (a *Aligner) done() bool {
	for i := range a.seen {
		if !a.seen[i] && !a.ended[i] {
			return false
		}
	}
	return true
}

func (a *Aligner) complete(act Action) Action {
	act.Complete, act.Block = true, -1
	a.last, a.id = a.id, 0
	clear(a.seen)
	return act
}
