package main

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Byte classes for words' fast path. A word byte has bit 0 set; bit 1 marks
// an uppercase ASCII letter, one that lowercasing changes.
const (
	clSep   = 0 // ASCII, neither letter nor digit
	clWord  = 1 // ASCII lowercase letter or digit
	clUpper = 3 // ASCII uppercase letter
	clHigh  = 4 // starts a multi-byte or invalid sequence: decode it
)

// class classifies every byte value.
var class = func() (c [256]uint8) {
	for b := range c {
		switch {
		case 'a' <= b && b <= 'z', '0' <= b && b <= '9':
			c[b] = clWord
		case 'A' <= b && b <= 'Z':
			c[b] = clUpper
		case b >= utf8.RuneSelf:
			c[b] = clHigh
		}
	}
	return c
}()

// words calls emit for every word of line, lowercased. A word is a maximal
// run of runes for which unicode.IsLetter or unicode.IsDigit holds; bytes
// that are not valid UTF-8 decode as U+FFFD and so separate words. The word
// is lowercased rune by rune with unicode.ToLower (the same result as
// strings.ToLower). This is exactly the rule of the wc-ref baseline.
//
// A word that lowercasing leaves unchanged is emitted as a substring of
// line, without allocating; only a word that changes is built anew. So an
// emitted string may share line's memory: clone it to keep it beyond what
// line's owner allows.
func words(line string, emit func(string)) {
	for i := skipSeparators(line, 0); i < len(line); i = skipSeparators(line, i) {
		j, lower := wordEnd(line, i)
		if lower {
			emit(toLower(line[i:j]))
		} else {
			emit(line[i:j])
		}
		i = j
	}
}

// skipSeparators returns the offset of the first word rune at or after i,
// or len(s).
func skipSeparators(s string, i int) int {
	for i < len(s) {
		switch class[s[i]] {
		case clSep:
			i++
		case clHigh:
			r, size := utf8.DecodeRuneInString(s[i:])
			if isWordRune(r) {
				return i
			}
			i += size
		default:
			return i
		}
	}
	return i
}

// wordEnd returns the end of the word starting at i and whether lowercasing
// changes it.
func wordEnd(s string, i int) (end int, lower bool) {
	var seen uint8 // the classes of the word's bytes, or-ed
	for i < len(s) {
		c := class[s[i]]
		if c&clWord != 0 {
			seen |= c
			i++
			continue
		}
		if c == clSep {
			break
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if !isWordRune(r) {
			break
		}
		if unicode.ToLower(r) != r {
			seen |= clUpper
		}
		i += size
	}
	return i, seen&clUpper == clUpper
}

// isWordRune reports whether r belongs in a word. utf8.RuneError, which
// invalid bytes decode as, is neither a letter nor a digit.
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// toLower lowercases a word (valid UTF-8, letters and digits only) rune by
// rune.
func toLower(w string) string {
	var b strings.Builder
	b.Grow(len(w))
	for i := 0; i < len(w); {
		c := w[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b.WriteByte(c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(w[i:])
		b.WriteRune(unicode.ToLower(r))
		i += size
	}
	return b.String()
}
