// Command etl extracts the TPC-H tables from dbgen's .tbl text, transforms
// them (typed parsing with bad records set aside, joins, derived columns,
// aggregates) and loads the results as Parquet or CSV.
//
//	spindle run ./jobs/etl -- --input DIR --output OUT [--query q1|nation-revenue|all] [--format parquet|csv]
//
// DIR holds lineitem.tbl, orders.tbl, customer.tbl and nation.tbl (or the
// same gzipped, .tbl.gz).
//
// Queries (their SQL is in the repository's testdata/tpch/answers):
//   - q1: TPC-H Q1, the pricing summary of lineitems shipped by
//     1998-12-01 minus 90 days, into OUT/q1.
//   - nation-revenue: revenue sum(l_extendedprice * (1 - l_discount)) and
//     lineitem count per customer nation and order year, over lineitem ⋈
//     orders ⋈ customer ⋈ nation, into OUT/nation-revenue.
//
// Each output directory holds part-NNNNN files and _SUCCESS; sums of
// decimals are exact. With --bad-records reject, records that do not
// parse go to OUT/_rejects with their file, line, column and reason.
package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"spindle/internal/size"
	"spindle/sdk"
)

func main() {
	input := flag.String("input", "", "directory of the TPC-H .tbl files (required)")
	output := flag.String("output", "", "directory to write each query's results into; must not exist (required)")
	query := flag.String("query", "all", "q1, nation-revenue or all")
	format := flag.String("format", "parquet", "parquet or csv")
	compression := flag.String("compression", "snappy", "Parquet compression: snappy, zstd, gzip, lz4 or none")
	delimiter := flag.String("csv-delimiter", ",", `CSV field delimiter: one character, or "tab"`)
	bad := flag.String("bad-records", "fail", "what to do with a record that does not parse: fail, drop or reject (into OUTPUT/_rejects)")
	maxRejects := flag.Int64("max-rejects", 0, "fail the job when a task meets more bad records than this (0: no limit)")
	splitSize := flag.String("split-size", "", "bytes of input per task, e.g. 64MiB (default: chosen from the input size)")
	partitionBy := flag.String("partition-by", "", "comma-separated output columns to write Hive-style directories by (col=value/), e.g. l_returnflag for q1 or n_name for nation-revenue")
	sdk.Main(func(p *sdk.Pipeline) error {
		if *input == "" || *output == "" {
			return sdk.Usagef("--input and --output are required")
		}
		f, err := outputFormat(*format, *compression, *delimiter)
		if err != nil {
			return err
		}
		opts := sdk.TBL
		switch *bad {
		case "fail":
			opts.OnBad = sdk.FailFast
		case "drop":
			opts.OnBad = sdk.DropMalformed
		case "reject":
			opts.OnBad, opts.Rejects = sdk.RejectMalformed, filepath.Join(*output, "_rejects")
		default:
			return sdk.Usagef("--bad-records %q: want fail, drop or reject", *bad)
		}
		opts.MaxRejects = *maxRejects
		if *splitSize != "" {
			if opts.SplitSize, err = size.Parse(*splitSize); err != nil {
				return sdk.Usagef("--split-size: %v", err)
			}
		}
		t := tables{p: p, dir: *input, opts: opts}
		write := func(name string, tb *sdk.Table) {
			var wo []sdk.WriteOption
			if *partitionBy != "" {
				wo = append(wo, sdk.PartitionBy(strings.Split(*partitionBy, ",")...))
			}
			tb.Write(name+".write", filepath.Join(*output, name), f, wo...)
		}
		switch *query {
		case "q1":
			write("q1", q1(t.lineitem()))
		case "nation-revenue":
			write("nation-revenue", nationRevenue(t))
		case "all":
			write("q1", q1(t.lineitem()))
			write("nation-revenue", nationRevenue(t))
		default:
			return sdk.Usagef("--query %q: want q1, nation-revenue or all", *query)
		}
		return nil
	})
}

