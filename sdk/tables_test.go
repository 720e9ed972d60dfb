package sdk

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"spindle/internal/colfile"
	"spindle/internal/proto"
)

var (
	i64  = arrow.PrimitiveTypes.Int64
	f64  = arrow.PrimitiveTypes.Float64
	str  = arrow.BinaryTypes.String
	dt32 = arrow.FixedWidthTypes.Date32
	dec2 = &arrow.Decimal128Type{Precision: 15, Scale: 2}
)

func fields(pairs ...any) *arrow.Schema {
	var fs []arrow.Field
	for i := 0; i < len(pairs); i += 2 {
		fs = append(fs, arrow.Field{Name: pairs[i].(string), Type: pairs[i+1].(arrow.DataType), Nullable: true})
	}
	return arrow.NewSchema(fs, nil)
}

func writeFile(t *testing.T, name string, lines []string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// saleRow is a row of the sales test table.
type saleRow struct {
	id     int64
	region string // "" is null
	cents  int64  // amount in cents
	null   bool   // amount is null
	day    string
}

func sales(n int, seed uint64) []saleRow {
	r := rand.New(rand.NewPCG(seed, 1))
	regions := []string{"north", "south", "east", "west", ""}
	out := make([]saleRow, n)
	for i := range out {
		out[i] = saleRow{id: int64(i), region: regions[r.IntN(len(regions))], cents: r.Int64N(200000) - 50000,
			null: r.IntN(10) == 0, day: time.Date(1995, 1, 1+r.IntN(700), 0, 0, 0, 0, time.UTC).Format(time.DateOnly)}
	}
	return out
}

func salesLines(rows []saleRow) []string {
	lines := []string{"id,region,amount,day"}
	for _, s := range rows {
		amount := ""
		if !s.null {
			amount = cents(s.cents)
		}
		lines = append(lines, fmt.Sprintf("%d,%s,%s,%s", s.id, s.region, amount, s.day))
	}
	return lines
}

func cents(c int64) string {
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	return fmt.Sprintf("%s%d.%02d", sign, c/100, c%100)
}

var salesSchema = fields("id", i64, "region", str, "amount", dec2, "day", dt32)

func salesOptions() CSVOptions { return CSVOptions{Header: true, Null: "", SplitSize: 2000} }

func TestTableGroupByMatchesReference(t *testing.T) {
	rows := sales(3000, 1)
	in := writeFile(t, "sales.csv", salesLines(rows))
	out := filepath.Join(t.TempDir(), "out")
	p := newPipeline()
	ReadCSV(p, "read", in, salesSchema, salesOptions()).
		Filter("recent", Col("day").Ge(Date("1995-03-01"))).
		WithColumn("double", "twice", Col("amount").Mul(Lit(2))).
		GroupBy("by-region", []string{"region"},
			Sum("total", Col("amount")), Sum("total2", Col("twice")), Count("rows"), CountOf("amounts", Col("amount")),
			Min("least", Col("amount")), Max("last_day", Col("day")), CountDistinct("days", Col("day"))).
		OrderBy("sort", Asc("region")).
		Write("write", out, CSV{Delimiter: '\t'})
	runLocal(t, p, 3)

	type agg struct {
		total, n, amounts, least int64
		last                     string
		days                     map[string]bool
		seen                     bool
	}
	ref := map[string]*agg{}
	for _, s := range rows {
		if s.day < "1995-03-01" {
			continue
		}
		a := ref[s.region]
		if a == nil {
			a = &agg{days: map[string]bool{}}
			ref[s.region] = a
		}
		a.n++
		a.days[s.day] = true
		a.last = max(a.last, s.day)
		if !s.null {
			if !a.seen || s.cents < a.least {
				a.least = s.cents
			}
			a.seen = true
			a.total += s.cents
			a.amounts++
		}
	}
	want := []string{"region\ttotal\ttotal2\trows\tamounts\tleast\tlast_day\tdays"}
	keys := make([]string, 0, len(ref))
	for k := range ref {
		keys = append(keys, k)
	}
	slices.Sort(keys) // "" (null) first, as nulls sort first
	for _, k := range keys {
		a := ref[k]
		want = append(want, fmt.Sprintf("%s\t%s\t%s\t%d\t%d\t%s\t%s\t%d", k, cents(a.total), cents(2*a.total), a.n, a.amounts, cents(a.least), a.last, len(a.days)))
	}
	got := readLines(t, filepath.Join(out, "part-00000.csv"))
	if !slices.Equal(got, want) {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
}

// dataLines returns the lines of every CSV part under dir without their
// headers, sorted.
func dataLines(t *testing.T, dir string) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "part-*"))
	var out []string
	for _, f := range files {
		lines := readLines(t, f)
		if len(lines) > 1 {
			out = append(out, lines[1:]...)
		}
	}
	slices.Sort(out)
	return out
}

