//go:build ignore

// gen writes replay.tsv, the streaming word count's test input:
// go run gen.go > replay.tsv. The output is the same every run.
//
// 3000 lines "<time>\t<text>", 37 ms apart from 2026-01-01T00:00:00Z
// with up to 300 ms of jitter (so times go backwards a little, less than
// the job's default 1 s out-of-orderness); every fifth time is RFC 3339,
// the others Unix milliseconds.
package main

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"time"
)

var vocabulary = strings.Fields(`the quick brown fox jumps over lazy dog
	stream batch window watermark checkpoint barrier Spindle NATS JetStream
	river delta flood source sink state timer event late early ordered
	Alpha beta gamma 42 7 2026 café naïve Straße über año`)

func main() {
	rng := rand.New(rand.NewPCG(2026, 12))
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	for i := range 3000 {
		ts := base + int64(i)*37 + rng.Int64N(300)
		words := make([]string, 3+rng.IntN(10))
		for j := range words {
			words[j] = vocabulary[rng.IntN(len(vocabulary))]
		}
		sep := []string{" ", ", ", "; ", " - "}[rng.IntN(4)]
		stamp := fmt.Sprint(ts)
		if i%5 == 0 {
			stamp = time.UnixMilli(ts).UTC().Format("2006-01-02T15:04:05.000Z07:00")
		}
		fmt.Fprintf(w, "%s\t%s\n", stamp, strings.Join(words, sep))
	}
}