func outputFormat(format, compression, delimiter string) (sdk.Format, error) {
	switch format {
	case "parquet":
		return sdk.Parquet{Compression: compression}, nil
	case "csv":
		d := delimiter
		if strings.EqualFold(d, "tab") || d == `\t` {
			d = "\t"
		}
		if len(d) != 1 {
			return nil, sdk.Usagef("--csv-delimiter %q: want one character or tab", delimiter)
		}
		return sdk.CSV{Delimiter: d[0]}, nil
	}
	return nil, sdk.Usagef("--format %q: want parquet or csv", format)
}

// tables reads each TPC-H table once, however many queries use it.
type tables struct {
	p    *sdk.Pipeline
	dir  string
	opts sdk.CSVOptions
	read map[string]*sdk.Table
}

func (t *tables) get(name string) *sdk.Table {
	if tb, ok := t.read[name]; ok {
		return tb
	}
	schemas := map[string]*arrow.Schema{"lineitem": lineitem, "orders": orders, "customer": customer, "nation": nation}
	path := filepath.Join(t.dir, name+".tbl")
	if _, err := os.Stat(path); err != nil {
		if _, gzErr := os.Stat(path + ".gz"); gzErr == nil {
			path += ".gz"
		}
	}
	tb := sdk.ReadCSV(t.p, name, path, schemas[name], t.opts)
	if t.read == nil {
		t.read = map[string]*sdk.Table{}
	}
	t.read[name] = tb
	return tb
}

func (t *tables) lineitem() *sdk.Table { return t.get("lineitem") }

// q1 is TPC-H Q1.
func q1(lineitem *sdk.Table) *sdk.Table {
	one := sdk.Lit(1)
	return lineitem.
		Filter("q1.shipped", sdk.Col("l_shipdate").Le(sdk.Date("1998-12-01").AddDays(-90))).
		WithColumn("q1.disc_price", "disc_price", sdk.Col("l_extendedprice").Mul(one.Sub(sdk.Col("l_discount")))).
		WithColumn("q1.charge", "charge", sdk.Col("disc_price").Mul(one.Add(sdk.Col("l_tax")))).
		GroupBy("q1.pricing", []string{"l_returnflag", "l_linestatus"},
			sdk.Sum("sum_qty", sdk.Col("l_quantity")),
			sdk.Sum("sum_base_price", sdk.Col("l_extendedprice")),
			sdk.Sum("sum_disc_price", sdk.Col("disc_price")),
			sdk.Sum("sum_charge", sdk.Col("charge")),
			sdk.Avg("avg_qty", sdk.Col("l_quantity")),
			sdk.Avg("avg_price", sdk.Col("l_extendedprice")),
			sdk.Avg("avg_disc", sdk.Col("l_discount")),
			sdk.Count("count_order")).
		OrderBy("q1.sort", sdk.Asc("l_returnflag"), sdk.Asc("l_linestatus"))
}

// nationRevenue is revenue per customer nation and order year. The small
// sides are broadcast: nation to customer, that to orders, and that to
// lineitem, which is never shuffled; only its partial aggregates are.
func nationRevenue(t tables) *sdk.Table {
	custNation := t.get("customer").
		Join("nr.customer-nation", t.get("nation"), []string{"c_nationkey"}, []string{"n_nationkey"}, sdk.Broadcast())
	orderNation := t.get("orders").
		Join("nr.orders-customer", custNation, []string{"o_custkey"}, []string{"c_custkey"}, sdk.Broadcast()).
		WithColumn("nr.order-year", "o_year", sdk.Col("o_orderdate").Year())
	return t.lineitem().
		WithColumn("nr.volume", "volume", sdk.Col("l_extendedprice").Mul(sdk.Lit(1).Sub(sdk.Col("l_discount")))).
		Join("nr.lineitem-orders", orderNation, []string{"l_orderkey"}, []string{"o_orderkey"}, sdk.Broadcast()).
		GroupBy("nr.revenue", []string{"n_name", "o_year"},
			sdk.Sum("revenue", sdk.Col("volume")),
			sdk.Count("lineitems")).
		OrderBy("nr.sort", sdk.Asc("n_name"), sdk.Asc("o_year"))
}
