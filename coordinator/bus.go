package coordinator

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// bus is the coordinator's NATS connection and, when embedding, its
// server.
type bus struct {
	nc  *nats.Conn
	srv *server.Server // nil when using an external cluster
	url string
}

// connect embeds a NATS server with JetStream, or dials cfg.NATSURL.
func connect(ctx context.Context, cfg Config) (*bus, error) {
	b := &bus{url: cfg.NATSURL}
	if b.url == "" {
		srv, url, err := embed(cfg)
		if err != nil {
			return nil, err
		}
		b.srv, b.url = srv, url
	}
	nc, err := nats.Connect(b.url, nats.Name("spindle-coordinator"), nats.MaxReconnects(-1),
		nats.Timeout(5*time.Second))
	if err != nil {
		b.close()
		return nil, fmt.Errorf("coordinator: connect to %s: %w", b.url, err)
	}
	b.nc = nc
	return b, nil
}

// embed starts a NATS server with JetStream storing under DataDir/nats.
func embed(cfg Config) (*server.Server, string, error) {
	host, portStr, err := net.SplitHostPort(cfg.Listen)
	if err != nil {
		return nil, "", fmt.Errorf("coordinator: listen address %q: %w", cfg.Listen, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, "", fmt.Errorf("coordinator: listen port %q: %w", portStr, err)
	}
	if port == 0 {
		port = server.RANDOM_PORT
	}
	srv, err := server.NewServer(&server.Options{
		ServerName: "spindle-coordinator",
		Host:       host,
		Port:       port,
		JetStream:  true,
		StoreDir:   filepath.Join(cfg.DataDir, "nats"),
		NoSigs:     true,
	})
	if err != nil {
		return nil, "", fmt.Errorf("coordinator: nats server: %w", err)
	}
	srv.SetLoggerV2(natsLogger{cfg.Logger}, false, false, false)
	srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		srv.Shutdown()
		return nil, "", fmt.Errorf("coordinator: nats server did not start on %s", cfg.Listen)
	}
	return srv, clientURL(srv.Addr()), nil
}

// clientURL is the URL clients use to reach addr, loopback if it is a
// wildcard address.
func clientURL(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok {
		return "nats://" + addr.String()
	}
	ip := tcp.IP
	if ip == nil || ip.IsUnspecified() {
		ip = net.IPv4(127, 0, 0, 1)
	}
	return "nats://" + net.JoinHostPort(ip.String(), strconv.Itoa(tcp.Port))
}

func (b *bus) close() {
	if b.nc != nil {
		b.nc.Close()
	}
	if b.srv != nil {
		b.srv.Shutdown()
		b.srv.WaitForShutdown()
	}
}

// natsLogger sends the embedded server's log to slog: notices at debug,
// warnings and errors as such.
type natsLogger struct{ log *slog.Logger }

func (l natsLogger) Noticef(format string, v ...any) {
	l.log.Debug("nats: " + fmt.Sprintf(format, v...))
}
func (l natsLogger) Warnf(format string, v ...any) { l.log.Warn("nats: " + fmt.Sprintf(format, v...)) }
func (l natsLogger) Fatalf(format string, v ...any) {
	l.log.Error("nats: " + fmt.Sprintf(format, v...))
}
func (l natsLogger) Errorf(format string, v ...any) {
	l.log.Error("nats: " + fmt.Sprintf(format, v...))
}
func (l natsLogger) Debugf(format string, v ...any) {}
func (l natsLogger) Tracef(format string, v ...any) {}

// workerPrefix starts the NATS connection name of every worker.
const workerPrefix = "spindle-worker-"

// connectedWorkers returns the IDs of the workers that have a connection
// to the embedded server, or ok false when the coordinator uses an
// external cluster (whose connections it cannot see).
func (b *bus) connectedWorkers() (ids map[string]bool, ok bool) {
	if b.srv == nil {
		return nil, false
	}
	cz, err := b.srv.Connz(&server.ConnzOptions{Limit: 1 << 20})
	if err != nil {
		return nil, false
	}
	ids = make(map[string]bool, len(cz.Conns))
	for _, c := range cz.Conns {
		if id, found := strings.CutPrefix(c.Name, workerPrefix); found {
			ids[id] = true
		}
	}
	return ids, true
}
