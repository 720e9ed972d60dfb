package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
)

// queries are the queries plain answers, by their -query name.
var queries = map[string]func(dir string, n int, w io.Writer) error{
	"q1":             q1,
	"nation-revenue": nationRevenue,
}

func main() {
	input := flag.String("input", "", "directory of TPC-H .tbl files")
	query := flag.String("query", "q1", "q1 or nation-revenue")
	out := flag.String("out", "", "output TSV file")
	flag.Parse()
	run, ok := queries[*query]
	if *input == "" || *out == "" || !ok || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: plain -input DIR -query q1|nation-revenue -out FILE")
		os.Exit(2)
	}
	if err := writeFile(*out, func(w io.Writer) error { return run(*input, runtime.GOMAXPROCS(0), w) }); err != nil {
		fmt.Fprintln(os.Stderr, "plain:", err)
		os.Exit(1)
	}
}

// writeFile writes path through a buffer, by way of a temporary file in
// the same directory that is renamed into place only when complete.
func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // fails harmlessly after the rename
	w := bufio.NewWriter(f)
	err = errors.Join(write(w), w.Flush(), f.Close())
	if err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
