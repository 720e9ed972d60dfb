// Package natstest starts an embedded NATS server with JetStream for
// tests, on a random loopback port, stopped when the test ends.
package natstest

import (
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// Server returns a fresh server, ready for connections.
func Server(t testing.TB) *server.Server { return ServerWith(t, nil) }

// ServerWith is Server with options that opt, if not nil, changes first.
func ServerWith(t testing.TB, opt func(*server.Options)) *server.Server {
	t.Helper()
	o := &server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(), NoSigs: true, NoLog: true}
	if opt != nil {
		opt(o)
	}
	s, err := server.NewServer(o)
	if err != nil {
		t.Fatal(err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats server did not start")
	}
	t.Cleanup(s.Shutdown)
	return s
}

// Start returns a connection to a fresh server.
func Start(t testing.TB) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(Server(t).ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc
}
