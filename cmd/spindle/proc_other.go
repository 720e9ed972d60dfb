//go:build !linux

package main

import (
	"os"
	"syscall"
)

// childAttr returns the defaults: outside Linux a worker or coordinator
// of a local cluster may outlive a CLI that is killed with SIGKILL.
func childAttr() *syscall.SysProcAttr { return nil }

// killGroup kills a child process.
func killGroup(pid int) {
	if p, err := os.FindProcess(pid); err == nil {
		p.Kill()
	}
}
