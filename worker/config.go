package worker

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"

	"spindle/internal/proto"
)

// Config configures a worker.
type Config struct {
	NATSURL string
	DataDir string // containers' logs, binary cache, worker-id file
	// CacheDir holds the cached job binaries, by SHA-256 ("" is
	// DataDir/cache). Workers of one machine may share it: a binary
	// appears there atomically and is fetched once.
	CacheDir string
	WorkerID string          // "" = read DataDir/worker-id or create "w-<8 hex>" and store it
	Capacity proto.Resources // zero fields = machine defaults (runtime.NumCPU(), total memory from /proc/meminfo)
	Logger   *slog.Logger
	// ConnectTimeout is how long Run keeps trying, at start, to reach
	// NATS and then to have its registration accepted, with backoff: 0
	// means one attempt of each, a negative value no limit. Containers
	// get it too (proto.EnvConnectTimeout), for their own connection.
	ConnectTimeout time.Duration
	// MemoryLimitRatio sets each container's memory limit to
	// max(grant×ratio, grant+64 MiB); a container whose process group's
	// resident memory exceeds it is killed (see memoryPolicy). 0 disables
	// the kill (peaks are still measured); otherwise it must be at least 1.
	// The spindle worker command defaults to DefaultMemoryLimitRatio.
	MemoryLimitRatio float64
	MonitorInterval  time.Duration // how often containers' memory is measured; 0 = 500 ms
}

// ErrBadWorkerID is returned for a worker ID that cannot be part of a NATS
// subject.
var ErrBadWorkerID = errors.New("worker: bad worker ID (want letters, digits, '-' or '_')")

var validID = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// withDefaults validates cfg and fills in the worker ID, capacity and
// logger.
func withDefaults(cfg Config) (Config, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.DataDir == "" {
		return cfg, errors.New("worker: data dir is empty")
	}
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return cfg, fmt.Errorf("worker: data dir: %w", err)
	}
	id, err := workerID(cfg.DataDir, cfg.WorkerID)
	if err != nil {
		return cfg, err
	}
	cfg.WorkerID = id
	if r := cfg.MemoryLimitRatio; r != 0 && !(r >= 1) {
		return cfg, fmt.Errorf("worker: memory limit ratio %g: want 0 (no limit) or at least 1", r)
	}
	if cfg.MonitorInterval <= 0 {
		cfg.MonitorInterval = defaultMonitorInterval
	}
	cfg.Capacity, err = capacity(cfg.Capacity)
	return cfg, err
}

// workerID returns id if set, else the ID stored in dir/worker-id, else a
// new random "w-<8 hex>" that it stores there.
func workerID(dir, id string) (string, error) {
	path := filepath.Join(dir, "worker-id")
	if id == "" {
		data, err := os.ReadFile(path)
		switch {
		case err == nil:
			id = strings.TrimSpace(string(data))
		case errors.Is(err, os.ErrNotExist):
			id = newID()
			if err := os.WriteFile(path, []byte(id+"\n"), 0o644); err != nil {
				return "", fmt.Errorf("worker: store worker ID: %w", err)
			}
		default:
			return "", fmt.Errorf("worker: read worker ID: %w", err)
		}
	}
	if !validID.MatchString(id) {
		return "", fmt.Errorf("%w: %q", ErrBadWorkerID, id)
	}
	return id, nil
}

func newID() string {
	var b [4]byte
	rand.Read(b[:])
	return "w-" + hex.EncodeToString(b[:])
}

// capacity fills zero fields of c with the machine's CPU count and total
// memory.
func capacity(c proto.Resources) (proto.Resources, error) {
	if c.VCores <= 0 {
		c.VCores = runtime.NumCPU()
	}
	if c.MemoryBytes <= 0 {
		f, err := os.Open("/proc/meminfo")
		if err != nil {
			return c, fmt.Errorf("worker: memory capacity: %w (set it explicitly)", err)
		}
		defer f.Close()
		if c.MemoryBytes, err = memTotal(f); err != nil {
			return c, err
		}
	}
	return c, nil
}

// memTotal parses the MemTotal line of /proc/meminfo, in bytes.
func memTotal(r io.Reader) (int64, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 || fields[0] != "MemTotal:" {
			continue
		}
		kb, err := strconv.ParseInt(fields[1], 10, 64)
		if err != nil || kb <= 0 {
			return 0, fmt.Errorf("worker: bad MemTotal line %q", sc.Text())
		}
		if len(fields) > 2 && fields[2] != "kB" {
			return 0, fmt.Errorf("worker: unknown MemTotal unit %q", fields[2])
		}
		return kb * 1024, nil
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("worker: read meminfo: %w", err)
	}
	return 0, errors.New("worker: no MemTotal in meminfo")
}