func joinInputs(t *testing.T, seed uint64) (orders, customers string, ref func(how JoinType) []string) {
	r := rand.New(rand.NewPCG(seed, 2))
	var ol, cl []string
	type order struct{ id, cust int64 }
	var os_ []order
	custName := map[int64][]string{}
	for c := int64(0); c < 300; c++ {
		if c%7 == 3 {
			continue // customers without a row: unmatched orders
		}
		n := 1 + int(c%3/2) // some customers twice: a many-to-one and many-to-many join
		for k := range n {
			name := fmt.Sprintf("c%d-%d", c, k)
			cl = append(cl, fmt.Sprintf("%d|%s|", c, name))
			custName[c] = append(custName[c], name)
		}
	}
	cl = append(cl, "|nobody|") // a null key matches nothing
	for o := int64(0); o < 5000; o++ {
		c := r.Int64N(320)
		os_ = append(os_, order{o, c})
		ol = append(ol, fmt.Sprintf("%d|%d|", o, c))
	}
	ol = append(ol, "5000||") // an order with a null customer
	ref = func(how JoinType) []string {
		var out []string
		for _, o := range os_ {
			names := custName[o.cust]
			switch {
			case how == SemiJoin && len(names) > 0:
				out = append(out, fmt.Sprintf("%d,%d", o.id, o.cust))
			case how == AntiJoin && len(names) == 0:
				out = append(out, fmt.Sprintf("%d,%d", o.id, o.cust))
			case how == InnerJoin || how == LeftJoin:
				for _, n := range names { // c_id is kept: it is not named like o_cust
					out = append(out, fmt.Sprintf("%d,%d,%d,%s", o.id, o.cust, o.cust, n))
				}
				if len(names) == 0 && how == LeftJoin {
					out = append(out, fmt.Sprintf("%d,%d,,", o.id, o.cust))
				}
			}
		}
		switch how {
		case LeftJoin:
			out = append(out, "5000,,,")
		case AntiJoin:
			out = append(out, "5000,")
		}
		slices.Sort(out)
		return out
	}
	return writeFile(t, "orders.tbl", ol), writeFile(t, "customers.tbl", cl), ref
}

var (
	ordersSchema    = fields("o_id", i64, "o_cust", i64)
	customersSchema = fields("c_id", i64, "c_name", str)
)

func TestTableJoins(t *testing.T) {
	orders, customers, ref := joinInputs(t, 3)
	opts := TBL
	opts.SplitSize = 8 << 10
	for _, how := range []JoinType{InnerJoin, LeftJoin, SemiJoin, AntiJoin} {
		for _, strategy := range []JoinOption{Broadcast(), Shuffled()} {
			for _, mem := range []int64{0, 64 << 10} { // the second spills the shuffled build side
				var o joinOptions
				strategy(&o)
				name := fmt.Sprintf("%s-%s-%d", how, o.strategy, mem)
				t.Run(name, func(t *testing.T) {
					if mem > 0 && o.strategy == "broadcast" {
						t.Skip("a broadcast does not spill")
					}
					out := filepath.Join(t.TempDir(), "out")
					p := newPipeline()
					ord := ReadCSV(p, "orders", orders, ordersSchema, opts)
					c := ReadCSV(p, "customers", customers, customersSchema, opts)
					j := ord.Join("join", c, []string{"o_cust"}, []string{"c_id"}, How(how), strategy)
					j.Write("write", out, CSV{})
					results := runLocalMem(t, p, 3, mem)
					got := dataLines(t, out)
					if want := ref(how); !slices.Equal(got, want) {
						t.Fatalf("%d rows, want %d; first got %q, want %q", len(got), len(want), first(got), first(want))
					}
					if mem > 0 {
						if counter(results, "join_spills") == 0 {
							t.Fatal("the build side did not spill")
						}
					}
				})
			}
		}
	}
}

func first(xs []string) []string { return xs[:min(3, len(xs))] }

