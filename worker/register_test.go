package worker

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"spindle/internal/proto"
)

// logRecords is a slog handler that sends every record's message to a
// channel, dropping records when the test is not reading.
type logRecords chan string

func (l logRecords) Enabled(context.Context, slog.Level) bool { return true }
func (l logRecords) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l logRecords) WithGroup(string) slog.Handler            { return l }
func (l logRecords) Handle(_ context.Context, r slog.Record) error {
	select {
	case l <- r.Message:
	default:
	}
	return nil
}

// waitLog waits for a record whose message contains want.
func (l logRecords) waitLog(t *testing.T, want string) {
	t.Helper()
	deadline := time.After(wait)
	for {
		select {
		case msg := <-l:
			if strings.Contains(msg, want) {
				return
			}
		case <-deadline:
			t.Fatalf("no log record %q", want)
		}
	}
}

// freeAddr returns a loopback address that was free a moment ago.
func freeAddr(t *testing.T) (string, int) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	return "nats://" + l.Addr().String(), port
}

// serverOn starts a NATS server on a given loopback port.
func serverOn(t *testing.T, port int) *server.Server {
	t.Helper()
	s, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: port, NoSigs: true, NoLog: true})
	if err != nil {
		t.Fatal(err)
	}
	go s.Start()
	if !s.ReadyForConnections(wait) {
		t.Fatal("nats server did not start")
	}
	t.Cleanup(s.Shutdown)
	return s
}

// registrar answers registrations on url with a heartbeat interval so
// long that the periodic re-registration never comes during a test, and
// sends the worker IDs it accepted to the returned channel.
func registrar(t *testing.T, url string) (*nats.Conn, chan string) {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	got := make(chan string, 100)
	nc.Subscribe(proto.SubjRegister, func(m *nats.Msg) {
		var req proto.RegisterRequest
		json.Unmarshal(m.Data, &req)
		got <- req.WorkerID
		data, _ := json.Marshal(proto.RegisterReply{HeartbeatInterval: time.Hour})
		m.Respond(data)
	})
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	return nc, got
}

func waitRegistered(t *testing.T, got chan string, d time.Duration, why string) {
	t.Helper()
	select {
	case id := <-got:
		if id != "w1" {
			t.Fatalf("%s: registered %q, want w1", why, id)
		}
	case <-time.After(d):
		t.Fatalf("%s: no registration within %v", why, d)
	}
}

// TestWorkerWaitsForTheClusterAndRegistersAgain starts a worker before
// its NATS server and coordinator, then restarts them.
func TestWorkerWaitsForTheClusterAndRegistersAgain(t *testing.T) {
	url, port := freeAddr(t)
	logs := make(logRecords, 1000)
	defer runWorker(t, Config{NATSURL: url, DataDir: t.TempDir(), WorkerID: "w1", ConnectTimeout: time.Minute,
		Capacity: proto.Resources{VCores: 1, MemoryBytes: 1 << 30}, Logger: slog.New(logs)})()
	logs.waitLog(t, "cannot reach NATS, retrying")

	srv := serverOn(t, port)
	nc, got := registrar(t, url)
	waitRegistered(t, got, wait, "once NATS and the coordinator are up")

	// A coordinator's start announcement: the worker registers at once
	// (its periodic re-registration is hours away).
	if err := nc.Publish(proto.SubjCoordStarted, nil); err != nil {
		t.Fatal(err)
	}
	waitRegistered(t, got, 3*time.Second, "after the announcement")

	// A restarted server: the worker registers when it has reconnected.
	srv.Shutdown()
	srv.WaitForShutdown()
	serverOn(t, port)
	_, got = registrar(t, url)
	waitRegistered(t, got, 5*time.Second, "after the server restarted")
}

func TestWorkerGivesUp(t *testing.T) {
	natsURL, port := freeAddr(t)
	serverOn(t, port) // NATS without a coordinator
	tests := []struct {
		name, url, want string
	}{
		{"no NATS", "nats://127.0.0.1:1", "worker: cannot reach coordinator at nats://127.0.0.1:1: "},
		{"no coordinator", natsURL, "worker: no coordinator accepted the registration of w1 on " + natsURL + ": "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs := make(logRecords, 1000)
			start := time.Now()
			err := Run(t.Context(), Config{NATSURL: tt.url, DataDir: t.TempDir(), WorkerID: "w1", ConnectTimeout: time.Second,
				Capacity: proto.Resources{VCores: 1, MemoryBytes: 1 << 30}, Logger: slog.New(logs)})
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) || !strings.Contains(err.Error(), "gave up after") {
				t.Errorf("err = %v, want %q… gave up after…", err, tt.want)
			}
			if d := time.Since(start); d < time.Second || d > 5*time.Second {
				t.Errorf("gave up after %v, want about 1s", d)
			}
			if len(logs) == 0 {
				t.Errorf("no retry was logged")
			}
		})
	}
}
