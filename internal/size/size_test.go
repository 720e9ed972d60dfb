package size

import (
	"errors"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want int64
	}{
		{"0", 0},
		{"1234", 1234},
		{"100B", 100},
		{"512MiB", 512 << 20},
		{"2GiB", 2 << 30},
		{"2gib", 2 << 30},
		{"1.5GiB", 3 << 29},
		{"1G", 1e9},
		{"1GB", 1e9},
		{"100KB", 100e3},
		{"4Ki", 4096},
		{"3 MiB", 3 << 20},
		{" 1T ", 1e12},
		{"1TiB", 1 << 40},
		{"0.5K", 500},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("Parse(%q) = %d, %v; want %d, nil", tt.in, got, err, tt.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in   string
		want error
	}{
		{"", ErrSyntax},
		{"GiB", ErrSyntax},
		{"12XB", ErrSyntax},
		{"1.2.3G", ErrSyntax},
		{"abc", ErrSyntax},
		{"1 2", ErrSyntax},
		{"-1", ErrRange},
		{"-1GiB", ErrRange},
		{"99999999999999999999", ErrRange},
		{"9999999TiB", ErrRange},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if !errors.Is(err, tt.want) {
			t.Errorf("Parse(%q) = %d, %v; want error %v", tt.in, got, err, tt.want)
		}
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		in   int64
		want string
	}{
		{0, "0 B"},
		{1023, "1023 B"},
		{1024, "1 KiB"},
		{3 << 29, "1.5 GiB"},
		{512 << 20, "512 MiB"},
		{2 << 40, "2 TiB"},
		{1e9, "953.7 MiB"},
	}
	for _, tt := range tests {
		if got := Format(tt.in); got != tt.want {
			t.Errorf("Format(%d) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	for _, n := range []int64{512 << 20, 2 << 30, 3 << 29, 1 << 40} {
		got, err := Parse(Format(n))
		if err != nil || got != n {
			t.Errorf("Parse(Format(%d)) = %d, %v", n, got, err)
		}
	}
}
