package integration

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"spindle/internal/colfile"
	"spindle/internal/proto"
)

// The ETL tests run jobs/etl over the TPC-H SF 0.01 tables of
// ../testdata/tpch on clusters of separate processes, and compare what it
// writes with the exact answers there byte for byte.

const tpchFixtures = "../testdata/tpch"

var (
	// etlBuild builds jobs/etl once, beside the spindle binary.
	etlBuild = sync.OnceValues(func() (string, error) {
		bin := filepath.Join(filepath.Dir(spindleBin), "etl")
		if out, err := exec.Command("go", "build", "-o", bin, "../jobs/etl").CombinedOutput(); err != nil {
			return "", fmt.Errorf("build jobs/etl: %v\n%s", err, out)
		}
		return bin, nil
	})
	// tpchBuild gunzips the fixture tables once, beside the binaries.
	tpchBuild = sync.OnceValues(func() (string, error) {
		dir := filepath.Join(filepath.Dir(spindleBin), "tpch")
		for _, name := range []string{"lineitem", "orders", "customer", "nation"} {
			if err := gunzip(filepath.Join(tpchFixtures, name+".tbl.gz"), filepath.Join(dir, name+".tbl")); err != nil {
				return "", err
			}
		}
		return dir, nil
	})
)

func etlBin(t *testing.T) string { return once(t, etlBuild) }

// tpchDir is the directory of the gunzipped tables.
func tpchDir(t *testing.T) string { return once(t, tpchBuild) }

