package integration

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// referenceCounts is the plain word count of the files, the word rule of
// DESIGN.md written the obvious way (as ../shared/bench/wc-ref does): rune
// by rune, invalid UTF-8 as U+FFFD, each file ending a word. It returns
// the sorted "word\tcount" lines.
func referenceCounts(t *testing.T, files []string) []string {
	t.Helper()
	counts := make(map[string]int)
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		r := bufio.NewReader(fh)
		var word []byte
		for {
			c, _, err := r.ReadRune()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if unicode.IsLetter(c) || unicode.IsDigit(c) {
				word = utf8.AppendRune(word, unicode.ToLower(c))
				continue
			}
			if len(word) > 0 {
				counts[string(word)]++
				word = word[:0]
			}
		}
		if len(word) > 0 {
			counts[string(word)]++
		}
		fh.Close()
	}
	lines := make([]string, 0, len(counts))
	for w, n := range counts {
		lines = append(lines, w+"\t"+strconv.Itoa(n))
	}
	slices.Sort(lines)
	return lines
}

// outputLines returns the sorted lines of every part file in dir, after
// checking that the job committed it (_SUCCESS present, no staging left).
func outputLines(t *testing.T, dir string) []string {
	t.Helper()
	if _, err := os.Stat(filepath.Join(dir, "_SUCCESS")); err != nil {
		t.Fatalf("output %s has no _SUCCESS: %v", dir, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "_temporary")); err == nil {
		t.Errorf("output %s still has _temporary", dir)
	}
	parts, _ := filepath.Glob(filepath.Join(dir, "part-*"))
	if len(parts) == 0 {
		t.Fatalf("output %s has no part files", dir)
	}
	var lines []string
	for _, p := range parts {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(data) == 0 {
			continue
		}
		if !strings.HasSuffix(string(data), "\n") {
			t.Errorf("%s does not end with a newline", p)
		}
		lines = append(lines, strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")...)
	}
	slices.Sort(lines)
	return lines
}

// diffLines describes the first difference between two sorted line lists.
func diffLines(got, want []string) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return "line " + strconv.Itoa(i) + ": got " + strconv.Quote(got[i]) + ", want " + strconv.Quote(want[i])
		}
	}
	return "got " + strconv.Itoa(len(got)) + " lines, want " + strconv.Itoa(len(want))
}
