package worker

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// groupRSS returns the resident memory in bytes of each of the process
// groups pgids: the sum over the processes whose process group it is,
// children of the container's binary included (they inherit its group).
// A group with no process left is missing from the result.
//
// It reads root/<pid>/stat of every process (root is /proc), as YARN's
// ProcfsBasedProcessTree does: one small read per process gives both the
// process group (field 5) and the resident set (field 24, in pages, the
// same counter as statm's), computed by the kernel from counters without
// walking the process's mappings. smaps_rollup would give the proportional
// set (shared pages split between their users) but walks every mapping
// under the process's mmap lock, which costs far more and stalls its page
// faults; the resident set over-counts only pages shared with other
// processes (the binary's text), which the limit's slack covers. A child
// that leaves the group (setsid) escapes the measurement, as it escapes the
// worker's stop signals.
func groupRSS(root string, pgids []int) (map[int]int64, error) {
	want := make(map[int]bool, len(pgids))
	for _, g := range pgids {
		want[g] = true
	}
	d, err := os.Open(root)
	if err != nil {
		return nil, fmt.Errorf("worker: read processes: %w", err)
	}
	names, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return nil, fmt.Errorf("worker: read processes: %w", err)
	}
	page := int64(os.Getpagesize())
	rss := make(map[int]int64, len(pgids))
	for _, name := range names {
		if _, err := strconv.Atoi(name); err != nil {
			continue
		}
		data, err := os.ReadFile(filepath.Join(root, name, "stat"))
		if err != nil {
			continue // it exited since the directory was read
		}
		pgrp, pages, err := parseStat(data)
		if err == nil && want[pgrp] {
			rss[pgrp] += pages * page
		}
	}
	return rss, nil
}

// errBadStat is returned by parseStat for text that is not a
// /proc/<pid>/stat line.
var errBadStat = errors.New("worker: malformed /proc stat")

// parseStat returns the process group and the resident set in pages of a
// /proc/<pid>/stat line. The command name (field 2) is in parentheses and
// may itself hold spaces and parentheses, so fields are counted from the
// last ')'.
func parseStat(data []byte) (pgrp int, rssPages int64, err error) {
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, 0, errBadStat
	}
	fields := bytes.Fields(data[i+1:]) // fields[0] is field 3, the state
	if len(fields) < 22 {
		return 0, 0, errBadStat
	}
	pgrp, err1 := strconv.Atoi(string(fields[2]))
	rssPages, err2 := strconv.ParseInt(string(fields[21]), 10, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, errBadStat
	}
	return pgrp, rssPages, nil
}
