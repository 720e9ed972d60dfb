package main

import "syscall"

// childAttr keeps a worker or coordinator process out of the terminal's
// process group (Ctrl-C reaches the CLI only, which tears the cluster down
// in order) and has the kernel send it SIGTERM if the CLI dies without
// doing so.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}

// killGroup kills a worker and everything in its process group (the
// containers it launched, unless they have groups of their own).
func killGroup(pid int) {
	syscall.Kill(-pid, syscall.SIGKILL)
	syscall.Kill(pid, syscall.SIGKILL)
}
