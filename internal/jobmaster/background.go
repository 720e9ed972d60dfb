package jobmaster

import (
	"context"
	"sync"
	"time"

	"spindle/internal/proto"
)

// Timing of the shell's conversations with the coordinator.
const (
	// allocEvery is how often the job master repeats its executor request
	// while the job runs. The request is idempotent (a wanted total), so
	// repeating it costs nothing and mends a lost request or a grant
	// that never came (a coordinator restarted, a reply dropped).
	allocEvery = 5 * time.Second
	// resyncEvery is how often the job master compares its executors
	// with the coordinator's record, and so learns of container events it
	// missed; it also re-syncs at once when an event was dropped.
	resyncEvery = 10 * time.Second
	bgTimeout   = 5 * time.Second // one background request
)

// background runs the shell's requests to the coordinator off the loop,
// one of each kind at a time, so that a slow or absent coordinator never
// blocks the executors' requests. A request's outcome comes back through
// results as a function for the loop to run.
type background struct {
	results chan func()
	stop    chan struct{}
	busy    map[string]bool // kinds in flight; touched by the loop only
	wg      sync.WaitGroup
	once    sync.Once
}

func newBackground() background {
	return background{results: make(chan func(), 4), stop: make(chan struct{}), busy: map[string]bool{}}
}

// run starts fn unless a request of the same kind is in flight; it
// reports whether it did. The function fn returns runs in the loop.
func (b *background) run(kind string, fn func(ctx context.Context) func()) bool {
	if b.busy[kind] {
		return false
	}
	b.busy[kind] = true
	b.wg.Go(func() {
		ctx, cancel := context.WithTimeout(context.Background(), bgTimeout)
		defer cancel()
		apply := fn(ctx)
		select {
		case b.results <- func() { b.busy[kind] = false; apply() }:
		case <-b.stop:
		}
	})
	return true
}

// wait stops delivering results and waits for the requests in flight.
func (b *background) wait() {
	b.once.Do(func() { close(b.stop) })
	b.wg.Wait()
}

// allocation is what the job master asked the coordinator for.
type allocation struct {
	want    int       // executors the job can use at most
	asked   int       // the count last sent
	at      time.Time // when it was sent
	release []string  // containers to give back with the next request
}

// wanted is how many executors to ask for now (see executors).
func (m *master) wanted() int { return executors(m.alloc.want, m.state.Remaining()) }

// executors is how many executors a job that can use want of them asks
// for with remaining tasks left: no more than either, and never zero, so
// that no job waits for executors it never asked for.
func executors(want, remaining int) int { return max(min(want, remaining), 1) }

// allocate sends the executor request again when it changed, when
// containers are to be given back, or every allocEvery.
func (m *master) allocate(now time.Time) {
	a := &m.alloc
	n := m.wanted()
	if n == a.asked && len(a.release) == 0 && now.Sub(a.at) < allocEvery {
		return
	}
	req := proto.AllocateRequest{AppID: m.cfg.AppID, Count: n, Release: a.release}
	started := m.bg.run("allocate", func(ctx context.Context) func() {
		var rep proto.AllocateReply
		err := request(ctx, m.cfg.NC, proto.SubjAllocate, req, &rep)
		return func() {
			if err != nil {
				m.cfg.Logger.Warn("executor request not delivered; will ask again", "count", req.Count, "err", err)
				a.at = time.Time{}
				a.release = append(a.release, req.Release...)
			}
		}
	})
	if started {
		a.asked, a.at, a.release = n, now, nil
	}
}

// resync asks the coordinator for the application's containers every
// resyncEvery, or at once when a container event was dropped, and takes
// every executor it no longer runs as lost: no lost event can leave a
// task waiting forever for a dead container.
func (m *master) resync(now time.Time) {
	s := &m.sync
	dropped, _ := m.eventSub.Dropped()
	if dropped == s.dropped && now.Sub(s.at) < resyncEvery {
		return
	}
	if dropped != s.dropped {
		m.cfg.Logger.Warn("container events dropped; re-syncing with the coordinator", "dropped", dropped-s.dropped)
	}
	started := m.bg.run("resync", func(ctx context.Context) func() {
		var rep proto.StatusReply
		err := request(ctx, m.cfg.NC, proto.SubjStatus, proto.StatusRequest{AppID: m.cfg.AppID}, &rep)
		return func() {
			if err != nil {
				m.cfg.Logger.Warn("re-sync with the coordinator", "err", err)
				s.at = time.Time{}
				return
			}
			m.applyResync(rep.App)
		}
	})
	if started {
		s.dropped, s.at = dropped, now
	}
}

// resync is when the job master last compared notes with the coordinator.
type resync struct {
	dropped int // container events dropped so far, as of the last re-sync
	at      time.Time
}

// applyResync takes the executors the coordinator no longer runs as lost.
func (m *master) applyResync(app proto.App) {
	now := time.Now()
	for _, c := range app.Containers {
		if c.Role == proto.RoleExecutor && c.State != proto.ContainerRunning && m.state.Known(c.ID) {
			m.cfg.Logger.Warn("container gone without an event", "container", c.ID, "state", c.State)
			m.state.ContainerLost(now, c.ID, containerGone(c))
		}
	}
}

// checkLiveness declares lost the containers of attempts that stopped
// reporting progress, and gives them back to the coordinator.
func (m *master) checkLiveness(now time.Time) {
	m.drainProgress()
	for _, st := range m.state.Stalled(now, m.taskTimeout) {
		m.cfg.Logger.Warn("attempt stalled", "attempt", st.AttemptID, "container", st.ContainerID, "silent", st.Silent.Round(time.Second))
		m.state.ContainerLost(now, st.ContainerID, st.Reason())
		m.alloc.release = append(m.alloc.release, st.ContainerID)
	}
}

// drainProgress takes the progress reports already queued, so that a
// loop that was busy does not mistake its own backlog for silence.
func (m *master) drainProgress() {
	for {
		select {
		case msg := <-m.prog:
			m.onProgress(msg)
		default:
			return
		}
	}
}
