package main

import (
	"strings"
	"testing"
	"time"
)

func TestPrintTable(t *testing.T) {
	s := time.Second
	tests := []struct {
		name    string
		results []result
		want    [][]string
	}{
		{"with duckdb", []result{
			{name: "plain", times: []time.Duration{4 * s, 3 * s, 5 * s}, peak: 10 << 20, largest: 10 << 20},
			{name: "duckdb", times: []time.Duration{2 * s, 2 * s, 1 * s}, peak: 20 << 20, largest: 20 << 20},
			{name: "spindle", times: []time.Duration{3 * s, 8 * s, 2 * s}, peak: 1300 << 20, largest: 700 << 20},
		}, [][]string{
			{"plain", "4.00", "3.00", "1.00×", "2.00×", "10", "10"},
			{"duckdb", "2.00", "1.00", "0.50×", "1.00×", "20", "20"},
			{"spindle", "3.00", "2.00", "0.75×", "1.50×", "1300", "700"},
		}},
		{"without duckdb", []result{
			{name: "plain", times: []time.Duration{2 * s}, peak: 5 << 20, largest: 5 << 20},
			{name: "spindle", times: []time.Duration{5 * s}, peak: 300 << 20, largest: 100 << 20},
		}, [][]string{
			{"plain", "2.00", "2.00", "1.00×", "-", "5", "5"},
			{"spindle", "5.00", "5.00", "2.50×", "-", "300", "100"},
		}},
	}
	header := "program median s best s vs plain vs duckdb peak RSS MiB largest process MiB"
	for _, tt := range tests {
		var b strings.Builder
		printTable(&b, tt.results)
		lines := strings.Split(strings.TrimSpace(b.String()), "\n")
		if len(lines) != len(tt.want)+1 {
			t.Fatalf("%s: got %d lines %q, want %d", tt.name, len(lines), lines, len(tt.want)+1)
		}
		if got := strings.Join(strings.Fields(lines[0]), " "); got != header {
			t.Errorf("%s: header: got %q, want %q", tt.name, got, header)
		}
		for i, w := range tt.want {
			if got := strings.Fields(lines[i+1]); strings.Join(got, " ") != strings.Join(w, " ") {
				t.Errorf("%s: line %d: got %q, want %q", tt.name, i+1, got, w)
			}
		}
	}
}
