package main

import (
	"bufio"
	"context"
	"database/sql"
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
)

var (
	//go:embed sql/q1.sql
	q1SQL string
	//go:embed sql/nation_year_revenue.sql
	revenueSQL string
)

// queries are the SQL texts by -query name.
var queries = map[string]string{"q1": q1SQL, "nation-revenue": revenueSQL}

func main() {
	input := flag.String("input", "", "directory of TPC-H .tbl files")
	query := flag.String("query", "q1", "q1 or nation-revenue")
	out := flag.String("out", "", "output TSV file")
	threads := flag.Int("threads", 0, "DuckDB threads (0: DuckDB's default, all CPUs)")
	flag.Parse()
	text, ok := queries[*query]
	if *input == "" || *out == "" || !ok || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: duckrun -input DIR -query q1|nation-revenue -out FILE")
		os.Exit(2)
	}
	start := time.Now()
	if err := run(context.Background(), *input, text, *threads, *out); err != nil {
		fmt.Fprintln(os.Stderr, "duckrun:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "duckrun: %s in %v\n", *query, time.Since(start).Round(time.Millisecond))
}

// run opens an in-memory DuckDB, defines the views and writes the query's
// answer to out.
func run(ctx context.Context, dir, query string, threads int, out string) error {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return err
	}
	defer db.Close()
	conn, err := db.Conn(ctx) // one connection, so that the settings hold for the query
	if err != nil {
		return err
	}
	defer conn.Close()
	setup := views(dir)
	if threads > 0 {
		setup = fmt.Sprintf("SET threads = %d;\n%s", threads, setup)
	}
	if _, err := conn.ExecContext(ctx, setup); err != nil {
		return fmt.Errorf("defining the views: %w", err)
	}
	rows, err := conn.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	return writeFile(out, func(w io.Writer) error { return writeTSV(w, rows) })
}

// writeFile writes path through a buffer, by way of a temporary file that
// is renamed into place only when complete.
func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	w := bufio.NewWriter(f)
	if err := errors.Join(write(w), w.Flush(), f.Close()); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
