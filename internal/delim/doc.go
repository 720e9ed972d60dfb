// Package delim scans delimited text records (CSV, and TPC-H .tbl files
// with their trailing '|') into Apache Arrow record batches of a given
// schema, reporting every bad record with the field and the reason
// instead of stopping at the first one.
//
// A Scanner is planned once per schema and projection (NewScanner). Add
// parses one line; it either appends the record to every output column or,
// on a bad record, keeps nothing of it and returns a Reject naming the
// 1-based field, its schema name and a short reason. Flush hands the held
// records over as one arrow.RecordBatch and starts empty again.
//
// Only projected fields are parsed and validated; the others are skipped
// by finding their delimiters, which is what makes scanning a few columns
// of a wide file fast. The number of fields of every record is always
// checked, and a wrong count is reported in preference to a bad value.
//
// Supported column types are int64, int32, float64, decimal128 (precision
// up to 38), date32 (text YYYY-MM-DD), string (valid UTF-8) and boolean.
//
// Records are single lines: the caller splits the input at '\n' and strips
// '\r' (see internal/textio). delim is a leaf: it imports arrow-go and the
// standard library only. A Scanner is not safe for concurrent use; run one
// per goroutine.
package delim
