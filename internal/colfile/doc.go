// Package colfile writes Arrow record batches as CSV and Parquet files,
// reads Parquet files back as Arrow record batches, and formats Arrow
// values as text.
//
// The text form of a value (AppendValue) is a contract: job outputs are
// compared byte for byte with expected answer files, so the rules in
// AppendValue's doc comment do not change without changing those files.
// The CSV writer uses exactly these rules.
//
// Parquet files are written with pqarrow and carry the Arrow schema in
// their metadata, so a reader gets back the types that were written
// (Decimal128 with its precision and scale, Date32, String rather than
// Binary). Decimals are stored as Parquet DECIMAL and dates as DATE, which
// other engines (DuckDB, pyarrow, Spark) read as such.
//
// colfile is a leaf: it imports the standard library and arrow-go (arrow,
// parquet, pqarrow, compress) only. Its functions share no state and are
// safe for concurrent use; a CSVWriter or ParquetWriter is not, it belongs
// to one goroutine.
package colfile

import "errors"

// Errors returned by the package, wrapped with the file or value concerned.
var (
	// ErrUnknownCompression is returned by ParseCompression for a codec name
	// it does not know.
	ErrUnknownCompression = errors.New("colfile: unknown compression")
	// ErrUnknownColumn is returned by ReadParquet for a column name that is
	// not in the file.
	ErrUnknownColumn = errors.New("colfile: unknown column")
	// ErrSchemaMismatch is returned by a writer for a record batch whose
	// columns do not match the writer's schema.
	ErrSchemaMismatch = errors.New("colfile: record does not match schema")
	// ErrBadDelim is returned by CSVWriter for a delimiter that cannot be
	// written unambiguously ('"', '\n' or '\r').
	ErrBadDelim = errors.New("colfile: bad csv delimiter")
	// ErrClosed is returned by a writer's Write after Close.
	ErrClosed = errors.New("colfile: writer closed")
)
