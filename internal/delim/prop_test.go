package delim

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
)

// propSchema has a field of every supported type, some not nullable.
func propSchema() *arrow.Schema {
	f := func(name string, t arrow.DataType, nullable bool) arrow.Field {
		return arrow.Field{Name: name, Type: t, Nullable: nullable}
	}
	return arrow.NewSchema([]arrow.Field{
		f("i64", arrow.PrimitiveTypes.Int64, true),
		f("i32", arrow.PrimitiveTypes.Int32, false),
		f("f64", arrow.PrimitiveTypes.Float64, true),
		f("d15", &arrow.Decimal128Type{Precision: 15, Scale: 2}, true),
		f("d38", &arrow.Decimal128Type{Precision: 38, Scale: 10}, true),
		f("d5", &arrow.Decimal128Type{Precision: 5, Scale: 5}, false),
		f("date", arrow.FixedWidthTypes.Date32, true),
		f("str", arrow.BinaryTypes.String, true),
		f("reqstr", arrow.BinaryTypes.String, false),
		f("bool", arrow.FixedWidthTypes.Boolean, true),
	}, nil)
}

// nasty are values that are bad, null or odd for some types.
var nasty = []string{
	"", `\N`, "x", "-", "+", ".", "1.234", "1.", ".5", "-0", "+7", " 1", "1 ",
	"99999999999999999999", "9223372036854775808", "2147483648", "1e3", "NaN", "inf",
	"1993-02-29", "1992-02-29", "1996-13-01", "+996-01-01", "\xff", "a\xc3", "héllo",
	"true", "TRUE", "t", "2", "0", "1", "0.12345", "0.123456", "10000000000000",
	strings.Repeat("9", 38), "12345678901234567890123456789.5",
}

// genValue returns random text for a field of type t: mostly a valid
// value, sometimes a nasty one.
func genValue(rng *rand.Rand, t arrow.DataType, quoting bool) string {
	if rng.IntN(16) == 0 {
		return nasty[rng.IntN(len(nasty))]
	}
	switch t := t.(type) {
	case *arrow.Int64Type:
		return strconv.FormatInt(int64(rng.Uint64()>>rng.IntN(64)), 10)
	case *arrow.Int32Type:
		return strconv.FormatInt(int64(rng.Int32())-1<<30, 10)
	case *arrow.Float64Type:
		return strconv.FormatFloat(rng.NormFloat64()*1e6, "feg"[rng.IntN(3)], -1, 64)
	case *arrow.Decimal128Type:
		return genDecimal(rng, t)
	case *arrow.Date32Type:
		return time.Unix(rng.Int64N(4e11)-2e11, 0).UTC().Format("2006-01-02")
	case *arrow.StringType:
		return genString(rng, quoting)
	case *arrow.BooleanType:
		return []string{"true", "false", "1", "0", "False", "TRUE"}[rng.IntN(6)]
	}
	panic("no generator for " + t.String())
}

// genDecimal returns decimal text for t, valid or nearly so.
func genDecimal(rng *rand.Rand, t *arrow.Decimal128Type) string {
	var b strings.Builder
	if rng.IntN(3) == 0 {
		b.WriteByte("-+"[rng.IntN(2)])
	}
	for range rng.IntN(int(t.Precision-t.Scale)+1) + oneIn(rng, 10) {
		b.WriteByte(byte('0' + rng.IntN(10)))
	}
	if rng.IntN(4) > 0 {
		b.WriteByte('.')
		for range rng.IntN(int(t.Scale)+1) + oneIn(rng, 10) {
			b.WriteByte(byte('0' + rng.IntN(10)))
		}
	}
	return b.String()
}

// oneIn returns 1 with probability 1/n, else 0.
func oneIn(rng *rand.Rand, n int) int {
	if rng.IntN(n) == 0 {
		return 1
	}
	return 0
}

// genString returns a short string, with delimiters and quotes when the
// format quotes.
func genString(rng *rand.Rand, quoting bool) string {
	alphabet := []string{"a", "b", " ", "é", "7", "z"}
	if quoting {
		alphabet = append(alphabet, ",", `"`, `""`)
	}
	var b strings.Builder
	for range rng.IntN(12) {
		b.WriteString(alphabet[rng.IntN(len(alphabet))])
	}
	return b.String()
}

// propRecord is a generated record: its line and what it must scan to.
type propRecord struct {
	line   string
	row    string // the rendered projected row, when reject is -1
	reject int    // -1: added; 0: bad field count; else the bad field's number
}

