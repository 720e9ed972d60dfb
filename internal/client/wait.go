package client

import (
	"context"
	"errors"
	"time"

	"spindle/internal/proto"
	"spindle/internal/retry"
)

// DialWait connects like Dial and then waits until a coordinator answers
// on the cluster, retrying both with backoff (retry.Default) for up to
// timeout: 0 means one Dial and no waiting for the coordinator, a
// negative timeout no limit. onRetry, if not nil, is called after each
// failed attempt that will be retried. Past the timeout the error wraps
// ErrUnreachable and says how many attempts were made for how long; if
// ctx ends first it is ctx's error.
func DialWait(ctx context.Context, url string, timeout time.Duration, onRetry func(retry.Attempt)) (*Client, error) {
	if timeout == 0 {
		return Dial(ctx, url)
	}
	var c *Client
	// A short backoff cap: a coordinator failing over answers again within
	// seconds, and a ping is cheap.
	err := retry.Do(ctx, timeout, retry.Backoff{Initial: 250 * time.Millisecond, Max: time.Second, Jitter: 0.2}, func(ctx context.Context) error {
		if c == nil {
			var err error
			if c, err = Dial(ctx, url); err != nil {
				return err
			}
		}
		return c.ping(ctx)
	}, onRetry)
	if err != nil {
		if c != nil {
			c.Close()
		}
		return nil, err
	}
	return c, nil
}

// ping asks the coordinator for its nodes: any reply, even an error,
// shows that it serves requests.
func (c *Client) ping(ctx context.Context) error {
	_, err := call[proto.NodesReply](ctx, c, proto.SubjNodes, proto.NodesRequest{})
	var answered *remoteError
	if errors.As(err, &answered) {
		return nil
	}
	return err
}
