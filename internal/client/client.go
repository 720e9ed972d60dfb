package client

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"

	"spindle/internal/rpc"
)

// Timeouts of the client.
const (
	DialTimeout    = 3 * time.Second // connecting to NATS
	RequestTimeout = 5 * time.Second // one request to the coordinator
	SubmitTimeout  = 30 * time.Second
)

var (
	// ErrUnreachable is returned by Dial when no NATS server answers at
	// the URL, and by requests when no coordinator answers on NATS. Its
	// text is the start of the message the CLI shows.
	ErrUnreachable = errors.New("cannot reach coordinator")
	// ErrUnknownApp is matched (errors.Is) by the error of a request about
	// an application the coordinator does not know.
	ErrUnknownApp = errors.New("client: unknown application")
)

// Client talks to one Spindle cluster.
type Client struct {
	url string
	nc  *nats.Conn
}

// Dial connects to the cluster's NATS at url, failing within about
// DialTimeout with an error wrapping ErrUnreachable. ctx is checked before
// dialing only; the dial itself is bounded by DialTimeout.
func Dial(ctx context.Context, url string) (*Client, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%w at %s: %v", ErrUnreachable, url, err)
	}
	nc, err := nats.Connect(url, nats.Name("spindle-client"), nats.Timeout(DialTimeout))
	if err != nil {
		return nil, fmt.Errorf("%w at %s: %v", ErrUnreachable, url, err)
	}
	return &Client{url: url, nc: nc}, nil
}

// Close closes the connection. The Client must not be used after.
func (c *Client) Close() { c.nc.Close() }

// URL returns the NATS URL the client dialed.
func (c *Client) URL() string { return c.url }

// remoteError is an error a coordinator or worker put in a reply.
type remoteError struct {
	subject string
	msg     string
}

func (e *remoteError) Error() string { return e.msg }

// Is makes errors.Is(err, ErrUnknownApp) hold for the coordinator's
// "unknown application" replies.
func (e *remoteError) Is(target error) bool {
	return target == ErrUnknownApp && strings.Contains(strings.ToLower(e.msg), "unknown application")
}

// call sends req as JSON on subj and decodes the reply into a Rep. The
// reply's "error" field, if set, becomes the returned error.
func call[Rep any](ctx context.Context, c *Client, subj string, req any) (Rep, error) {
	return callWithin[Rep](ctx, c, subj, req, RequestTimeout)
}

// callWithin is call with a timeout other than RequestTimeout.
func callWithin[Rep any](ctx context.Context, c *Client, subj string, req any, timeout time.Duration) (Rep, error) {
	var rep Rep
	err := rpc.Call(ctx, c.nc, subj, req, &rep, timeout)
	var remote *rpc.RemoteError
	switch {
	case err == nil:
		return rep, nil
	case errors.As(err, &remote):
		return rep, &remoteError{subject: subj, msg: remote.Msg}
	}
	return rep, c.requestError(subj, err, timeout)
}

// requestError explains a failed request. Only silence on the
// coordinator's own subjects means the coordinator is unreachable.
func (c *Client) requestError(subj string, err error, timeout time.Duration) error {
	silent := errors.Is(err, nats.ErrNoResponders) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, nats.ErrTimeout)
	switch {
	case silent && strings.HasPrefix(subj, "spindle.coord."):
		return &unreachable{msg: fmt.Sprintf("%v at %s: no reply on %s", ErrUnreachable, c.url, subj), cause: err}
	case errors.Is(err, nats.ErrNoResponders):
		return fmt.Errorf("client: nothing answers on %s", subj)
	case silent:
		return fmt.Errorf("client: no reply on %s within %v", subj, timeout)
	}
	return fmt.Errorf("client: request on %s: %w", subj, err)
}

// unreachable is ErrUnreachable for a request nobody answered; it keeps
// the cause (nats.ErrNoResponders: nobody received it) for callers that
// may send it again.
type unreachable struct {
	msg   string
	cause error
}

func (e *unreachable) Error() string   { return e.msg }
func (e *unreachable) Unwrap() []error { return []error{ErrUnreachable, e.cause} }
