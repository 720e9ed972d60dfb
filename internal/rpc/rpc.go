// Package rpc is the JSON request/reply convention every Spindle process
// uses over NATS: requests and replies are JSON, and a reply whose "error"
// field is set is a failure (every reply type in proto has that field).
//
// It imports nats.go only; every role imports it.
package rpc

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
)

// RemoteError is a reply's "error" field: the other side understood the
// request and refused it.
type RemoteError struct {
	Subject string
	Msg     string
}

func (e *RemoteError) Error() string { return e.Msg }

// Call sends req as JSON on subj and decodes the reply into out (a pointer,
// or nil to ignore the reply's body). It waits at most timeout (and no
// longer than ctx). A reply with its "error" field set is a *RemoteError;
// transport errors (no responders, time-outs) are returned as nats.go
// gives them, wrapped with the subject.
func Call(ctx context.Context, nc *nats.Conn, subj string, req, out any, timeout time.Duration) error {
	data, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("encode request on %s: %w", subj, err)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	msg, err := nc.RequestWithContext(ctx, subj, data)
	if err != nil {
		return fmt.Errorf("request on %s: %w", subj, err)
	}
	var head struct {
		Error string `json:"error"`
	}
	if err := json.Unmarshal(msg.Data, &head); err != nil {
		return fmt.Errorf("bad reply on %s: %w", subj, err)
	}
	if head.Error != "" {
		return &RemoteError{Subject: subj, Msg: head.Error}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(msg.Data, out); err != nil {
		return fmt.Errorf("bad reply on %s: %w", subj, err)
	}
	return nil
}

// Respond answers m with v as JSON. A message without a reply subject
// (a publish) is not an error.
func Respond(m *nats.Msg, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if err := m.Respond(data); err != nil && err != nats.ErrMsgNoReply {
		return err
	}
	return nil
}
