package client

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"spindle/internal/natstest"
	"spindle/internal/proto"
	"spindle/internal/retry"
)

func TestDialWaitForCoordinator(t *testing.T) {
	url := natstest.Server(t).ClientURL()
	retries := make(chan retry.Attempt, 100)
	type dialed struct {
		c   *Client
		err error
	}
	done := make(chan dialed, 1)
	go func() {
		c, err := DialWait(t.Context(), url, time.Minute, func(a retry.Attempt) { retries <- a })
		done <- dialed{c, err}
	}()
	select {
	case a := <-retries:
		if a.N != 1 || !errors.Is(a.Err, ErrUnreachable) {
			t.Errorf("first retry = %+v, want attempt 1 with ErrUnreachable", a)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no retry while no coordinator answers")
	}
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	handle(t, nc, proto.SubjNodes, func(proto.NodesRequest) any { return proto.NodesReply{} })
	select {
	case d := <-done:
		if d.err != nil {
			t.Fatalf("DialWait: %v", d.err)
		}
		d.c.Close()
	case <-time.After(10 * time.Second):
		t.Fatal("DialWait did not return once the coordinator answered")
	}
}

func TestDialWaitGivesUp(t *testing.T) {
	tests := []struct {
		timeout time.Duration
		retries bool
	}{
		{0, false}, // one attempt, as Dial
		{700 * time.Millisecond, true},
	}
	for _, tt := range tests {
		start := time.Now()
		retried := false
		_, err := DialWait(t.Context(), "nats://127.0.0.1:1", tt.timeout, func(retry.Attempt) { retried = true })
		took := time.Since(start)
		if !errors.Is(err, ErrUnreachable) || !strings.HasPrefix(err.Error(), "cannot reach coordinator at nats://127.0.0.1:1: ") {
			t.Errorf("timeout %v: err = %v, want ErrUnreachable", tt.timeout, err)
		}
		if gaveUp := strings.Contains(err.Error(), "gave up after"); retried != tt.retries || gaveUp != tt.retries {
			t.Errorf("timeout %v: retried %v, err %q; want retries %v", tt.timeout, retried, err, tt.retries)
		}
		if took < tt.timeout || took > tt.timeout+4*time.Second {
			t.Errorf("timeout %v: gave up after %v", tt.timeout, took)
		}
	}
}
