//go:build !linux

package proctree

import "errors"

var errNoProc = errors.New("proctree: process memory needs Linux's /proc")

// BecomeSubreaper needs Linux.
func BecomeSubreaper() error { return errNoProc }

// ReapOrphans does nothing off Linux.
func ReapOrphans() {}

// Tree needs Linux.
func Tree(root int) (Mem, error) { return Mem{}, errNoProc }
