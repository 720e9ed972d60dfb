package executor

import (
	"os"
	"path/filepath"
	"runtime/pprof"
)

// EnvCPUProfile names a directory: when set in a worker's environment
// (containers inherit it), every executor writes a CPU profile of its
// whole run there, as <container>.pprof, for `go tool pprof`.
const EnvCPUProfile = "SPINDLE_CPUPROFILE"

// startProfile starts the CPU profile EnvCPUProfile asks for and returns
// the function that ends it.
func startProfile(containerID string) func() {
	dir := os.Getenv(EnvCPUProfile)
	if dir == "" {
		return func() {}
	}
	f, err := os.Create(filepath.Join(dir, containerID+".pprof"))
	if err != nil {
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return func() {}
	}
	return func() { pprof.StopCPUProfile(); f.Close() }
}
