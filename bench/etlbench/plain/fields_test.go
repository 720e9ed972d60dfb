package main

import (
	"errors"
	"math/rand/v2"
	"testing"
)

func TestCursor(t *testing.T) {
	c := cursor{line: []byte("17|24710.35|0.04|-3|7|N|1996-03-13|comment, long enough for the 8-byte loop|")}
	qty, price, disc, neg, whole := c.int(), c.decimal(2), c.decimal(2), c.decimal(2), c.decimal(2)
	flag, ship, comment := c.next(), c.date(), c.next()
	if c.err != nil {
		t.Fatal(c.err)
	}
	if qty != 17 || price != 2471035 || disc != 4 || neg != -300 || whole != 700 {
		t.Errorf("numbers: got %d %d %d %d %d, want 17 2471035 4 -300 700", qty, price, disc, neg, whole)
	}
	if string(flag) != "N" || string(ship) != "1996-03-13" || string(comment) != "comment, long enough for the 8-byte loop" {
		t.Errorf("text: got %q %q %q", flag, ship, comment)
	}
	if c.next(); !errors.Is(c.err, errFields) {
		t.Errorf("past the end: got %v, want %v", c.err, errFields)
	}
}

func TestDecimalErrors(t *testing.T) {
	tests := []struct {
		field string
		want  error
	}{
		{"1.234|", errTooFine}, {"1x|", errNumber}, {"|", errNumber}, {"-|", errNumber}, {".|", errNumber},
		{"1.2.3|", errNumber}, {"10000000000000.00|", errRange}, {"12", errFields},
	}
	for _, tt := range tests {
		c := cursor{line: []byte(tt.field)}
		if v := c.decimal(2); !errors.Is(c.err, tt.want) {
			t.Errorf("decimal(%q): got %d, %v; want %v", tt.field, v, c.err, tt.want)
		}
	}
}

// TestDecimalFastPath is a property test: cursor.decimal's one-pass parse
// agrees with parseDecimal on random fields, valid or not.
func TestDecimalFastPath(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const alphabet = "0123456789.-x"
	for range 100000 {
		b := make([]byte, r.IntN(18))
		for i := range b {
			if r.IntN(3) > 0 {
				b[i] = '0' + byte(r.IntN(10))
			} else {
				b[i] = alphabet[r.IntN(len(alphabet))]
			}
		}
		scale := r.IntN(5)
		want, wantErr := parseDecimal(b, scale)
		c := cursor{line: append(b, '|', 'z')}
		got := c.decimal(scale)
		if (c.err == nil) != (wantErr == nil) || wantErr == nil && got != want {
			t.Fatalf("decimal(%q, %d): got %d, %v; want %d, %v", b, scale, got, c.err, want, wantErr)
		}
		if c.err == nil && string(c.line) != "z" {
			t.Fatalf("decimal(%q): left %q, want %q", b, c.line, "z")
		}
	}
}

func TestYear(t *testing.T) {
	for _, tt := range []struct {
		field string
		want  uint32
		ok    bool
	}{{"1998-09-02|", 1998, true}, {"19x8-09-02|", 0, false}, {"1998-9-2|", 0, false}} {
		c := cursor{line: []byte(tt.field)}
		if got := c.year(); got != tt.want || (c.err == nil) != tt.ok {
			t.Errorf("year(%q): got %d, %v; want %d, ok=%v", tt.field, got, c.err, tt.want, tt.ok)
		}
	}
}

func TestIndexPipe(t *testing.T) {
	for n := range 20 {
		for at := range n + 1 {
			b := make([]byte, n)
			for i := range b {
				b[i] = 'a' + byte(i%26)
			}
			want := -1
			if at < n {
				b[at], want = '|', at
			}
			if got := indexPipe(b); got != want {
				t.Errorf("indexPipe(%q): got %d, want %d", b, got, want)
			}
		}
	}
}

// TestSkip is a property test: skip(n) lands where n calls of next do,
// with '|' and its neighbours in the bytes ('}' is '|' + 1, a false match
// of the inexact zero-byte trick).
func TestSkip(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	const alphabet = "|}{a0"
	for range 20000 {
		b := make([]byte, r.IntN(40))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		n := r.IntN(8)
		want := cursor{line: b}
		for range n {
			want.next()
		}
		got := cursor{line: b}
		got.skip(n)
		if string(got.line) != string(want.line) || (got.err == nil) != (want.err == nil) {
			t.Fatalf("skip(%d) of %q: got %q, %v; want %q, %v", n, b, got.line, got.err, want.line, want.err)
		}
	}
}
