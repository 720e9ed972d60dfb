//go:build !linux

package main

import "errors"

var errNoProc = errors.New("etlbench: process memory needs Linux's /proc")

func becomeSubreaper() error { return errNoProc }

func reapOrphans() {}

func treeRSS(root int) (treeMem, error) { return treeMem{}, errNoProc }
