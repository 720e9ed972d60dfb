package rpc

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
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

// A subscription that cannot keep up drops messages: the connection must
// say so in its log, not stay silent.
func TestLogAsyncErrorsReportsSlowConsumer(t *testing.T) {
	var logged strings.Builder
	var mu sync.Mutex
	log := slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return logged.Write(p)
	}), nil))
	srv := natstest.Server(t)
	nc, err := nats.Connect(srv.ClientURL(), LogAsyncErrors(log))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	ch := make(chan *nats.Msg, 1) // never read: the second message overflows it
	sub, err := nc.ChanSubscribe("slow", ch)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		nc.Publish("slow", []byte("x"))
	}
	nc.Flush()
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		got := logged.String()
		mu.Unlock()
		if strings.Contains(got, "slow consumer") && strings.Contains(got, "subject=slow") {
			break
		}
		if time.Now().After(deadline) {
			n, _ := sub.Dropped()
			t.Fatalf("no slow consumer logged (%d dropped); log: %q", n, got)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
