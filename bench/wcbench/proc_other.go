//go:build !linux

package main

import "errors"

var errNoProc = errors.New("wcbench: process memory needs Linux's /proc")

func becomeSubreaper() error { return errNoProc }

func reapOrphans() {}

func treeRSS(root int) (int64, int, error) { return 0, 0, errNoProc }
