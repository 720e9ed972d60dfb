// Command etlbench times Spindle's ETL job (jobs/etl) against a plain
// hand-written Go program and DuckDB on the same TPC-H tables in the same
// run, checks that all answers are identical, and prints per query the
// ratios and the peak memory of each contender's processes.
//
// From the repository root, with the shared benchmark tree next to it:
//
//	go run ./bench/etlbench [-sf 1] [-workers 2] [-runs 1] [-query all|q1|nation-revenue]
//	    [-shared ../shared] [-keep] [-spindle-args "--task-memory 512MiB"] [-duckdb auto|cli|off]
//
// Steps:
//
//  1. Tables: SHARED/bench/tpch-gen writes the .tbl files at -sf, cached
//     by scale factor in -cache (a temporary directory by default).
//  2. Builds, before any timing: plain (./bench/etlbench/plain), the
//     spindle CLI and the ETL job binary, and the DuckDB runner duckrun, a
//     nested module (./bench/etlbench/duckrun) built with cgo against
//     DuckDB's prebuilt static library. If duckrun does not build within
//     -duckdb-build-timeout, a duckdb executable on PATH runs the same
//     SQL instead; failing that, "duckdb: skipped (reason)" is printed and
//     the benchmark goes on without it.
//  3. Runs, per query, -runs rounds of: plain -query Q, duckrun -query Q,
//     and spindle run --workers N [-spindle-args] ETL -- --input DIR
//     --output OUT --query Q --format csv --csv-delimiter tab. Each is
//     timed by wall clock while the resident memory of its whole process
//     tree is sampled every 50 ms; the peak of the sum and the largest
//     single process are reported. etlbench makes itself a child
//     subreaper, so processes that detach are still counted.
//  4. Verification after every run: DuckDB's TSV must equal plain's byte
//     for byte, and so must Spindle's OUT/Q/part-*.csv data lines (each
//     part's first line is its header) sorted bytewise, under the header.
//     A mismatch prints the first differing line and exits with status 1.
//  5. A table per query: median and best seconds, the median's ratio to
//     plain and to DuckDB (above 1 is slower), peak RSS of the tree and of
//     its largest process, in MiB.
//
// Linux only (it reads /proc).
package main
