package evtime

// Action tells the input loop what to do after an [Aligner] event. Apply the
// parts in this order: Aborted, then Complete or Block.
type Action struct {
	// Block is a channel to stop reading until the checkpoint completes or
	// is aborted, or -1.
	Block int
	// Complete: barriers of checkpoint ID arrived from every live channel.
	// Snapshot state now, forward barrier ID downstream, unblock all.
	Complete bool
	// ID is the checkpoint being aligned or completed, or 0.
	ID int64
	// Aborted is a checkpoint abandoned by this event, or 0. Unblock every
	// channel and report the abort (Flink declines it as subsumed).
	Aborted int64
}

// None reports whether the action asks for nothing.
func (a Action) None() bool { return a.Block < 0 && !a.Complete && a.Aborted == 0 }

var noAction = Action{Block: -1}

// Aligner is the bookkeeping of aligned, exactly-once checkpoint barriers
// (Chandy-Lamport), as Flink's SingleCheckpointBarrierHandler does it:
//
//   - The first barrier of a checkpoint starts the alignment. Each channel
//     that delivers the barrier is blocked until barriers have come from all
//     live channels; then the checkpoint completes.
//   - A barrier with a newer ID while one is being aligned abandons the older
//     checkpoint (Aborted) and starts aligning the newer one.
//   - Barriers with an ID older than the newest seen, repeated barriers, and
//     barriers of a checkpoint already completed or aborted are ignored.
//   - Ended channels are not waited for (Flink after FLIP-147); if the last
//     channel waited for ends, the checkpoint completes.
//
// Checkpoint IDs are positive and rise, as Flink's; barriers with ID <= 0 are
// ignored. An Aligner is a thread-unsafe value owned by the task's input
// loop. Methods panic on a channel index out of range.
type Aligner struct {
	ended   []bool
	seen    []bool // delivered the pending checkpoint's barrier
	live    int    // channels not ended
	waiting int    // live channels still owing the pending barrier
	pending int64  // checkpoint being aligned, or 0
	latest  int64  // newest checkpoint ID seen
}

// NewAligner returns an aligner for channels input channels. It panics if
// channels < 1.
func NewAligner(channels int) *Aligner {
	if channels < 1 {
		panic("evtime: NewAligner needs at least one channel")
	}
	return &Aligner{ended: make([]bool, channels), seen: make([]bool, channels), live: channels}
}

// OnBarrier handles channel ch delivering the barrier of checkpoint id.
func (a *Aligner) OnBarrier(ch int, id int64) Action {
	if a.ended[ch] || id <= 0 || id < a.latest {
		return noAction
	}
	act := noAction
	if id > a.latest {
		act.Aborted = a.abandon()
		a.pending, a.latest, a.waiting = id, id, a.live
	}
	if a.pending != id || a.seen[ch] {
		return act
	}
	a.seen[ch] = true
	a.waiting--
	act.ID = id
	if a.waiting == 0 {
		act.Complete = true
		a.reset()
		return act
	}
	act.Block = ch
	return act
}

// OnEnd handles channel ch reaching end of input. It completes the pending
// checkpoint if ch was the last channel waited for.
func (a *Aligner) OnEnd(ch int) Action {
	if a.ended[ch] {
		return noAction
	}
	a.ended[ch] = true
	a.live--
	if a.pending == 0 {
		return noAction
	}
	if a.seen[ch] {
		a.seen[ch] = false
		return Action{Block: -1, ID: a.pending}
	}
	a.waiting--
	if a.waiting > 0 {
		return Action{Block: -1, ID: a.pending}
	}
	act := Action{Block: -1, Complete: true, ID: a.pending}
	a.reset()
	return act
}

// Cancel abandons checkpoint id, as for Flink's CancelCheckpointMarker or
// an alignment timeout: later barriers of id, and of older checkpoints, are
// ignored. If a checkpoint not newer than id is being aligned, it is
// reported as Aborted.
func (a *Aligner) Cancel(id int64) Action {
	if id <= 0 || id < a.pending || (a.pending == 0 && id <= a.latest) {
		return noAction
	}
	a.latest = max(a.latest, id)
	return Action{Block: -1, Aborted: a.abandon()}
}

// Pending returns the checkpoint being aligned, if any.
func (a *Aligner) Pending() (id int64, ok bool) { return a.pending, a.pending != 0 }

// Blocked reports whether channel ch is blocked by the pending checkpoint.
func (a *Aligner) Blocked(ch int) bool { return a.seen[ch] }

// abandon drops the pending checkpoint and returns its ID, or 0.
func (a *Aligner) abandon() int64 {
	id := a.pending
	a.reset()
	return id
}

func (a *Aligner) reset() {
	a.pending, a.waiting = 0, 0
	clear(a.seen)
}