func once(t *testing.T, f func() (string, error)) string {
	t.Helper()
	s, err := f()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// gunzip writes the decompressed src to dst, creating dst's directory.
func gunzip(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	zr, err := gzip.NewReader(in)
	if err != nil {
		return fmt.Errorf("gunzip %s: %w", src, err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, zr); err != nil {
		out.Close()
		return fmt.Errorf("gunzip %s: %w", src, err)
	}
	return out.Close()
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// etl submits jobs/etl with args to c and waits for its end, returning how
// submit ended and the application's ID.
func (c *cluster) etl(t *testing.T, args ...string) (result, string) {
	t.Helper()
	r := spindle(t, 2*time.Minute, append([]string{"submit", "--coordinator", c.url, etlBin(t), "--"}, args...)...)
	app, _, _ := strings.Cut(r.stdout, "\n")
	if !strings.HasPrefix(app, "application_") {
		t.Fatalf("submit: exit %d, first stdout line %q is not an application ID\nstderr: %s", r.code, app, r.stderr)
	}
	return r, app
}

// etlOK is etl for a job that must succeed.
func (c *cluster) etlOK(t *testing.T, args ...string) string {
	t.Helper()
	r, app := c.etl(t, args...)
	if r.code != 0 {
		t.Fatalf("submit: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	return app
}

// etlQueries are the job's queries: output directory, answer file, and the
// column types of the Parquet output.
var etlQueries = []struct {
	dir, answer string
	types       []string
}{
	{"q1", "q1.tsv", []string{"utf8", "utf8", "decimal scale 2", "decimal scale 2", "decimal scale 4", "decimal scale 6",
		"float64", "float64", "float64", "int64"}},
	{"nation-revenue", "nation_year_revenue.tsv", []string{"utf8", "int64", "decimal scale 4", "int64"}},
}

// checkAnswer compares a table laid out as the answer files are with the
// answer file name.
func checkAnswer(t *testing.T, what, got, name string) {
	t.Helper()
	checkTable(t, what, got, "answers/"+name, readFile(t, filepath.Join(tpchFixtures, "answers", name)))
}

// checkTable compares two tables, naming the first line that differs.
func checkTable(t *testing.T, what, got, wantWhat, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s differs from %s: %s", what, wantWhat, diffLines(strings.Split(got, "\n"), strings.Split(want, "\n")))
	}
}

// table lays a header and rows out as the answer files are: the header
// line, then the rows sorted, each line ending in '\n'.
func table(header string, rows []string) string {
	slices.Sort(rows)
	var b strings.Builder
	for _, l := range append([]string{header}, rows...) {
		b.WriteString(l + "\n")
	}
	return b.String()
}

// parts returns the part files of a committed output directory: _SUCCESS
// present, no staging left.
func parts(t *testing.T, dir, ext string) []string {
	t.Helper()
	if _, err := os.Stat(filepath.Join(dir, "_SUCCESS")); err != nil {
		t.Fatalf("output %s has no _SUCCESS: %v", dir, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "_temporary")); err == nil {
		t.Errorf("output %s still has _temporary", dir)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "part-*"+ext))
	if len(files) == 0 {
		t.Fatalf("output %s has no part-*%s files", dir, ext)
	}
	return files
}

// csvTable returns the CSV output in dir as a table: the parts' common
// header, then their data lines, fields separated by sep there and by tab
// here.
func csvTable(t *testing.T, dir, sep string) string {
	t.Helper()
	var header string
	var rows []string
	for i, p := range parts(t, dir, ".csv") {
		data := readFile(t, p)
		if !strings.HasSuffix(data, "\n") {
			t.Fatalf("%s does not end with a newline (each part has a header line)", p)
		}
		lines := strings.Split(strings.TrimSuffix(data, "\n"), "\n")
		if i == 0 {
			header = lines[0]
		} else if lines[0] != header {
			t.Errorf("%s: header %q, want %q as in the first part", p, lines[0], header)
		}
		for _, l := range lines[1:] {
			rows = append(rows, strings.ReplaceAll(l, sep, "\t"))
		}
	}
	return table(strings.ReplaceAll(header, sep, "\t"), rows)
}

// parquetTable returns the Parquet output in dir as a table of colfile's
// text form of each value (a null as \N; the answers have none), with the
// parts' common schema.
func parquetTable(t *testing.T, dir string) (string, *arrow.Schema) {
	t.Helper()
	var schema *arrow.Schema
	var rows []string
	for _, p := range parts(t, dir, ".parquet") {
		sc, err := colfile.ParquetSchema(p)
		if err != nil {
			t.Fatal(err)
		}
		if schema == nil {
			schema = sc
		} else if !sc.Equal(schema) {
			t.Errorf("%s: schema %v, want %v as in the first part", p, sc, schema)
		}
		err = colfile.ReadParquet(context.Background(), p, nil, nil, 0, func(rec arrow.RecordBatch) error {
			rows = append(rows, textRows(rec)...)
			return nil
		})
		if err != nil {
			t.Fatalf("read %s: %v", p, err)
		}
	}
	var names []string
	for _, f := range schema.Fields() {
		names = append(names, f.Name)
	}
	return table(strings.Join(names, "\t"), rows), schema
}

// textRows returns each row of rec as tab-separated text.
func textRows(rec arrow.RecordBatch) []string {
	out := make([]string, rec.NumRows())
	var b []byte
	for i := range out {
		b = b[:0]
		for j, col := range rec.Columns() {
			if j > 0 {
				b = append(b, '\t')
			}
			if col.IsNull(i) {
				b = append(b, `\N`...)
				continue
			}
			b = colfile.AppendValue(b, col, i)
		}
		out[i] = string(b)
	}
	return out
}

// columnTypes describes the type of each column of sc: its name, or
// "decimal scale N".
func columnTypes(sc *arrow.Schema) []string {
	var out []string
	for _, f := range sc.Fields() {
		if d, ok := f.Type.(*arrow.Decimal128Type); ok {
			out = append(out, fmt.Sprintf("decimal scale %d", d.Scale))
			continue
		}
		out = append(out, f.Type.String())
	}
	return out
}

// Both queries, written as CSV with a tab and with the default comma,
// give the exact answers. The comma run reads in 1 MiB splits, so the
// lineitem side is read and joined by several tasks.
func TestETLQueriesCSV(t *testing.T) {
	c := startCluster(t, 2)
	in := tpchDir(t)
	for _, tt := range []struct {
		name, sep string
		args      []string
	}{
		{"tab", "\t", []string{"--csv-delimiter", "tab"}},
		{"comma", ",", []string{"--split-size", "1MiB"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			c.etlOK(t, append([]string{"--input", in, "--output", out, "--query", "all", "--format", "csv"}, tt.args...)...)
			for _, q := range etlQueries {
				checkAnswer(t, q.dir, csvTable(t, filepath.Join(out, q.dir), tt.sep), q.answer)
			}
		})
	}
}

// Both queries written as Parquet hold the exact answers, in columns of
// the types the aggregates promise: sums of decimals at the scale of their
// products, float64 averages, int64 counts.
func TestETLQueriesParquet(t *testing.T) {
	c := startCluster(t, 2)
	out := filepath.Join(t.TempDir(), "out")
	c.etlOK(t, "--input", tpchDir(t), "--output", out, "--query", "all", "--format", "parquet")
	for _, q := range etlQueries {
		got, schema := parquetTable(t, filepath.Join(out, q.dir))
		checkAnswer(t, q.dir, got, q.answer)
		if got, want := columnTypes(schema), q.types; !slices.Equal(got, want) {
			t.Errorf("%s column types %q, want %q", q.dir, got, want)
		}
	}
}

// badRow is a lineitem row with one field broken, written in place of
// the original.
type badRow struct {
	line   int    // 1-based
	field  int    // the 0-based field set to value; -1 drops l_comment
	value  string // the broken field's text
	column string // the rejects files' column: "5 (l_quantity)", "" for the record
	reason string // a part of the reason
	record string // the line as written
}

// apply returns line with the row's field broken.
func (b badRow) apply(line string) string {
	f := strings.Split(line, "|") // 16 fields and the "" after the trailing '|'
	if b.field < 0 {
		f = slices.Delete(f, 15, 16)
	} else {
		f[b.field] = b.value
	}
	return strings.Join(f, "|")
}

// injectBadRows writes the lineitem table at src to dst with these rows
// broken, and returns them in line order:
//   - line 100: l_partkey "x", a column q1 does not read: a good row to it;
//   - the line holding byte 1 MiB, read past the end of the first 1 MiB
//     split: l_quantity "ten";
//   - the first line of the third 1 MiB split: l_returnflag "\xff\xfe";
//   - line 30000: without its l_comment, so 15 fields;
//   - the last line: l_shipdate "1997-02-29", not a date.
//
// Each is a row Q1 counts with one field broken: the row that was there,
// or the last one before it that Q1 counts if it filters that one out, so
// that counting a bad row would change the answer.
func injectBadRows(t *testing.T, src, dst string) []badRow {
	t.Helper()
	const mib = 1 << 20
	lines := strings.Split(strings.TrimSuffix(readFile(t, src), "\n"), "\n")
	rows := []badRow{
		{line: 100, field: 1, value: "x"},
		{field: 4, value: "ten", column: "5 (l_quantity)", reason: `"ten"`},
		{field: 8, value: "\xff\xfe", column: "9 (l_returnflag)", reason: "UTF-8"},
		{line: 30000, field: -1, reason: "15 fields, want 16"},
		{line: len(lines), field: 10, value: "1997-02-29", column: "11 (l_shipdate)", reason: `"1997-02-29"`},
	}
	qty, flag := &rows[1], &rows[2]
	var b strings.Builder
	var counted string // the last line Q1 counts
	for i, l := range lines {
		start := int64(b.Len())
		base := l
		if strings.Split(l, "|")[10] > q1ShipCutoff {
			base = counted
		} else {
			counted = l
		}
		for j := range rows {
			r := &rows[j]
			if r.line == 0 && (r == qty && start+int64(len(r.apply(base))) >= mib || r == flag && start >= 2*mib) {
				r.line = i + 1
			}
			if r.line == i+1 {
				r.record = r.apply(base)
				l = r.record
			}
		}
		b.WriteString(l + "\n")
	}
	if err := os.WriteFile(dst, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return rows
}

// q1ShipCutoff is the last l_shipdate Q1 counts: 1998-12-01 - 90 days.
const q1ShipCutoff = "1998-09-02"

// q1Reference is TPC-H Q1 over the lines of the lineitem table at path
// but the skipped ones (1-based), computed plainly: sums exact in int64
// units of their scale, averages as the unscaled sum over count × 100 (as
// the job and DuckDB divide). Only q1's columns are parsed.
func q1Reference(t *testing.T, path string, skip []int) string {
	t.Helper()
	type sums struct{ qty, base, disc, discPrice, charge, n int64 }
	groups := map[string]*sums{}
	for i, line := range strings.Split(strings.TrimSuffix(readFile(t, path), "\n"), "\n") {
		f := strings.Split(line, "|")
		if slices.Contains(skip, i+1) || f[10] > q1ShipCutoff {
			continue
		}
		qty, base, disc, tax := cents(t, f[4]), cents(t, f[5]), cents(t, f[6]), cents(t, f[7])
		key := f[8] + "\t" + f[9]
		if groups[key] == nil {
			groups[key] = &sums{}
		}
		g := groups[key]
		g.qty, g.base, g.disc, g.n = g.qty+qty, g.base+base, g.disc+disc, g.n+1
		g.discPrice += base * (100 - disc)
		g.charge += base * (100 - disc) * (100 + tax)
	}
	avg := func(sum, n int64) string { return strconv.FormatFloat(float64(sum)/(float64(n)*100), 'g', -1, 64) }
	var rows []string
	for key, g := range groups {
		rows = append(rows, strings.Join([]string{key, scaled(g.qty, 2), scaled(g.base, 2), scaled(g.discPrice, 4),
			scaled(g.charge, 6), avg(g.qty, g.n), avg(g.base, g.n), avg(g.disc, g.n), strconv.FormatInt(g.n, 10)}, "\t"))
	}
	header, _, _ := strings.Cut(readFile(t, filepath.Join(tpchFixtures, "answers", "q1.tsv")), "\n")
	return table(header, rows)
}

// cents parses a non-negative dbgen number of at most two decimals
// ("17", "0.04") in hundredths.
func cents(t *testing.T, s string) int64 {
	t.Helper()
	whole, frac, _ := strings.Cut(s, ".")
	v, err := strconv.ParseInt(whole+(frac + "00")[:2], 10, 64)
	if err != nil || len(frac) > 2 {
		t.Fatalf("reference: number %q: %v", s, err)
	}
	return v
}

// scaled formats a non-negative v in units of 10^-scale.
func scaled(v int64, scale int) string {
	s := fmt.Sprintf("%0*d", scale+1, v)
	return s[:len(s)-scale] + "." + s[len(s)-scale:]
}

// rowsRejected sums the rows_rejected counters of the succeeded attempts.
func rowsRejected(st proto.App) int64 {
	var n int64
	for _, a := range st.Tasks {
		if a.State == proto.AttemptSucceeded {
			n += a.Counters["rows_rejected"]
		}
	}
	return n
}

// checkRejects checks that the rejects files in dir hold one line per bad
// row (not the good one) with its file, line, column, a reason and the
// record.
func checkRejects(t *testing.T, dir, file string, bad []badRow) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	name := regexp.MustCompile(`^lineitem-\d{5}\.tsv$`)
	got := map[int][]string{}
	for _, f := range files {
		if base := filepath.Base(f); base == "_SUCCESS" {
			continue
		} else if !name.MatchString(base) {
			t.Errorf("rejects: unexpected file %s", base)
			continue
		}
		lines := strings.Split(strings.TrimSuffix(readFile(t, f), "\n"), "\n")
		if lines[0] != "file\tline\tcolumn\treason\trecord" {
			t.Errorf("%s: header %q", f, lines[0])
		}
		for _, l := range lines[1:] {
			fields := strings.SplitN(l, "\t", 5)
			n := 0
			if len(fields) == 5 {
				n, _ = strconv.Atoi(fields[1])
			}
			if n == 0 || got[n] != nil {
				t.Errorf("%s: malformed or repeated line %q", f, l)
				continue
			}
			got[n] = fields
		}
	}
	if len(got) != len(bad) {
		t.Errorf("rejects have %d records, want %d: %v", len(got), len(bad), got)
	}
	for _, b := range bad {
		g := got[b.line]
		if g == nil {
			t.Errorf("rejects miss line %d", b.line)
			continue
		}
		if g[0] != file || g[2] != b.column || !strings.Contains(g[3], b.reason) || g[4] != b.record {
			t.Errorf("reject of line %d: %q, want file %s, column %q, a reason with %q and the record %q",
				b.line, g, file, b.column, b.reason, b.record)
		}
	}
}

// TPC-H Q1 over a lineitem table with four bad rows and one row bad in a
// column Q1 does not read, under each bad-record policy.
func TestETLBadRecords(t *testing.T) {
	in := t.TempDir()
	lineitem := filepath.Join(in, "lineitem.tbl")
	rows := injectBadRows(t, filepath.Join(tpchDir(t), "lineitem.tbl"), lineitem)
	bad := rows[1:]
	var skip []int
	for _, b := range bad {
		skip = append(skip, b.line)
	}
	t.Logf("bad rows at lines %v; l_partkey broken at line %d", skip, rows[0].line)
	t.Run("reference", func(t *testing.T) {
		checkAnswer(t, "q1Reference over the fixture", q1Reference(t, filepath.Join(tpchDir(t), "lineitem.tbl"), nil), "q1.tsv")
	})
	want := q1Reference(t, lineitem, skip)
	c := startCluster(t, 2)
	q1 := func(t *testing.T, args ...string) (result, string, string) {
		out := filepath.Join(t.TempDir(), "out")
		r, app := c.etl(t, append([]string{"--input", in, "--output", out, "--query", "q1", "--format", "csv",
			"--csv-delimiter", "tab"}, args...)...)
		return r, app, out
	}
	// One split for the whole file: the first bad row in file order is
	// the first met, and the cap counts all four.
	const oneSplit = "64MiB"

	t.Run("fail", func(t *testing.T) {
		r, app, out := q1(t, "--split-size", oneSplit)
		first := fmt.Sprintf("%s:%d: column %s", lineitem, bad[0].line, bad[0].column)
		checkFailed(t, c, r, app, out, first)
	})
	t.Run("drop", func(t *testing.T) {
		r, app, out := q1(t, "--bad-records", "drop", "--split-size", oneSplit, "--max-rejects", "4")
		if r.code != 0 {
			t.Fatalf("submit: exit %d\nstderr: %s", r.code, r.stderr)
		}
		checkTable(t, "q1 dropping the bad rows", csvTable(t, filepath.Join(out, "q1"), "\t"), "the reference", want)
		if n := rowsRejected(c.status(t, app)); n != int64(len(bad)) {
			t.Errorf("rows_rejected %d, want %d", n, len(bad))
		}
		if _, err := os.Stat(filepath.Join(out, "_rejects")); err == nil {
			t.Errorf("drop wrote %s/_rejects", out)
		}
	})
	t.Run("reject", func(t *testing.T) {
		r, app, out := q1(t, "--bad-records", "reject", "--split-size", "1MiB")
		if r.code != 0 {
			t.Fatalf("submit: exit %d\nstderr: %s", r.code, r.stderr)
		}
		checkTable(t, "q1 rejecting the bad rows", csvTable(t, filepath.Join(out, "q1"), "\t"), "the reference", want)
		checkRejects(t, filepath.Join(out, "_rejects"), lineitem, bad)
		if files, _ := filepath.Glob(filepath.Join(out, "_rejects", "*.tsv")); len(files) < 2 {
			t.Errorf("rejects in %d file(s), want one for each task that met bad rows: several", len(files))
		}
		if n := rowsRejected(c.status(t, app)); n != int64(len(bad)) {
			t.Errorf("rows_rejected %d, want %d", n, len(bad))
		}
	})
	t.Run("max-rejects", func(t *testing.T) {
		r, app, out := q1(t, "--bad-records", "reject", "--split-size", oneSplit, "--max-rejects", "2")
		checkFailed(t, c, r, app, out, lineitem, "more than 2 bad records")
	})
}

// checkFailed checks that an ETL job failed, without committing its
// output, and that both submit's stderr and the application's diagnostics
// say each of want.
func checkFailed(t *testing.T, c *cluster, r result, app, out string, want ...string) {
	t.Helper()
	if r.code != 1 {
		t.Fatalf("submit: exit %d, want 1\nstderr: %s", r.code, r.stderr)
	}
	st := c.status(t, app)
	if st.State != proto.StateFailed {
		t.Errorf("state %s, want FAILED", st.State)
	}
	for _, w := range want {
		if !strings.Contains(st.Diagnostics, w) || !strings.Contains(r.stderr, w) {
			t.Errorf("diagnostics %q or submit's stderr %q do not say %q", st.Diagnostics, r.stderr, w)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "q1", "_SUCCESS")); err == nil {
		t.Errorf("a failed job wrote q1/_SUCCESS")
	}
}