func counter(results []proto.TaskResult, name string) int64 {
	var n int64
	for _, r := range results {
		n += r.Counters[name]
	}
	return n
}

func TestTableUnionDistinctTopNLimit(t *testing.T) {
	rows := sales(2000, 5)
	in := writeFile(t, "sales.csv", salesLines(rows))
	dir := t.TempDir()
	p := newPipeline()
	s := ReadCSV(p, "read", in, salesSchema, salesOptions())
	regions := s.Select("regions", "region")
	Union(p, "both", regions, regions.Filter("north", Col("region").Eq(Lit("north")))).
		Distinct("distinct").Write("write-distinct", filepath.Join(dir, "distinct"), CSV{})
	s.TopN("top", 5, Desc("amount"), Asc("id")).Select("top-cols", "id", "amount").
		Write("write-top", filepath.Join(dir, "top"), CSV{})
	s.Limit("some", 7).Write("write-limit", filepath.Join(dir, "limit"), CSV{})
	Union(p, "twice", s, s).GroupBy("count", nil, Count("n")).Write("write-count", filepath.Join(dir, "count"), CSV{})
	runLocal(t, p, 3)

	if got, want := dataLines(t, filepath.Join(dir, "distinct")), []string{"", "east", "north", "south", "west"}; !slices.Equal(got, want) {
		t.Errorf("distinct regions %q, want %q", got, want)
	}
	ref := slices.Clone(rows)
	ref = slices.DeleteFunc(ref, func(s saleRow) bool { return s.null })
	slices.SortStableFunc(ref, func(a, b saleRow) int {
		if a.cents != b.cents {
			return -cmpInt(a.cents, b.cents)
		}
		return cmpInt(a.id, b.id)
	})
	var want []string
	for _, s := range ref[:5] { // nulls sort last in descending order
		want = append(want, fmt.Sprintf("%d,%s", s.id, cents(s.cents)))
	}
	if got := readLines(t, filepath.Join(dir, "top", "part-00000.csv"))[1:]; !slices.Equal(got, want) {
		t.Errorf("top 5 %q, want %q", got, want)
	}
	if got := dataLines(t, filepath.Join(dir, "limit")); len(got) != 7 {
		t.Errorf("limit 7 gave %d rows", len(got))
	}
	if got := dataLines(t, filepath.Join(dir, "count")); !slices.Equal(got, []string{strconv.Itoa(2 * len(rows))}) {
		t.Errorf("count of the union %q, want %d", got, 2*len(rows))
	}
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

type regionTotal struct {
	Region string `spindle:"region"`
	Total  int64  `spindle:"n"`
}

func TestTableDatasetConversions(t *testing.T) {
	type word struct {
		Word  string
		Count int64
	}
	in := writeFile(t, "words.txt", strings.Fields(strings.Repeat("a b c a b a ", 50)))
	out := filepath.Join(t.TempDir(), "out")
	p := newPipeline()
	words := Map(p, "pair", ReadText(p, "read", in), func(w string) word { return word{w, 1} })
	counted := ToTable(p, "to-table", words).GroupBy("count", []string{"Word"}, Sum("n", Col("Count")))
	back := FromTable[regionTotal](p, "from-table", counted.WithColumn("rename", "region", Col("Word")))
	WriteText(p, "write", Map(p, "format", back, func(r regionTotal) string { return fmt.Sprintf("%s=%d", r.Region, r.Total) }), out)
	runLocal(t, p, 2)
	if got, want := readParts(t, out), []string{"a=150", "b=100", "c=50"}; !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestFromTableChecksColumns(t *testing.T) {
	p := newPipeline()
	tb := ReadCSV(p, "read", "x.csv", salesSchema, CSVOptions{})
	FromTable[regionTotal](p, "from", tb)
	if p.err == nil || !strings.Contains(p.err.Error(), `column "n"`) {
		t.Fatalf("err = %v, want one naming the missing column", p.err)
	}
}

func TestBuildErrorsName(t *testing.T) {
	for _, tc := range []struct {
		build func(p *Pipeline, tb *Table)
		want  string
	}{
		{func(p *Pipeline, tb *Table) { tb.Filter("f", Col("nope").Eq(Lit(1))) }, `no column "nope"`},
		{func(p *Pipeline, tb *Table) { tb.Filter("f", Col("amount")) }, "want a boolean"},
		{func(p *Pipeline, tb *Table) { tb.Filter("f", Col("region").Lt(Lit(3))) }, "cannot compare"},
		{func(p *Pipeline, tb *Table) { tb.GroupBy("g", []string{"region"}, Sum("s", Col("region"))) }, "want a number"},
		{func(p *Pipeline, tb *Table) { tb.Select("s", "id", "id") }, "selected twice"},
		{func(p *Pipeline, tb *Table) { tb.Join("j", tb, []string{"id"}, []string{"region"}) }, "join keys differ"},
		{func(p *Pipeline, tb *Table) { tb.Write("w", "out", Parquet{Compression: "bogus"}) }, "bogus"},
		{func(p *Pipeline, tb *Table) { tb.OrderBy("o", Asc("zz")) }, `no column "zz"`},
	} {
		p := newPipeline()
		tc.build(p, ReadCSV(p, "read", "x.csv", salesSchema, CSVOptions{}))
		if p.err == nil || !strings.Contains(p.err.Error(), tc.want) {
			t.Errorf("err = %v, want one containing %q", p.err, tc.want)
		}
	}
}

// badLines are sales lines with malformed records at lines 3, 5, 6 and 8
// (counting the header as line 1), and a bad value at line 9 in a column
// no step reads.
func badLines() ([]string, int64) {
	lines := []string{
		"id,region,amount,day",
		"1,north,10.00,1995-01-01",
		"2,north,1.00",               // 3: too few fields
		"3,south,2.50,1995-01-02",    // 4
		"4,south,2.x,1995-01-02",     // 5: bad decimal
		"5,east,1.00,1995-02-30",     // 6: bad date
		"6,east,3.00,1995-02-03",     // 7
		"7,\xff\xfe,1.00,1995-02-03", // 8: invalid UTF-8
		"x8,west,4.00,1995-02-04",    // 9: bad id, never read
	}
	return lines, 1000 + 250 + 300 + 400
}

func TestBadRecordPolicies(t *testing.T) {
	lines, total := badLines()
	in := writeFile(t, "bad.csv", lines)
	run := func(t *testing.T, o CSVOptions) (string, []proto.TaskResult, string) {
		out := filepath.Join(t.TempDir(), "out")
		o.Header = true
		p := newPipeline()
		ReadCSV(p, "read", in, salesSchema, o).
			Filter("dated", Col("day").IsNull().Not()).
			GroupBy("total", nil, Sum("total", Col("amount")), Count("rows"), CountDistinct("regions", Col("region"))).
			Write("write", out, CSV{})
		l := newLocal(t, p, 1, 0)
		var results []proto.TaskResult
		for !l.s.Done() && l.s.Failure() == "" {
			results = append(results, l.step(t))
		}
		return out, results, l.s.Failure()
	}
	t.Run("fail", func(t *testing.T) {
		_, _, failure := run(t, CSVOptions{})
		if !strings.Contains(failure, in+":3:") || !strings.Contains(failure, "3 fields, want 4") {
			t.Fatalf("failure %q, want the file, line 3 and the field count", failure)
		}
	})
	want := []string{fmt.Sprintf("%s,4,4", cents(total))} // the good rows, and line 9: its bad id is never read
	t.Run("drop", func(t *testing.T) {
		out, results, failure := run(t, CSVOptions{OnBad: DropMalformed})
		if failure != "" {
			t.Fatal(failure)
		}
		if got := dataLines(t, out); !slices.Equal(got, want) {
			t.Errorf("got %q, want %q", got, want)
		}
		if n := counter(results, "rows_rejected"); n != 4 {
			t.Errorf("rows_rejected = %d, want 4", n)
		}
	})
	t.Run("reject", func(t *testing.T) {
		rejects := filepath.Join(t.TempDir(), "rejects")
		out, _, failure := run(t, CSVOptions{OnBad: RejectMalformed, Rejects: rejects})
		if failure != "" {
			t.Fatal(failure)
		}
		if got := dataLines(t, out); !slices.Equal(got, want) {
			t.Errorf("got %q, want %q", got, want)
		}
		got := readLines(t, filepath.Join(rejects, "read-00000.tsv"))
		wantRejects := []string{
			"file\tline\tcolumn\treason\trecord",
			in + "\t3\t\t3 fields, want 4\t" + lines[2],
			in + "\t5\t3 (amount)\t",
			in + "\t6\t4 (day)\t",
			in + "\t8\t2 (region)\tinvalid UTF-8",
		}
		if len(got) != len(wantRejects) {
			t.Fatalf("rejects:\n%s", strings.Join(got, "\n"))
		}
		for i, w := range wantRejects {
			if !strings.HasPrefix(got[i], w) {
				t.Errorf("reject %d = %q, want it to start with %q", i, got[i], w)
			}
		}
	})
	t.Run("cap", func(t *testing.T) {
		_, _, failure := run(t, CSVOptions{OnBad: DropMalformed, MaxRejects: 2})
		if !strings.Contains(failure, "more than 2 bad records") {
			t.Fatalf("failure %q, want the cap named", failure)
		}
	})
}

func TestPartitionedParquetRoundTrip(t *testing.T) {
	rows := sales(1500, 9)
	in := writeFile(t, "sales.csv", salesLines(rows))
	dir := filepath.Join(t.TempDir(), "pq")
	p := newPipeline()
	ReadCSV(p, "read", in, salesSchema, salesOptions()).
		Write("write", dir, Parquet{Compression: "zstd", RowGroupRows: 100}, PartitionBy("region"))
	runLocal(t, p, 2)
	parts, _ := filepath.Glob(filepath.Join(dir, "region=*", "part-*.parquet"))
	if len(parts) == 0 {
		t.Fatal("no partition files")
	}
	if _, err := os.Stat(filepath.Join(dir, "region=__HIVE_DEFAULT_PARTITION__")); err != nil {
		t.Errorf("no directory for the null region: %v", err)
	}
	// Read it back with the SDK and total the amounts per region.
	out := filepath.Join(t.TempDir(), "out")
	p2 := newPipeline()
	ReadParquet(p2, "read", filepath.Join(dir, "region=north")).
		GroupBy("total", nil, Sum("total", Col("amount")), Count("n")).
		Write("write", out, CSV{})
	runLocal(t, p2, 2)
	var total, n int64
	for _, s := range rows {
		if s.region == "north" {
			n++
			if !s.null {
				total += s.cents
			}
		}
	}
	if got, want := dataLines(t, out), []string{fmt.Sprintf("%s,%d", cents(total), n)}; !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	schema, err := colfile.ParquetSchema(parts[0])
	if err != nil {
		t.Fatal(err)
	}
	if f, ok := schema.FieldsByName("amount"); schema.HasField("region") || !ok || !arrow.TypeEqual(f[0].Type, dec2) {
		t.Errorf("partition file schema %s: want no region column and amount decimal(15,2)", schema)
	}
}

func TestSourcesParseOnlyReadColumns(t *testing.T) {
	p := newPipeline()
	s := ReadCSV(p, "read", "x.csv", salesSchema, CSVOptions{})
	s.Filter("f", Col("day").Ge(Date("1995-01-01"))).GroupBy("g", []string{"region"}, Count("n")).Write("w", "out", CSV{})
	src := p.g.Node(s.node).Impl.(*csvSource)
	if got, want := src.projection(), []int{1, 3}; !slices.Equal(got, want) {
		t.Fatalf("projection %v, want %v (region, day)", got, want)
	}
	// A second consumer that writes every column needs them all.
	s.Write("all", "out2", CSV{})
	p.needs = columnNeeds{}
	if got := src.projection(); got != nil {
		t.Fatalf("projection %v, want all columns", got)
	}
}

func TestGzippedInput(t *testing.T) {
	lines, total := badLines()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(strings.Join(lines, "\n") + "\n"))
	zw.Close()
	in := filepath.Join(t.TempDir(), "bad.csv.gz")
	if err := os.WriteFile(in, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	rejects := filepath.Join(t.TempDir(), "rejects")
	out := filepath.Join(t.TempDir(), "out")
	p := newPipeline()
	ReadCSV(p, "read", in, salesSchema, CSVOptions{Header: true, OnBad: RejectMalformed, Rejects: rejects}).
		GroupBy("total", nil, Sum("total", Col("amount"))).Write("write", out, CSV{})
	runLocal(t, p, 2)
	// Only amount is read: the bad date (line 6) and region (line 8) are not
	// seen, and their amounts count.
	if got, want := dataLines(t, out), []string{cents(total + 200)}; !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	got := readLines(t, filepath.Join(rejects, "read-00000.tsv"))
	if len(got) != 3 || !strings.HasPrefix(got[2], in+"\t5\t3 (amount)") {
		t.Fatalf("rejects of the gzipped file:\n%s", strings.Join(got, "\n"))
	}
}
