package delim

import (
	"strings"
	"unsafe"
)

// Add parses one record: line is the record without its '\n' (the caller
// strips '\r'). It appends the record to the columns and returns nil, or
// keeps nothing of it and returns why. A wrong field count is reported in
// preference to a bad value. Add does not keep line.
func (s *Scanner) Add(line string) *Reject {
	if !s.ready {
		s.reserve()
	}
	if s.opts.Quote == 0 || strings.IndexByte(line, s.opts.Quote) < 0 {
		return s.addPlain(line) // without quotes, a quoted format is plain
	}
	return s.addQuoted(line)
}

// addPlain is Add for unquoted records, where every field ends at the
// next Delim. It finds the delimiters up to the end of the last projected
// field and counts the rest.
func (s *Scanner) addPlain(line string) *Reject {
	ends := s.ends
	if findDelims(ends, line, s.opts.Delim) < len(ends) || !s.plainCount(line) {
		return s.recordReject(line)
	}
	for i := range s.steps {
		st := &s.steps[i]
		start, end := 0, len(line)
		if st.field > 0 {
			start = ends[st.field-1] + 1
		}
		if !st.eol {
			end = ends[st.field]
		}
		if r := s.putAhead(st, line[start:end], line[start:]); r != "" {
			return s.fieldReject(line, st.field, r)
		}
	}
	s.n++
	return nil
}

// putAhead is put for an unquoted field f that starts the string ahead:
// when 8 bytes of ahead can be read, a short number is read as one word.
func (s *Scanner) putAhead(st *step, f, ahead string) string {
	if len(f) == 0 || len(f) > 8 || len(ahead) < 8 || f == s.opts.Null {
		return s.put(st, f, false)
	}
	switch c := st.col.(type) {
	case *decimalCol:
		return c.addAhead(f, ahead)
	case *int64Col:
		return c.addAhead(f, ahead)
	case *int32Col:
		return c.addAhead(f, ahead)
	}
	return s.put(st, f, false)
}

// plainCount reports whether line, whose first delimiters are in s.ends,
// has the right number of fields.
func (s *Scanner) plainCount(line string) bool {
	rest := line
	if len(s.ends) > 0 {
		rest = line[s.ends[len(s.ends)-1]+1:]
	}
	if strings.Count(rest, s.delim) != s.delims-len(s.ends) {
		return false
	}
	return !s.opts.Trailing || line != "" && line[len(line)-1] == s.opts.Delim
}

// addQuoted is Add for records whose fields may be quoted: every field,
// projected or not, is cut by cutQuoted.
func (s *Scanner) addQuoted(line string) *Reject {
	pos, field := 0, 0
	for i := range s.steps {
		st := &s.steps[i]
		for ; field < st.field; field++ {
			_, _, next, r := s.cutQuoted(line, pos, field)
			if r != nil {
				return r
			}
			pos = next
		}
		f, esc, next, r := s.cutQuoted(line, pos, field)
		if r != nil {
			return r
		}
		quoted := pos < len(line) && line[pos] == s.opts.Quote
		if esc {
			f = s.unescape(f)
		}
		if r := s.put(st, f, quoted); r != "" {
			return s.fieldReject(line, field, r)
		}
		pos, field = next, field+1
	}
	for ; field < len(s.fields); field++ {
		_, _, next, r := s.cutQuoted(line, pos, field)
		if r != nil {
			return r
		}
		pos = next
	}
	if s.opts.Trailing && pos != len(line) {
		return s.recordReject(line)
	}
	s.n++
	return nil
}

// cutQuoted cuts field number field, which starts at pos, and checks that
// it ends where the record format says: its content (quotes removed),
// whether it holds doubled quotes to undo, and where the next field
// starts. On bad quoting or a field ending the record too early or too
// late it returns the Reject, with the record rolled back.
func (s *Scanner) cutQuoted(line string, pos, field int) (f string, esc bool, next int, r *Reject) {
	f, esc, next, reason := cutField(line, pos, s.opts.Delim, s.opts.Quote)
	if reason != "" {
		s.rollback()
		return "", false, 0, s.quoteReject(field, reason)
	}
	eol := field == len(s.fields)-1 && !s.opts.Trailing
	if (next < 0) != eol {
		return "", false, 0, s.recordReject(line)
	}
	return f, esc, next, nil
}

// put adds field f (quoted when it was enclosed in quotes) to st's column,
// deciding first whether it is null; it returns the reason f is bad, or "".
func (s *Scanner) put(st *step, f string, quoted bool) string {
	if !quoted && (len(f) == 0 && st.emptyNull || s.hasNull && f == s.opts.Null) {
		if !st.nullable {
			return reasonNotNullable
		}
		st.col.addNull()
		return ""
	}
	switch c := st.col.(type) { // direct calls for the common types
	case *decimalCol:
		return c.add(f)
	case *stringCol:
		return c.add(f)
	case *date32Col:
		return c.add(f)
	case *int64Col:
		return c.add(f)
	}
	return st.col.add(f)
}

// unescape returns f with each doubled Quote made one, in s.scratch: the
// result is valid until the next call.
func (s *Scanner) unescape(f string) string {
	q := s.opts.Quote
	b := s.scratch[:0]
	for {
		j := strings.IndexByte(f, q)
		if j < 0 {
			break
		}
		b = append(b, f[:j+1]...)
		f = f[j+2:]
	}
	b = append(b, f...)
	s.scratch = b
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// fieldReject rolls the record back and returns the Reject for reason
// about field, unless the record has the wrong number of fields.
func (s *Scanner) fieldReject(line string, field int, reason string) *Reject {
	s.rollback()
	return s.countOr(line, &Reject{Column: field + 1, Field: s.fields[field].Name, Reason: reason})
}

// recordReject rolls the record back and returns the Reject for its
// field count, which must be wrong.
func (s *Scanner) recordReject(line string) *Reject {
	s.rollback()
	r := s.countOr(line, nil)
	if r == nil {
		panic("delim: record rejected with a right field count: " + quote(line))
	}
	return r
}
