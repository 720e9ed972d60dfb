package delim

import (
	"fmt"
	"strings"
)

// cutField cuts the field of line that starts at pos, for delimiter d and
// quote q (0 for none). f is its text: for a field enclosed in quotes, the
// text between them with doubled quotes still doubled, and esc tells
// whether there are any. next is where the following field starts, -1 when
// f ends the line. reason is set, and the rest zero, for bad quoting.
func cutField(line string, pos int, d, q byte) (f string, esc bool, next int, reason string) {
	if q == 0 || pos >= len(line) || line[pos] != q {
		j := strings.IndexByte(line[pos:], d)
		if j < 0 {
			return line[pos:], false, -1, ""
		}
		return line[pos : pos+j], false, pos + j + 1, ""
	}
	start := pos + 1
	i := start
	for {
		j := strings.IndexByte(line[i:], q)
		if j < 0 {
			return "", false, 0, reasonUnclosed
		}
		i += j
		if i+1 < len(line) && line[i+1] == q {
			esc, i = true, i+2
			continue
		}
		break
	}
	f, i = line[start:i], i+1
	switch {
	case i == len(line):
		return f, esc, -1, ""
	case line[i] == d:
		return f, esc, i + 1, ""
	}
	return "", false, 0, reasonAfterQuote
}

// countOr returns the Reject for line's field count when it is wrong
// (or for quoting so bad that the fields cannot be counted), else r.
func (s *Scanner) countOr(line string, r *Reject) *Reject {
	got, lastEmpty, bad := s.countFields(line)
	if bad != nil {
		return bad
	}
	want := len(s.fields)
	if s.opts.Trailing {
		switch {
		case lastEmpty:
			got-- // the empty "field" after the trailing delimiter
		case got == want:
			return &Reject{Reason: "missing trailing delimiter " + quote(string(s.opts.Delim))}
		}
	}
	if got != want {
		return &Reject{Reason: countReason(got, want)}
	}
	return r
}

// countFields counts the fields of line, as if there were no Trailing
// delimiter, and tells whether the last one is empty and unquoted.
func (s *Scanner) countFields(line string) (n int, lastEmpty bool, bad *Reject) {
	d, q := s.opts.Delim, s.opts.Quote
	if q == 0 {
		return strings.Count(line, s.delim) + 1, line == "" || line[len(line)-1] == d, nil
	}
	pos := 0
	for {
		f, _, next, reason := cutField(line, pos, d, q)
		if reason != "" {
			return 0, false, s.quoteReject(n, reason)
		}
		n++
		if next < 0 {
			return n, f == "" && (pos == len(line) || line[pos] != q), nil
		}
		pos = next
	}
}

// quoteReject is the Reject for bad quoting in field (0-based), which
// may lie past the fields of the schema.
func (s *Scanner) quoteReject(field int, reason string) *Reject {
	if field < len(s.fields) {
		return &Reject{Column: field + 1, Field: s.fields[field].Name, Reason: reason}
	}
	return &Reject{Reason: fmt.Sprintf("field %d: %s", field+1, reason)}
}
