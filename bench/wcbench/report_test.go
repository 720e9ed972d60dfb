package main

import (
	"strings"
	"testing"
	"time"
)

func TestPrintTable(t *testing.T) {
	results := []result{
		{name: "wc-ref", times: []time.Duration{4 * time.Second, 3 * time.Second, 5 * time.Second}, peak: 10 << 20},
		{name: "wc-par", times: []time.Duration{2 * time.Second, 2 * time.Second, 1 * time.Second}, peak: 20 << 20},
		{name: "spindle", times: []time.Duration{3 * time.Second, 8 * time.Second, 2 * time.Second}, peak: 300 << 20},
	}
	var b strings.Builder
	printTable(&b, results)
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	want := [][]string{
		{"program", "median", "s", "best", "s", "vs", "wc-ref", "vs", "wc-par", "peak", "RSS", "MiB"},
		{"wc-ref", "4.00", "3.00", "1.00×", "2.00×", "10"},
		{"wc-par", "2.00", "1.00", "0.50×", "1.00×", "20"},
		{"spindle", "3.00", "2.00", "0.75×", "1.50×", "300"},
	}
	if len(lines) != len(want) {
		t.Fatalf("got %d lines %q, want %d", len(lines), lines, len(want))
	}
	for i, l := range lines {
		if got := strings.Fields(l); strings.Join(got, " ") != strings.Join(want[i], " ") {
			t.Errorf("line %d: got %q, want %q", i, got, want[i])
		}
	}
}
