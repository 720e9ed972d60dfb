package textio

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"spindle/internal/proto"
)

func TestSplits(t *testing.T) {
	empty := writeFile(t, "empty.txt", "")
	ten := writeFile(t, "ten.txt", strings.Repeat("x", 10))
	eleven := writeFile(t, "eleven.txt", strings.Repeat("x", 11))
	tests := []struct {
		name   string
		files  []string
		target int64
		want   []proto.Split
	}{
		{"empty file", []string{empty}, 4, []proto.Split{{Path: empty, Start: 0, Length: 0}}},
		{"one split", []string{ten}, 10, []proto.Split{{Path: ten, Length: 10}}},
		{"within slop", []string{eleven}, 10, []proto.Split{{Path: eleven, Length: 11}}},
		{"past slop", []string{ten}, 9, []proto.Split{{Path: ten, Length: 9}, {Path: ten, Start: 9, Length: 1}}},
		{"exact pieces", []string{ten}, 5, []proto.Split{{Path: ten, Length: 5}, {Path: ten, Start: 5, Length: 5}}},
		{"remainder", []string{ten}, 4, []proto.Split{
			{Path: ten, Length: 4}, {Path: ten, Start: 4, Length: 4}, {Path: ten, Start: 8, Length: 2}}},
		{"one byte", []string{ten}, 1, []proto.Split{
			{Path: ten, Length: 1}, {Path: ten, Start: 1, Length: 1}, {Path: ten, Start: 2, Length: 1},
			{Path: ten, Start: 3, Length: 1}, {Path: ten, Start: 4, Length: 1}, {Path: ten, Start: 5, Length: 1},
			{Path: ten, Start: 6, Length: 1}, {Path: ten, Start: 7, Length: 1}, {Path: ten, Start: 8, Length: 1},
			{Path: ten, Start: 9, Length: 1}}},
		{"files in given order", []string{ten, empty}, 100, []proto.Split{{Path: ten, Length: 10}, {Path: empty}}},
	}
	for _, tt := range tests {
		got, err := Splits(tt.files, tt.target)
		if err != nil {
			t.Errorf("%s: got error %v", tt.name, err)
			continue
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestSplitsErrors(t *testing.T) {
	ten := writeFile(t, "ten.txt", "0123456789")
	if _, err := Splits([]string{ten}, 0); !errors.Is(err, ErrBadTarget) {
		t.Errorf("target 0: got %v, want %v", err, ErrBadTarget)
	}
	missing := filepath.Join(t.TempDir(), "gone.txt")
	if _, err := Splits([]string{missing}, 1); !errors.Is(err, ErrUnreadable) || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing file: got %v, want ErrUnreadable naming %s", err, missing)
	}
	if _, err := Splits([]string{filepath.Dir(ten)}, 1); !errors.Is(err, ErrUnreadable) {
		t.Errorf("directory: got %v, want %v", err, ErrUnreadable)
	}
}

func TestSplitTarget(t *testing.T) {
	const mib = 1 << 20
	tests := []struct {
		total       int64
		parallelism int
		want        int64
	}{
		{0, 4, MinSplitBytes},
		{10 * mib, 4, 10 * mib / 8},
		{1024 * mib, 4, 128 * mib},      // 1 GiB / 8
		{1024 * mib, 2, MaxSplitBytes},  // 256 MiB clamped
		{64 * mib, 0, 32 * mib},         // parallelism 0 counts as 1
		{100 * mib, 50, MinSplitBytes},  // 1 MiB exactly
		{100 * mib, 100, MinSplitBytes}, // 0.5 MiB raised
		{3 * 1024 * mib, 8, 128 * mib},  // 192 MiB clamped
	}
	for _, tt := range tests {
		if got := SplitTarget(tt.total, tt.parallelism); got != tt.want {
			t.Errorf("SplitTarget(%d, %d): got %d, want %d", tt.total, tt.parallelism, got, tt.want)
		}
	}
}
