package client

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"

	"spindle/internal/proto"
)

// Submit asks the coordinator to run an application and returns its ID.
// req.BinaryHash must name a binary stored with UploadBinary.
func (c *Client) Submit(ctx context.Context, req proto.SubmitRequest) (string, error) {
	// A submission is not idempotent: one that may have been received is
	// not sent again, so it waits longer for its answer (a coordinator
	// whose store stalls, a NATS node just lost, answers once the stall is
	// over). One that nobody received (no responders: the coordinators
	// are changing leaders) is sent again, for as long.
	deadline := time.Now().Add(SubmitTimeout)
	rep, err := callWithin[proto.SubmitReply](ctx, c, proto.SubjSubmit, req, SubmitTimeout)
	for errors.Is(err, nats.ErrNoResponders) && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(250 * time.Millisecond)
		rep, err = callWithin[proto.SubmitReply](ctx, c, proto.SubjSubmit, req, time.Until(deadline))
	}
	if err != nil {
		return "", fmt.Errorf("submit: %w", err)
	}
	return rep.AppID, nil
}

// Apps lists the coordinator's applications, newest first.
func (c *Client) Apps(ctx context.Context) ([]proto.App, error) {
	rep, err := call[proto.AppsReply](ctx, c, proto.SubjApps, proto.AppsRequest{})
	return rep.Apps, err
}

// Status returns one application. An application the coordinator does
// not know gives an error matching ErrUnknownApp.
func (c *Client) Status(ctx context.Context, appID string) (proto.App, error) {
	rep, err := call[proto.StatusReply](ctx, c, proto.SubjStatus, proto.StatusRequest{AppID: appID})
	return rep.App, err
}

// Kill kills an application and returns its state after the kill (the
// state it ended in if it had already ended).
func (c *Client) Kill(ctx context.Context, appID string) (string, error) {
	rep, err := call[proto.KillReply](ctx, c, proto.SubjKill, proto.KillRequest{AppID: appID})
	return rep.State, err
}

// Nodes lists the workers the coordinator knows, lost ones included.
func (c *Client) Nodes(ctx context.Context) ([]proto.Node, error) {
	rep, err := call[proto.NodesReply](ctx, c, proto.SubjNodes, proto.NodesRequest{})
	return rep.Nodes, err
}

// Polling of Wait.
const (
	PollInterval = 200 * time.Millisecond
	// WaitGrace is how long Wait tolerates failing status requests (a
	// coordinator restarting or failing over) before it gives up.
	WaitGrace = 15 * time.Second
)

// Wait polls Status every PollInterval, and at once when the coordinator
// announces a final state (proto.AppState), until the application's state
// is final and returns it. onUpdate, if not nil, is called with every
// status received, the final one included, from Wait's goroutine. Wait
// returns early with ctx's error, or with the status error once requests
// have failed for WaitGrace or the application is unknown.
func (c *Client) Wait(ctx context.Context, appID string, onUpdate func(proto.App)) (proto.App, error) {
	tick := time.NewTicker(PollInterval)
	defer tick.Stop()
	// An announcement dropped here is made up for by the poll. Dropped by
	// the callback, not by a full channel subscription, which nats.go
	// reports as a slow consumer on stderr.
	ended := make(chan struct{}, 1)
	if sub, err := c.nc.Subscribe(proto.AppState(appID), func(*nats.Msg) {
		select {
		case ended <- struct{}{}:
		default:
		}
	}); err == nil {
		defer sub.Unsubscribe()
	}
	var failingSince time.Time
	for {
		app, err := c.Status(ctx, appID)
		switch {
		case err == nil:
			failingSince = time.Time{}
			if onUpdate != nil {
				onUpdate(app)
			}
			if proto.Final(app.State) {
				return app, nil
			}
		case ctx.Err() != nil:
			return app, ctx.Err()
		case errors.Is(err, ErrUnknownApp):
			return app, err
		case failingSince.IsZero():
			failingSince = time.Now()
		case time.Since(failingSince) > WaitGrace:
			return app, err
		}
		select {
		case <-ctx.Done():
			return app, ctx.Err()
		case <-tick.C:
		case <-ended:
		}
	}
}

// Queues lists the scheduler's queues, parents first, and returns the
// cluster's placement policy.
func (c *Client) Queues(ctx context.Context) ([]proto.QueueInfo, string, error) {
	rep, err := call[proto.QueuesReply](ctx, c, proto.SubjQueues, proto.QueuesRequest{})
	return rep.Queues, rep.Placement, err
}
