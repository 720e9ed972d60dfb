// Command duckrun is etlbench's DuckDB contender: it runs one of the two
// benchmark queries with an embedded DuckDB over the TPC-H .tbl text
// itself (read_csv, nothing loaded beforehand) and writes the answer as
// TSV in the format of the reference answers.
//
//	duckrun -input DIR -query q1|nation-revenue -out FILE
//
// It is a separate module so that the main module never depends on
// DuckDB (cgo and a static library of about 130 MB). The SQL in sql/ is a
// verbatim copy of shared/data/tpch-sf0.01/answers/*.sql; etlbench's tests
// check that it still is. The tables are views over read_csv with the
// TPC-H column types declared (sql/views.sql, which etlbench also uses to
// drive a duckdb executable), so DuckDB neither sniffs nor converts.
package main
