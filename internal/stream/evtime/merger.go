package evtime

// channelState is the watermark status of one input channel.
type channelState uint8

const (
	active channelState = iota
	idle
	ended
)

// Merger works out the watermark of a task with several input channels,
// following Flink's StatusWatermarkValve:
//
//   - The merged watermark is the minimum over the active channels that
//     are aligned, that is whose watermark has caught up with the merged
//     watermark. A channel that comes back from idleness behind the merged
//     watermark does not pull it back; it rejoins once it catches up, and its
//     records until then may be late (Flink's documented price of idleness).
//   - A watermark arriving on an idle channel makes it active again first.
//     Flink's valve drops such a watermark, but Flink's emitters always send
//     an active status before a watermark, so under Flink's protocol the two
//     agree; reactivating keeps a sender that skips the status from stalling.
//   - When every channel that has not ended is idle, the merger is idle
//     ([Merger.AllIdle]) and the watermark is flushed to the maximum of those
//     channels' last watermarks (FLINK-7728).
//   - Per-channel watermarks never go backwards; regressions are ignored.
//     The merged watermark never decreases.
//
// The merged watermark is worked out again after every event, which is what
// Flink gets after fixing FLINK-40475 (a reactivated channel that is the only
// aligned one now advances the watermark at once).
//
// Ended channels ([Merger.End]) count as MaxTime: they never hold the
// watermark back. Departure from Flink: an ended channel is left out
// altogether rather than counted as an active channel at MaxTime, so when
// every live channel is idle the merger is idle with the idle flush above,
// and MaxTime (end of input) comes out only once every channel has ended or
// sent MaxTime itself. In Flink, one finished input and the rest idle push
// the watermark to Long.MAX_VALUE and fire everything early (FLINK-38477;
// its proposed fix, a FINISHED status, has these rules).
//
// A Merger is a thread-unsafe value owned by the task's input loop. Every
// method costs O(channels). Methods panic on a channel index out of range.
type Merger struct {
	wm      []int64
	state   []channelState
	out     int64
	allIdle bool
}

// NewMerger returns a merger for channels input channels, all active at
// MinTime. It panics if channels < 1.
func NewMerger(channels int) *Merger {
	if channels < 1 {
		panic("evtime: NewMerger needs at least one channel")
	}
	m := &Merger{wm: make([]int64, channels), state: make([]channelState, channels), out: MinTime}
	for i := range m.wm {
		m.wm[i] = MinTime
	}
	return m
}

// Advance records watermark wm on channel ch, making an idle channel
// active again. It returns the merged watermark and whether this call raised
// it. A watermark not above the channel's last is a regression and only
// reactivates; ended channels ignore it.
func (m *Merger) Advance(ch int, wm int64) (out int64, advanced bool) {
	if m.state[ch] == ended || (m.state[ch] == active && wm <= m.wm[ch]) {
		return m.out, false
	}
	m.state[ch] = active
	m.wm[ch] = max(m.wm[ch], wm)
	return m.update()
}

// SetIdle marks channel ch idle or active again. It returns the merged
// watermark and whether it rose: a channel going idle may release the
// minimum. Compare [Merger.AllIdle] before and after to see whether the
// merger's own status changed. Ended channels ignore it.
func (m *Merger) SetIdle(ch int, isIdle bool) (out int64, advanced bool) {
	want := active
	if isIdle {
		want = idle
	}
	if m.state[ch] == ended || m.state[ch] == want {
		return m.out, false
	}
	m.state[ch] = want
	return m.update()
}

// End marks channel ch as finished: it no longer holds the watermark back.
// When the last channel ends the merged watermark becomes MaxTime.
func (m *Merger) End(ch int) (out int64, advanced bool) {
	if m.state[ch] == ended {
		return m.out, false
	}
	m.state[ch], m.wm[ch] = ended, MaxTime
	return m.update()
}

// Current returns the merged watermark.
func (m *Merger) Current() int64 { return m.out }

// AllIdle reports whether the merger is idle: at least one channel has not
// ended and every such channel is idle. A merger whose channels have all
// ended is not idle; its watermark is MaxTime.
func (m *Merger) AllIdle() bool { return m.allIdle }

func (m *Merger) update() (int64, bool) {
	prev := m.out
	m.recompute()
	return m.out, m.out > prev
}

// recompute applies the rules in the type's comment to the channels' state.
func (m *Merger) recompute() {
	minAligned, maxLive := int64(MaxTime), int64(MinTime)
	var live, anyActive, anyAligned bool
	for i, w := range m.wm {
		switch m.state[i] {
		case ended:
			continue
		case active:
			anyActive = true
			if w >= m.out {
				anyAligned = true
				minAligned = min(minAligned, w)
			}
		}
		live = true
		maxLive = max(maxLive, w)
	}
	m.allIdle = live && !anyActive
	switch {
	case !live:
		m.out = MaxTime
	case anyAligned:
		m.out = max(m.out, minAligned)
	case m.allIdle:
		m.out = max(m.out, maxLive)
	}
}
