package client

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"spindle/internal/proto"
	"spindle/internal/rpc"
)

// SavepointTimeout bounds a savepoint request: the job master answers
// once every subtask has stored its snapshot, which for a large state
// takes a while.
const SavepointTimeout = 60 * time.Second

var (
	// ErrNotRunning is returned by Savepoint for an application that is
	// not running (not started yet, or ended).
	ErrNotRunning = errors.New("client: application not running")
	// ErrNotStreaming is returned by Savepoint for an application whose
	// job master takes no savepoints (a batch job).
	ErrNotStreaming = errors.New("client: not a streaming job")
	// ErrNoSavepoint is returned by CheckSavepoint for a savepoint that
	// does not exist.
	ErrNoSavepoint = errors.New("client: no such savepoint")
)

// Savepoint asks a running streaming application's job master for a
// savepoint and returns its path ("<app>/<id>"), what a submission's
// Savepoint takes. With stop, the job ends once the savepoint is
// complete: its output up to it is committed and the application
// FINISHES. An unknown application gives an error matching
// ErrUnknownApp; one not running ErrNotRunning; a batch job
// ErrNotStreaming; the job master's refusal its own text.
func (c *Client) Savepoint(ctx context.Context, appID string, stop bool) (string, error) {
	app, err := c.Status(ctx, appID)
	if err != nil {
		return "", err
	}
	if app.State != proto.StateRunning {
		return "", fmt.Errorf("%w: it is %s", ErrNotRunning, app.State)
	}
	var rep proto.SavepointReply
	err = rpc.Call(ctx, c.nc, proto.JobMasterSavepoint(appID), proto.SavepointRequest{Stop: stop}, &rep, SavepointTimeout)
	var remote *rpc.RemoteError
	switch {
	case err == nil:
		return rep.Path, nil
	case errors.As(err, &remote):
		return "", &remoteError{subject: remote.Subject, msg: "job master: " + remote.Msg}
	case errors.Is(err, nats.ErrNoResponders) && app.Stream == nil:
		return "", fmt.Errorf("%w: its job master takes no savepoints", ErrNotStreaming)
	case errors.Is(err, nats.ErrNoResponders):
		return "", fmt.Errorf("%w: its job master does not answer (restarting or ending)", ErrNotRunning)
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout):
		return "", fmt.Errorf("client: the job master took no savepoint within %v", SavepointTimeout)
	}
	return "", fmt.Errorf("client: savepoint of %s: %w", appID, err)
}

// CheckSavepoint looks path up in the cluster's savepoints
// (proto.SavepointsBucket) and returns an error matching ErrNoSavepoint if
// it is not there.
func (c *Client) CheckSavepoint(ctx context.Context, path string) error {
	if !proto.ValidSavepointPath(path) {
		return fmt.Errorf("%w: %q is not APP/ID", ErrNoSavepoint, path)
	}
	js, err := jetstream.New(c.nc)
	if err != nil {
		return fmt.Errorf("client: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, RequestTimeout)
	defer cancel()
	kv, err := js.KeyValue(ctx, proto.SavepointsBucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		return fmt.Errorf("%w: %s (this cluster has none)", ErrNoSavepoint, path)
	}
	if err != nil {
		return fmt.Errorf("client: savepoints: %w", err)
	}
	_, err = kv.Get(ctx, strings.Replace(path, "/", ".", 1))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return fmt.Errorf("%w: %s", ErrNoSavepoint, path)
	}
	if err != nil {
		return fmt.Errorf("client: savepoint %s: %w", path, err)
	}
	return nil
}
