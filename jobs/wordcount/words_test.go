package main

import (
	"bufio"
	"context"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"spindle/internal/proto"
	"spindle/internal/textio"
)

// refWords is the word rule written the plain way, as wc-ref does it:
// decode rune by rune with ReadRune, append lowercased word runes, cut at
// anything else.
func refWords(s string) []string {
	var out []string
	r := bufio.NewReader(strings.NewReader(s))
	var word []byte
	for {
		c, _, err := r.ReadRune()
		if err == io.EOF {
			break
		}
		if unicode.IsLetter(c) || unicode.IsDigit(c) {
			word = utf8.AppendRune(word, unicode.ToLower(c))
			continue
		}
		if len(word) > 0 {
			out = append(out, string(word))
			word = word[:0]
		}
	}
	if len(word) > 0 {
		out = append(out, string(word))
	}
	return out
}

// gotWords collects what words emits.
func gotWords(s string) []string {
	var out []string
	words(s, func(w string) { out = append(out, w) })
	return out
}

func TestWords(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"   ,.;\t", nil},
		{"Hello, World!", []string{"hello", "world"}},
		{"don't stop-me now", []string{"don", "t", "stop", "me", "now"}},
		{"abc123 4x4 007", []string{"abc123", "4x4", "007"}},
		{"under_score", []string{"under", "score"}},
		{"Ærø Straße ΣΊΣΥΦΟΣ", []string{"ærø", "straße", "σίσυφοσ"}}, // rune by rune: final Σ → σ, not ς
		{"ÉLÈVE élève", []string{"élève", "élève"}},
		{"北京欢迎你。東京", []string{"北京欢迎你", "東京"}},
		{"٣٤٥ x² ½ Ⅻ", []string{"٣٤٥", "x"}},      // Arabic-Indic digits are Nd; ², ½, Ⅻ are No/Nl
		{"cafe\u0301s", []string{"cafe", "s"}},    // a combining mark is not a letter
		{"İstanbul K", []string{"istanbul", "k"}}, // U+0130 → plain i, Kelvin sign → k
		{"ǅemal", []string{"ǆemal"}},
		{"Ⱥb", []string{"ⱥb"}}, // lowercasing grows it from 2 to 3 bytes
		{"valid\xffword", []string{"valid", "word"}},
		{"\xe2\x82", nil},
		{"a\xe2\x82b", []string{"a", "b"}},
		{"euro\xe2\x82\xacsign", []string{"euro", "sign"}},
		{"x\xef\xbf\xbdy", []string{"x", "y"}}, // an encoded U+FFFD separates too
		{"\xc3(\xc3\xa9t\xc3\xa9", []string{"été"}},
		{"\xed\xa0\x80ab\xc0\xaf", []string{"ab"}}, // surrogate, overlong
		{"MiXeD CaSe", []string{"mixed", "case"}},
		{"line\r\n", []string{"line"}},
	}
	for _, tt := range tests {
		got := gotWords(tt.in)
		if !slices.Equal(got, tt.want) {
			t.Errorf("words(%q): got %q, want %q", tt.in, got, tt.want)
		}
		if ref := refWords(tt.in); !slices.Equal(got, ref) {
			t.Errorf("words(%q): got %q, reference %q", tt.in, got, ref)
		}
	}
}

// randomText mixes ASCII, multi-byte runes and invalid bytes.
func randomText(rng *rand.Rand) string {
	pieces := []string{"a", "Z", "7", " ", "\n", "\r", "-", "é", "É", "ß", "Σ", "ς", "日", "٣", "²",
		"\u0301", "İ", "K", "Ⱥ", "\xff", "\x80", "\xe2\x82", "\xf0\x9f", "\xed\xa0\x80", "\xef\xbf\xbd"}
	var b strings.Builder
	for range rng.Intn(40) {
		if rng.Intn(4) == 0 {
			b.WriteByte(byte(rng.Intn(256))) // any byte at all
			continue
		}
		b.WriteString(pieces[rng.Intn(len(pieces))])
	}
	return b.String()
}

func TestWordsMatchesReferenceRandom(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for range 20000 {
		s := randomText(rng)
		if got, want := gotWords(s), refWords(s); !slices.Equal(got, want) {
			t.Fatalf("words(%q): got %q, want %q", s, got, want)
		}
	}
}

// TestWordsFixtures reads each fixture line by line with textio, as the job
// does, and checks the words against the reference over the whole file.
func TestWordsFixtures(t *testing.T) {
	files, err := textio.Expand("../../testdata/wordcount,../../testdata/wordcount/sample")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		s := proto.Split{Path: path, Length: int64(len(data))}
		err = textio.ReadLines(context.Background(), s, func(line string) error {
			words(line, func(w string) { got = append(got, w) })
			return nil
		}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if want := refWords(string(data)); !slices.Equal(got, want) {
			t.Errorf("%s: got %d words, want %d (first difference at %d)",
				filepath.Base(path), len(got), len(want), firstDiff(got, want))
		}
	}
}

func firstDiff(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func TestWordsAllocations(t *testing.T) {
	tests := []struct {
		in   string
		want float64
	}{
		{"the quick brown fox, 42 times", 0},
		{"ærø straße σίσυφος", 0},
		{"The Quick brown", 2},
		{"Ærø", 1},
	}
	for _, tt := range tests {
		got := testing.AllocsPerRun(100, func() { words(tt.in, func(string) {}) })
		if got != tt.want {
			t.Errorf("words(%q): got %v allocations, want %v", tt.in, got, tt.want)
		}
	}
}

func FuzzWords(f *testing.F) {
	for _, s := range []string{"", "Hello, World!", "Ærø Straße ΣΊΣΥΦΟΣ", "a\xffb", "\xe2\x82", "İK Ⱥ", "x\u0301y 日本"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := gotWords(s), refWords(s); !slices.Equal(got, want) {
			t.Errorf("words(%q): got %q, want %q", s, got, want)
		}
	})
}

// benchLines returns the lines of the large English fixture.
func benchLines(b *testing.B) ([]string, int64) {
	data, err := os.ReadFile("../../testdata/wordcount/large-lf.txt")
	if err != nil {
		b.Fatal(err)
	}
	return strings.Split(string(data), "\n"), int64(len(data))
}

func BenchmarkWords(b *testing.B) {
	lines, n := benchLines(b)
	b.SetBytes(n)
	count := 0
	for b.Loop() {
		for _, l := range lines {
			words(l, func(string) { count++ })
		}
	}
}

// BenchmarkWordsNaive is the reference rule (wc-ref's ReadRune loop) over
// the whole text at once, for scale.
func BenchmarkWordsNaive(b *testing.B) {
	lines, n := benchLines(b)
	text := strings.Join(lines, "\n")
	b.SetBytes(n)
	count := 0
	for b.Loop() {
		count += len(refWords(text))
	}
}

// BenchmarkWordsFieldsFunc is the idiomatic one-liner, for scale:
// strings.FieldsFunc, then strings.ToLower on every word.
func BenchmarkWordsFieldsFunc(b *testing.B) {
	lines, n := benchLines(b)
	b.SetBytes(n)
	notWord := func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }
	count := 0
	for b.Loop() {
		for _, l := range lines {
			for _, w := range strings.FieldsFunc(l, notWord) {
				count += len(strings.ToLower(w))
			}
		}
	}
}