// genRecord generates a record of schema for opts, and decides with the
// reference what it scans to under project.
func genRecord(rng *rand.Rand, schema *arrow.Schema, project []int, opts Options) propRecord {
	fields := schema.Fields()
	vals := make([]string, len(fields))
	quoted := make([]bool, len(fields))
	for i, f := range fields {
		vals[i] = genValue(rng, f.Type, opts.Quote != 0)
		quoted[i] = opts.Quote != 0 && (strings.ContainsAny(vals[i], `,"`) || rng.IntN(5) == 0)
	}
	parts := make([]string, len(fields))
	for i, v := range vals {
		parts[i] = v
		if quoted[i] {
			parts[i] = `"` + strings.ReplaceAll(v, `"`, `""`) + `"`
		}
	}
	rec := propRecord{reject: -1}
	switch rng.IntN(40) {
	case 0:
		parts, rec.reject = parts[:rng.IntN(len(parts))], 0
	case 1:
		parts, rec.reject = append(parts, "extra"), 0
	}
	rec.line = strings.Join(parts, string(opts.Delim))
	if opts.Trailing {
		rec.line += string(opts.Delim)
	}
	if rec.reject == 0 {
		return rec
	}
	return decide(rec, fields, vals, quoted, project, opts)
}

// decide fills in the row or the first bad projected field of rec.
func decide(rec propRecord, fields []arrow.Field, vals []string, quoted []bool, project []int, opts Options) propRecord {
	cells := make([]string, len(fields))
	for i := range fields {
		if !slices.Contains(project, i) {
			continue
		}
		c, ok := refCell(fields[i], vals[i], quoted[i], opts.Null)
		if !ok {
			rec.reject = i + 1
			return rec
		}
		cells[i] = c
	}
	out := make([]string, len(project))
	for i, p := range project {
		out[i] = cells[p]
	}
	rec.row = strings.Join(out, "|")
	return rec
}

// TestScanMatchesReference scans random records, with random projections
// and batch sizes, and compares every row and reject with the reference.
func TestScanMatchesReference(t *testing.T) {
	formats := map[string]Options{
		"tbl": {Delim: '|', Trailing: true, Null: `\N`},
		"csv": {Delim: ',', Quote: '"', Null: `\N`},
	}
	schema := propSchema()
	for name, opts := range formats {
		for seed := range uint64(8) {
			t.Run(fmt.Sprintf("%s/seed%d", name, seed), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(seed, 99))
				project := rng.Perm(schema.NumFields())[:1+rng.IntN(schema.NumFields())]
				checkRandom(t, rng, schema, project, opts)
			})
		}
	}
}

// checkRandom scans 2000 random records in batches of random sizes.
func checkRandom(t *testing.T, rng *rand.Rand, schema *arrow.Schema, project []int, opts Options) {
	s := mustScanner(t, schema, project, opts)
	var want []string
	flush := func() {
		rec := s.Flush()
		if rec != nil {
			defer rec.Release()
		}
		if got := rows(t, rec); !slices.Equal(got, want) {
			t.Fatalf("project %v: batch\n got %q\nwant %q", project, got, want)
		}
		want = want[:0]
	}
	batch := 1 + rng.IntN(300)
	added := 0
	for range 2000 {
		rec := genRecord(rng, schema, project, opts)
		r := s.Add(rec.line)
		switch {
		case r == nil && rec.reject != -1:
			t.Fatalf("project %v: Add(%q) = nil, want a reject in field %d", project, rec.line, rec.reject)
		case r != nil && r.Column != rec.reject:
			t.Fatalf("project %v: Add(%q) = %v, want a reject in field %d", project, rec.line, r, rec.reject)
		case r != nil && r.Column > 0 && r.Field != schema.Field(r.Column-1).Name:
			t.Fatalf("Add(%q) = %v: field name, want %s", rec.line, r, schema.Field(r.Column-1).Name)
		case r == nil:
			want, added = append(want, rec.row), added+1
		}
		if s.Len() == batch {
			flush()
		}
	}
	flush()
	if added < 100 || added > 1900 {
		t.Errorf("project %v: %d of 2000 records added: the generator tests too little", project, added)
	}
}

// TestDatesMatchTime compares every date of years 0 to 9999 with package
// time, and every invalid day of a month.
func TestDatesMatchTime(t *testing.T) {
	step := 1
	if testing.Short() {
		step = 97
	}
	start := time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)
	for day := 0; ; day += step {
		d := start.AddDate(0, 0, day)
		if d.Year() > 9999 {
			break
		}
		text := d.Format("2006-01-02")
		got, ok := parseDate(text)
		if want := d.Unix() / 86400; !ok || int64(got) != want {
			t.Fatalf("parseDate(%q) = %d, %v; want %d, true", text, got, ok, want)
		}
		if d.AddDate(0, 0, 1).Day() == 1 { // last day of a month: the next is bad
			bad := fmt.Sprintf("%04d-%02d-%02d", d.Year(), d.Month(), d.Day()+1)
			if _, ok := parseDate(bad); ok {
				t.Fatalf("parseDate(%q) ok, want bad", bad)
			}
		}
	}
}
