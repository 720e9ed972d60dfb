package worker

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"spindle/internal/proto"
)

func TestMemTotal(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    int64
		wantErr bool
	}{
		{"typical", "MemFree:  100 kB\nMemTotal:       16318468 kB\n", 16318468 * 1024, false},
		{"missing", "MemFree: 100 kB\n", 0, true},
		{"garbage", "MemTotal: lots kB\n", 0, true},
		{"unit", "MemTotal: 5 MB\n", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := memTotal(strings.NewReader(tt.in))
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("memTotal = %d, %v; want %d, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestCapacityDefaults(t *testing.T) {
	got, err := capacity(proto.Resources{MemoryBytes: 42})
	if err != nil {
		t.Fatal(err)
	}
	if got.VCores != runtime.NumCPU() || got.MemoryBytes != 42 {
		t.Errorf("capacity = %+v, want %d vcores and the given 42 bytes", got, runtime.NumCPU())
	}
	if _, err := os.Stat("/proc/meminfo"); err == nil {
		got, err := capacity(proto.Resources{VCores: 3})
		if err != nil || got.VCores != 3 || got.MemoryBytes <= 0 {
			t.Errorf("capacity = %+v, %v; want 3 vcores and the machine's memory", got, err)
		}
	}
}

func TestWorkerID(t *testing.T) {
	dir := t.TempDir()
	id, err := workerID(dir, "")
	if err != nil || !regexp.MustCompile(`^w-[0-9a-f]{8}$`).MatchString(id) {
		t.Fatalf("new ID = %q, %v; want w-<8 hex>", id, err)
	}
	if again, err := workerID(dir, ""); again != id || err != nil {
		t.Errorf("second read = %q, %v; want stored %q", again, err, id)
	}
	if got, err := workerID(dir, "given"); got != "given" || err != nil {
		t.Errorf("explicit ID = %q, %v", got, err)
	}
	if _, err := workerID(dir, "a.b"); !errors.Is(err, ErrBadWorkerID) {
		t.Errorf("ID with a dot: err = %v, want ErrBadWorkerID", err)
	}
	os.WriteFile(filepath.Join(dir, "worker-id"), []byte("bad id\n"), 0o644)
	if _, err := workerID(dir, ""); !errors.Is(err, ErrBadWorkerID) {
		t.Errorf("stored bad ID: err = %v, want ErrBadWorkerID", err)
	}
}
