package textio

import (
	"errors"
	"fmt"
	"os"

	"spindle/internal/proto"
)

// Split size bounds used by SplitTarget.
const (
	MinSplitBytes = 1 << 20   // 1 MiB: below this, per-task overhead dominates
	MaxSplitBytes = 128 << 20 // 128 MiB: Spark's and HDFS's default
)

// splitSlop is how much longer than the target the last split of a file may
// be, rather than leaving a small piece of its own (Hadoop's SPLIT_SLOP).
const splitSlop = 1.1

// ErrBadTarget is returned by Splits for a split size that is not positive.
var ErrBadTarget = errors.New("textio: split size must be positive")

// SplitTarget picks a split size for total input bytes read by parallelism
// tasks at once, like Spark's maxSplitBytes: total/(2*parallelism), so that
// there are about two waves of tasks, clamped to [MinSplitBytes,
// MaxSplitBytes]. A parallelism below 1 counts as 1. A caller with an
// explicit split size (a user override) passes it to Splits instead.
func SplitTarget(total int64, parallelism int) int64 {
	parallelism = max(parallelism, 1)
	t := total / (2 * int64(parallelism))
	return min(max(t, MinSplitBytes), MaxSplitBytes)
}

// Splits cuts each file into byte ranges of target bytes, in order of files
// (as given) then offsets. The last split of a file takes the remainder when
// that is at most 1.1×target (Hadoop's rule), so it is between target/10
// and 1.1×target long unless the file itself is shorter; an empty file
// yields one split of Length 0. The splits of a file cover it exactly. An
// error names the file that cannot be examined.
func Splits(files []string, target int64) ([]proto.Split, error) {
	if target <= 0 {
		return nil, fmt.Errorf("%w: %d", ErrBadTarget, target)
	}
	var out []proto.Split
	for _, f := range files {
		fi, err := os.Stat(f)
		if err != nil {
			return nil, unreadable(f, err)
		}
		if !fi.Mode().IsRegular() {
			return nil, fmt.Errorf("%w %q: not a regular file", ErrUnreadable, f)
		}
		out = appendSplits(out, f, fi.Size(), target)
	}
	return out, nil
}

// appendSplits appends the splits of one file of the given size.
func appendSplits(out []proto.Split, path string, size, target int64) []proto.Split {
	var off int64
	for float64(size-off) > splitSlop*float64(target) {
		out = append(out, proto.Split{Path: path, Start: off, Length: target})
		off += target
	}
	return append(out, proto.Split{Path: path, Start: off, Length: size - off})
}
