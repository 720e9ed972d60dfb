package rpc

import (
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"
)

// LogAsyncErrors makes a connection log the errors nats.go reports
// outside any call, above all a slow consumer: a subscription whose
// pending messages passed its limit, so that the client dropped some.
// Logging is the visible half of the overflow path; the other half is each
// role's re-sync (the job master compares its executors with the
// coordinator's record, the coordinator reconciles heartbeats), which
// makes up for what was dropped.
func LogAsyncErrors(log *slog.Logger) nats.Option {
	return nats.ErrorHandler(func(_ *nats.Conn, sub *nats.Subscription, err error) {
		if sub == nil {
			log.Warn("nats", "err", err)
			return
		}
		dropped, _ := sub.Dropped()
		log.Warn("nats subscription", "subject", sub.Subject, "dropped", dropped, "err", err)
	})
}

// Failover makes a connection notice within about three seconds that its
// NATS server stopped answering (frozen, or cut off without the TCP
// connection closing), so that it reconnects to another node of the
// cluster: the client's default, two minutes, would outlast a worker's
// heartbeat timeout many times over.
func Failover() nats.Option {
	return func(o *nats.Options) error {
		o.PingInterval = time.Second
		o.MaxPingsOut = 3
		return nil
	}
}
