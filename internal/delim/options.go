package delim

import (
	"errors"
	"fmt"
	"strings"
)

// Errors returned by NewScanner, wrapped with the detail of what is wrong;
// check them with errors.Is.
var (
	// ErrOptions reports Options that cannot describe a record format.
	ErrOptions = errors.New("delim: bad options")
	// ErrUnsupportedType reports a schema field of a type delim cannot
	// parse.
	ErrUnsupportedType = errors.New("delim: unsupported type")
	// ErrProjection reports a projection index out of range or repeated.
	ErrProjection = errors.New("delim: bad projection")
)

// Options describe the text format of the records.
type Options struct {
	// Delim is the field separator: ',' for CSV, '|' for .tbl.
	Delim byte
	// Quote is 0 for no quoting (.tbl). Otherwise (usually '"') a field
	// that starts with Quote is enclosed in quotes as in RFC 4180: a
	// doubled Quote inside is one Quote and a Delim inside is data. A
	// Quote anywhere else in a field is ordinary data. Records are always
	// one line: quoted newlines are not supported.
	Quote byte
	// Trailing says that every record ends with one extra Delim, as in
	// TPC-H .tbl files ("1|2|x|"); a record without it is then bad.
	Trailing bool
	// Null is the text of a null value: an unquoted field equal to Null
	// is null, whatever the column type. Independently, an empty unquoted
	// field is null in every non-string column; in a string column it is
	// "" unless Null is "" too.
	Null string
}

// check reports what makes o unusable, as an error wrapping ErrOptions.
func (o Options) check() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrOptions, fmt.Sprintf(format, args...))
	}
	switch {
	case o.Delim == 0:
		return bad("Delim is not set")
	case o.Delim == '\n' || o.Delim == '\r':
		return bad("Delim %q is a line end", o.Delim)
	case o.Quote == o.Delim:
		return bad("Quote and Delim are both %q", o.Delim)
	case o.Quote == '\n' || o.Quote == '\r':
		return bad("Quote %q is a line end", o.Quote)
	case strings.IndexByte(o.Null, o.Delim) >= 0:
		return bad("Null %q contains Delim %q", o.Null, o.Delim)
	case o.Quote != 0 && strings.IndexByte(o.Null, o.Quote) >= 0:
		return bad("Null %q contains Quote %q", o.Null, o.Quote)
	}
	return nil
}
