package jobmaster

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"

	"spindle/internal/proto"
	"spindle/internal/retry"
	"spindle/internal/rpc"
)

// failoverTimeout is how long a job master keeps trying to deliver its
// final report: long enough for a standby coordinator to take over (a
// NATS stream leader election alone may take 9 s).
const failoverTimeout = 2 * time.Minute

// reportFinal delivers the final report, retrying through a coordinator
// failover (no responders, timeouts). A coordinator that answered with an
// error has decided: that is not retried.
func reportFinal(ctx context.Context, nc *nats.Conn, final proto.AppReport, log *slog.Logger) error {
	var remote error
	err := retry.Do(ctx, failoverTimeout, retry.Default, func(ctx context.Context) error {
		err := request(ctx, nc, proto.SubjReport, final, &proto.Ack{})
		if _, ok := errors.AsType[*rpc.RemoteError](err); ok {
			remote = err
			return nil
		}
		return err
	}, func(a retry.Attempt) {
		log.Warn("final report not delivered; retrying", "attempt", a.N, "err", a.Err, "wait", a.Wait)
	})
	if remote != nil {
		return remote
	}
	return err
}

// epochs is the newest coordinator leadership epoch a job master has
// seen in container events. An event from an older epoch comes from a
// deposed coordinator that has not noticed yet, and is ignored.
type epochs struct{ seen uint64 }

// see records epoch; stale reports an event to ignore, and changed a new
// leader after another (the job master compares notes with it, for the
// events lost in the handover). Epoch 0 takes no part in fencing.
func (e *epochs) see(epoch uint64) (stale, changed bool) {
	switch {
	case epoch == 0 || epoch == e.seen:
		return false, false
	case epoch < e.seen:
		return true, false
	}
	changed = e.seen != 0
	e.seen = epoch
	return false, changed
}
