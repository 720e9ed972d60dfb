// Command wordcount counts the words of text files on a Spindle cluster.
//
//	spindle run ./jobs/wordcount -- --input 'books/*.txt' --output out/wc
//
// A word is a maximal run of characters for which unicode.IsLetter or
// unicode.IsDigit holds, lowercased; bytes that are not valid UTF-8
// separate words, and each file ends a word. The output directory holds
// part-NNNNN files of "word<TAB>count" lines, each sorted by word, and an
// empty _SUCCESS file once the job succeeded. The union of the parts,
// sorted, is the answer.
package main

import (
	"flag"
	"strconv"
	"time"

	"spindle/internal/size"
	"spindle/sdk"
)

func main() {
	input := flag.String("input", "", "text files to count: a file, directory, glob, or comma-separated list (required)")
	output := flag.String("output", "", "directory to write part-NNNNN files and _SUCCESS into; must not exist (required)")
	splitSize := flag.String("split-size", "", "bytes of input per map task, e.g. 64MiB (default: chosen from the input size)")
	reducers := flag.Int("reducers", 0, "number of reduce tasks and output parts (default: the cluster's vcores)")
	every := flag.Duration("checkpoint-interval", 30*time.Second, "checkpoint map tasks this often, so that a retry resumes (0: never)")
	sdk.Main(func(p *sdk.Pipeline) error {
		if *input == "" {
			return sdk.Usagef("--input is required")
		}
		if *output == "" {
			return sdk.Usagef("--output is required")
		}
		opts := []sdk.Option{sdk.Partitions(*reducers), sdk.CheckpointEvery(*every)}
		if *splitSize != "" {
			n, err := size.Parse(*splitSize)
			if err != nil {
				return sdk.Usagef("--split-size: %v", err)
			}
			opts = append(opts, sdk.SplitSize(n))
		}
		lines := sdk.ReadText(p, "read", *input, opts...)
		words := sdk.FlatMap(p, "split", lines, words)
		counts := sdk.CountPerKey(p, "count", words, opts...)
		out := sdk.Map(p, "format", counts, func(kv sdk.KV[string, int64]) string {
			return kv.Key + "\t" + strconv.FormatInt(kv.Value, 10)
		})
		sdk.WriteText(p, "write", out, *output)
		return nil
	})
}
