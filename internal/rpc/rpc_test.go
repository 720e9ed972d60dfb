package rpc

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"spindle/internal/natstest"
)

type reply struct {
	Error string `json:"error,omitempty"`
	N     int    `json:"n"`
}

func TestCall(t *testing.T) {
	nc := natstest.Start(t)
	nc.Subscribe("double", func(m *nats.Msg) {
		var req struct{ N int }
		if err := json.Unmarshal(m.Data, &req); err != nil || req.N < 0 {
			Respond(m, reply{Error: "negative"})
			return
		}
		Respond(m, reply{N: 2 * req.N})
	})
	ctx := context.Background()
	var got reply
	if err := Call(ctx, nc, "double", struct{ N int }{21}, &got, time.Second); err != nil || got.N != 42 {
		t.Errorf("Call(21) = %+v, %v; want 42", got, err)
	}
	var remote *RemoteError
	if err := Call(ctx, nc, "double", struct{ N int }{-1}, &got, time.Second); !errors.As(err, &remote) || remote.Msg != "negative" {
		t.Errorf("Call(-1) error = %v, want the reply's error", err)
	}
	if err := Call(ctx, nc, "nobody", struct{}{}, nil, time.Second); !errors.Is(err, nats.ErrNoResponders) {
		t.Errorf("Call to no one: %v, want ErrNoResponders", err)
	}
}
