package delim

import (
	"fmt"
	"strconv"
)

// Reject describes why one record was not added.
type Reject struct {
	// Column is the 1-based number of the bad field in the record (not in
	// the projection); 0 when the record as a whole is bad (wrong field
	// count).
	Column int
	// Field is the schema name of the bad field, "" when Column is 0.
	Field string
	// Reason is short and specific, such as `bad date "1996-13-01"` or
	// `17 fields, want 16`.
	Reason string
}

// Error returns the reason with its place, such as
// `column 5 (l_quantity): bad int64 "x1"` or `record: 17 fields, want 16`.
func (r *Reject) Error() string {
	if r.Column == 0 {
		return "record: " + r.Reason
	}
	return fmt.Sprintf("column %d (%s): %s", r.Column, r.Field, r.Reason)
}

// maxQuoted is the most bytes of a bad value quoted in a reason.
const maxQuoted = 40

// quote returns v as a Go string literal for a reason, cut to maxQuoted
// bytes (marked by "...") so that a huge bad field makes a short reason.
func quote(v string) string {
	if len(v) <= maxQuoted {
		return strconv.Quote(v)
	}
	return strconv.Quote(v[:maxQuoted]) + "..."
}

// badValue is the reason for text that is not a value of type typ.
func badValue(typ, v string) string {
	return "bad " + typ + " " + quote(v)
}

// outOfRange is the reason for a well-formed number that typ cannot hold.
func outOfRange(typ, v string) string {
	return "value out of range for " + typ + " " + quote(v)
}

// Reasons that carry no value.
const (
	reasonUTF8        = "invalid UTF-8"
	reasonNotNullable = "null in non-nullable column"
	reasonUnclosed    = "unterminated quote"
	reasonAfterQuote  = "text after closing quote"
	reasonStringFull  = "string column over 2 GiB: flush first"
)

// countReason is the reason for a record of got fields when want are
// expected.
func countReason(got, want int) string {
	unit := "fields"
	if got == 1 {
		unit = "field"
	}
	return fmt.Sprintf("%d %s, want %d", got, unit, want)
}
