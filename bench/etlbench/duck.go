package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// sqlFiles are the queries' SQL, in duckrun/sql (verbatim copies of the
// shared answers' SQL).
var sqlFiles = map[string]string{"q1": "q1.sql", "nation-revenue": "nation_year_revenue.sql"}

// duckDB is how DuckDB runs here: the duckrun program (preferred), or a
// duckdb executable fed a script, or not at all.
type duckDB struct {
	duckrun string // the built duckrun, or ""
	cli     string // a duckdb executable, used when duckrun is ""
	sqlDir  string // duckrun/sql: views.sql and the queries, for the cli
	skipped string // why DuckDB does not run, when both are ""
}

func (d duckDB) available() bool { return d.duckrun != "" || d.cli != "" }

// setupDuckDB builds duckrun (a nested module with cgo and DuckDB's static
// library, fetched through the module proxy) within cfg.duckBuildTimeout,
// falling back to a duckdb on PATH. Failure is not an error: the
// benchmark runs without DuckDB and says why.
func setupDuckDB(ctx context.Context, cfg config, dir string) duckDB {
	d := duckDB{sqlDir: filepath.Join(cfg.repo, "bench", "etlbench", "duckrun", "sql")}
	var reasons []string
	if cfg.duckdb == "off" {
		return duckDB{skipped: "-duckdb off"}
	}
	if cfg.duckdb == "auto" {
		bin := filepath.Join(dir, "duckrun")
		bctx, cancel := context.WithTimeout(ctx, cfg.duckBuildTimeout)
		start := time.Now()
		err := goBuild(bctx, filepath.Join(cfg.repo, "bench", "etlbench", "duckrun"), bin, ".", "CGO_ENABLED=1")
		cancel()
		if err == nil {
			fmt.Fprintf(os.Stderr, "etlbench: duckrun built in %.0f s\n", time.Since(start).Seconds())
			d.duckrun = bin
			return d
		}
		if errors.Is(bctx.Err(), context.DeadlineExceeded) {
			err = fmt.Errorf("build exceeded -duckdb-build-timeout %v", cfg.duckBuildTimeout)
		}
		fmt.Fprintln(os.Stderr, "etlbench: duckrun:", err)
		reasons = append(reasons, "duckrun did not build: "+lastLine(err.Error()))
	}
	cli, err := exec.LookPath("duckdb")
	if err != nil {
		d.skipped = strings.Join(append(reasons, "no duckdb on PATH"), "; ")
		return d
	}
	d.cli = cli
	return d
}

// argv returns the command that answers query over the tables in data
// into out.
func (d duckDB) argv(query, data, out string) ([]string, error) {
	if d.duckrun != "" {
		return []string{d.duckrun, "-input", data, "-query", query, "-out", out}, nil
	}
	script, err := cliScript(d.sqlDir, query, data, out)
	if err != nil {
		return nil, err
	}
	return []string{d.cli, "-c", script}, nil
}

// cliScript is what duckrun does, for the duckdb executable: the views,
// then the query's rows COPYed to out as TSV with a header line.
func cliScript(sqlDir, query, data, out string) (string, error) {
	views, err := os.ReadFile(filepath.Join(sqlDir, "views.sql"))
	if err != nil {
		return "", err
	}
	q, err := os.ReadFile(filepath.Join(sqlDir, sqlFiles[query]))
	if err != nil {
		return "", err
	}
	body := strings.TrimSuffix(strings.TrimSpace(string(q)), ";")
	return fmt.Sprintf("%s\nCOPY (\n%s\n) TO %s (FORMAT csv, HEADER, DELIMITER '\\t', QUOTE '');\n",
		strings.ReplaceAll(string(views), "{{DIR}}", sqlEscape(data)), body, "'"+sqlEscape(out)+"'"), nil
}

// sqlEscape doubles single quotes, for the inside of an SQL string literal.
func sqlEscape(s string) string { return strings.ReplaceAll(s, "'", "''") }

// lastLine returns the last non-blank line of s: the go tool ends its
// output with the error that stopped it.
func lastLine(s string) string {
	s = strings.TrimSpace(s)
	return strings.TrimSpace(s[strings.LastIndexByte(s, '\n')+1:])
}
