package delim

import (
	"runtime"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

// TestAddDoesNotAllocate checks that adding good records allocates
// nothing once the columns are sized by a first batch and the first
// record of the next one.
func TestAddDoesNotAllocate(t *testing.T) {
	if testing.CoverMode() != "" {
		t.Skip("coverage counters change allocation")
	}
	csvSchema := schemaOf(arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int64, &arrow.Decimal128Type{Precision: 38, Scale: 4},
		arrow.FixedWidthTypes.Boolean, arrow.PrimitiveTypes.Float64, arrow.PrimitiveTypes.Int32)
	tests := []struct {
		name    string
		schema  *arrow.Schema
		project []int
		opts    Options
		line    string
	}{
		{"tbl q1", lineitemSchema(), q1Project, tblOptions, lineitemLines[0]},
		{"tbl all", lineitemSchema(), nil, tblOptions, lineitemLines[1]},
		{"csv quoted", csvSchema, nil, Options{Delim: ',', Quote: '"'}, `"say ""hi"", ok",-12,"123.5",TRUE,1e3,7`},
		{"csv nulls", csvSchema, nil, Options{Delim: ',', Quote: '"', Null: "NA"}, `NA,,NA,,NA,`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustScanner(t, tt.schema, tt.project, tt.opts)
			for range 2000 {
				if r := s.Add(tt.line); r != nil {
					t.Fatalf("Add(%q) = %v", tt.line, r)
				}
			}
			s.Flush().Release()
			s.Add(tt.line) // sizes the columns for the batch: allocations per batch
			if got := mallocs(func() {
				for range 1000 {
					s.Add(tt.line)
				}
			}); got != 0 {
				t.Errorf("1000 Adds: %d allocations, want 0", got)
			}
		})
	}
}

// mallocs returns the number of heap allocations f makes. Unlike
// testing.AllocsPerRun it does not round a few allocations in many runs
// down to zero.
func mallocs(f func()) uint64 {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.Mallocs - before.Mallocs
}
