package coordinator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"

	"spindle/internal/rpc"
)

// bus is the coordinator's NATS connection and, when embedding, its
// server.
type bus struct {
	nc  *nats.Conn
	srv *server.Server // nil when using an external cluster
	url string
	// clustered is set when the embedded server is one node of a
	// cluster: its connections are not all the cluster's.
	clustered bool
	// sys is a connection to the embedded server in the system account,
	// when clustered: it moves the JetStream meta leadership (see
	// keepLeadersAway).
	sys *nats.Conn
}

// connect embeds a NATS server with JetStream, or dials cfg.NATSURL.
func connect(ctx context.Context, cfg Config) (*bus, error) {
	b := &bus{url: cfg.NATSURL, clustered: len(cfg.Routes) > 0}
	if b.url == "" {
		srv, url, sys, err := embed(cfg)
		if err != nil {
			return nil, err
		}
		b.srv, b.url = srv, url
		if sys != nil {
			pub, _ := sys.PublicKey()
			if b.sys, err = nats.Connect(url, nats.Name("spindle-coordinator-system"), nats.InProcessServer(srv),
				nats.Nkey(pub, sys.Sign), nats.MaxReconnects(-1)); err != nil {
				b.close()
				return nil, fmt.Errorf("coordinator: system account connection: %w", err)
			}
		}
	}
	nc, err := nats.Connect(b.url, nats.Name("spindle-coordinator"), nats.MaxReconnects(-1), rpc.LogAsyncErrors(cfg.Logger), rpc.Failover(),
		nats.Timeout(5*time.Second))
	if err != nil {
		b.close()
		return nil, fmt.Errorf("coordinator: connect to %s: %w", b.url, err)
	}
	b.nc = nc
	return b, nil
}

// ErrListen is wrapped by the error of Run when the coordinator cannot
// listen where it was told to (a bad address, a port in use): a usage
// error, not a failure of the cluster.
var ErrListen = errors.New("coordinator: cannot listen")

// embed starts a NATS server with JetStream storing under DataDir/nats. A
// port in use is reported at once: the server itself would only fail to
// become ready. With cfg.Routes the server joins the cluster "spindle"
// through them, listening for routes on cfg.ClusterListen, and sys is the
// key of the one user of its system account (made for this process, never
// written down); every other client is let in as before, without
// credentials, in the global account.
func embed(cfg Config) (srv *server.Server, url string, sys nkeys.KeyPair, err error) {
	host, port, err := listenAddr(cfg.Listen)
	if err != nil {
		return nil, "", nil, err
	}
	opts := &server.Options{
		ServerName: "spindle-coordinator",
		Host:       host,
		Port:       port,
		JetStream:  true,
		StoreDir:   filepath.Join(cfg.DataDir, "nats"),
		NoSigs:     true,
		SyncAlways: cfg.SyncAlways,
	}
	if cfg.ServerName != "" {
		opts.ServerName = cfg.ServerName
	}
	if len(cfg.Routes) > 0 {
		chost, cport, err := listenAddr(cfg.ClusterListen)
		if err != nil {
			return nil, "", nil, fmt.Errorf("%w (cluster)", err)
		}
		opts.Cluster = server.ClusterOpts{Name: "spindle", Host: chost, Port: cport}
		opts.Routes = server.RoutesFromStr(strings.Join(cfg.Routes, ","))
		if len(opts.Routes) != len(cfg.Routes) {
			return nil, "", nil, fmt.Errorf("coordinator: bad route in %q: want nats://host:port", cfg.Routes)
		}
		if sys, err = nkeys.CreateUser(); err != nil {
			return nil, "", nil, fmt.Errorf("coordinator: system account key: %w", err)
		}
		pub, _ := sys.PublicKey()
		acc := server.NewAccount(server.DEFAULT_SYSTEM_ACCOUNT)
		opts.Accounts, opts.SystemAccount = []*server.Account{acc}, acc.Name
		opts.Nkeys = []*server.NkeyUser{{Nkey: pub, Account: acc}}
		// Clients without credentials are let in as anyone.
		opts.Users, opts.NoAuthUser = []*server.User{{Username: anyone}}, anyone
	}
	srv, err = server.NewServer(opts)
	if err != nil {
		return nil, "", nil, fmt.Errorf("coordinator: nats server: %w", err)
	}
	srv.SetLoggerV2(natsLogger{cfg.Logger}, false, false, false)
	srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		srv.Shutdown()
		return nil, "", nil, fmt.Errorf("coordinator: nats server did not start on %s", cfg.Listen)
	}
	return srv, clientURL(srv.Addr()), sys, nil
}

// anyone is the user of clients that bring no credentials, on a server
// that has a system account user.
const anyone = "spindle"

// listenAddr splits addr into the embedded server's host and port, and
// checks that the port is free (any port if addr's is 0).
func listenAddr(addr string) (string, int, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, fmt.Errorf("%w on %q: %v", ErrListen, addr, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("%w on %q: bad port %q", ErrListen, addr, portStr)
	}
	if port == 0 {
		return host, server.RANDOM_PORT, nil
	}
	return host, port, probeListen(addr)
}

// probeListen fails with ErrListen unless addr can be listened on. The
// listener is closed at once, for the server to take the address.
func probeListen(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("%w on %s: %v", ErrListen, addr, listenCause(err))
	}
	return ln.Close()
}

// listenCause is the reason in a net.Listen error ("address already in
// use"), without the address it repeats.
func listenCause(err error) error {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errno
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err
	}
	return err
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
	if b.sys != nil {
		b.sys.Close()
	}
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
func (l natsLogger) Warnf(format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	if strings.HasPrefix(msg, "Plaintext passwords detected") {
		// Said of embed's user anyone, who has no password: it stands
		// for clients without credentials.
		return
	}
	l.log.Warn("nats: " + msg)
}
func (l natsLogger) Fatalf(format string, v ...any) {
	l.log.Error("nats: " + fmt.Sprintf(format, v...))
}
func (l natsLogger) Errorf(format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	if strings.Contains(msg, "trying to connect to route") {
		// Retried every second while a peer is down: say it once.
		if strings.Contains(msg, "(attempt 1)") {
			l.log.Warn("nats: " + msg + "; retrying")
		} else {
			l.log.Debug("nats: " + msg)
		}
		return
	}
	l.log.Error("nats: " + msg)
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
