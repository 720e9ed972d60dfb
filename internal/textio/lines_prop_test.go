package textio

import (
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// fixtureDir holds the repository's word-count inputs.
const fixtureDir = "../../testdata/wordcount"

// wantLines splits a whole file into lines by the package's rule, the
// simple way.
func wantLines(text string) []string {
	if text == "" {
		return nil
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, "\r")
	}
	return lines
}

// linesOverSplits reads a file split by split and concatenates the lines.
func linesOverSplits(t *testing.T, path string, target int64, sz sizes) []string {
	t.Helper()
	splits, err := Splits([]string{path}, target)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range splits {
		got = append(got, collect(t, s, sz)...)
	}
	return got
}

// checkEverySplitSize asserts, for every split size from 1 byte to past
// the file's length, that the splits' lines are exactly the file's lines.
func checkEverySplitSize(t *testing.T, path, text string, sizeList []int64, sz sizes) {
	t.Helper()
	want := wantLines(text)
	for _, target := range sizeList {
		got := linesOverSplits(t, path, target, sz)
		if !slices.Equal(got, want) {
			t.Fatalf("%s, split size %d, sizes %+v: got %d lines %q, want %d lines %q",
				filepath.Base(path), target, sz, len(got), got, len(want), want)
		}
	}
}

// allSizes returns 1..n+1.
func allSizes(n int) []int64 {
	s := make([]int64, 0, n+1)
	for i := int64(1); i <= int64(n)+1; i++ {
		s = append(s, i)
	}
	return s
}

func TestSplitsCoverLinesTricky(t *testing.T) {
	texts := []string{
		"", "\n", "\n\n\n", "\r\n", "a", "a\n", "a\r\n", "ab\ncd", "ab\r\ncd\r\n",
		"\nx\n\ny\r\n\r\nz", "one line without newline at all",
		"short\n" + strings.Repeat("long", 40) + "\nshort\r\n\n",
	}
	for _, text := range texts {
		path := writeFile(t, "f.txt", text)
		for _, sz := range tinySizes {
			checkEverySplitSize(t, path, text, allSizes(len(text)), sz)
		}
	}
}

func TestSplitsCoverLinesRandom(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	alphabet := []string{"a", "b", "\n", "\r\n", "\r", "é", "\xff", " "}
	for range 200 {
		var b strings.Builder
		for range rng.Intn(60) {
			b.WriteString(alphabet[rng.Intn(len(alphabet))])
		}
		text := b.String()
		path := writeFile(t, "f.txt", text)
		checkEverySplitSize(t, path, text, allSizes(len(text)), tinySizes[rng.Intn(len(tinySizes))])
	}
}

func TestSplitsCoverLinesFixtures(t *testing.T) {
	files, err := Expand(fixtureDir + "," + fixtureDir + "/sample")
	if err != nil {
		t.Fatal(err)
	}
	sizeList := []int64{1, 2, 3, 7, 64, 100, 1000, 4093, 65536, 1 << 20}
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		list := allSizes(len(data)) // small fixtures: every split size
		if len(data) >= 2000 {
			list = slices.DeleteFunc(slices.Clone(sizeList), func(target int64) bool {
				return int64(len(data))/target > 20000 // keep the test quick
			})
		}
		checkEverySplitSize(t, path, string(data), list, sizes{block: 4096, tail: 512})
	}
}
