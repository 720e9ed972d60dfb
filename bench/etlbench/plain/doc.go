// Command plain is etlbench's hand-written baseline: it answers one of the
// two benchmark queries over TPC-H .tbl files in a single process, the way
// an engineer would write it by hand for speed.
//
//	plain -input DIR -query q1|nation-revenue -out FILE
//
// Each table is read in GOMAXPROCS chunks split at line boundaries, one
// goroutine per chunk; only the needed fields are parsed; sums are exact
// 128-bit fixed-point integers (no floats, int64 products per row, bounds
// checked); the joins probe open-addressing hash tables built from the
// smaller tables, and grouping indexes small per-chunk arrays.
//
// The output is TSV with a header line, rows sorted by the group keys, in
// the format of the reference answers in shared/data/tpch-sf0.01/answers:
// decimals at their exact scale, averages as float64 in strconv 'g' -1
// form (see average), counts as integers.
//
// It imports nothing from Spindle.
package main
