package delim

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// lineitemSchema is the schema of the TPC-H lineitem table.
func lineitemSchema() *arrow.Schema {
	dec := &arrow.Decimal128Type{Precision: 15, Scale: 2}
	f := func(name string, t arrow.DataType) arrow.Field { return arrow.Field{Name: name, Type: t} }
	return arrow.NewSchema([]arrow.Field{
		f("l_orderkey", arrow.PrimitiveTypes.Int64),
		f("l_partkey", arrow.PrimitiveTypes.Int64),
		f("l_suppkey", arrow.PrimitiveTypes.Int64),
		f("l_linenumber", arrow.PrimitiveTypes.Int32),
		f("l_quantity", dec),
		f("l_extendedprice", dec),
		f("l_discount", dec),
		f("l_tax", dec),
		f("l_returnflag", arrow.BinaryTypes.String),
		f("l_linestatus", arrow.BinaryTypes.String),
		f("l_shipdate", arrow.FixedWidthTypes.Date32),
		f("l_commitdate", arrow.FixedWidthTypes.Date32),
		f("l_receiptdate", arrow.FixedWidthTypes.Date32),
		f("l_shipinstruct", arrow.BinaryTypes.String),
		f("l_shipmode", arrow.BinaryTypes.String),
		f("l_comment", arrow.BinaryTypes.String),
	}, nil)
}

// tblOptions are the options of a TPC-H .tbl file.
var tblOptions = Options{Delim: '|', Trailing: true}

// schemaOf returns a schema of nullable fields f1, f2, ... of types ts.
func schemaOf(ts ...arrow.DataType) *arrow.Schema {
	fields := make([]arrow.Field, len(ts))
	for i, t := range ts {
		fields[i] = arrow.Field{Name: fmt.Sprintf("f%d", i+1), Type: t, Nullable: true}
	}
	return arrow.NewSchema(fields, nil)
}

// mustScanner returns a scanner or fails the test.
func mustScanner(t testing.TB, schema *arrow.Schema, project []int, opts Options) *Scanner {
	t.Helper()
	s, err := NewScanner(schema, project, opts)
	if err != nil {
		t.Fatalf("NewScanner: %v", err)
	}
	return s
}

// rows renders a batch as one string per row, cells joined by "|", with
// reference formatting that does not use the package: ints and floats by
// strconv, decimals by arrow's ToString, dates by time, nulls as NULL.
// A nil batch is no rows.
func rows(t testing.TB, rec arrow.RecordBatch) []string {
	t.Helper()
	if rec == nil {
		return nil
	}
	if err := validate(rec); err != nil {
		t.Fatalf("invalid batch: %v", err)
	}
	out := make([]string, rec.NumRows())
	for r := range out {
		cells := make([]string, rec.NumCols())
		for c := range cells {
			cells[c] = cell(rec.Column(c), r)
		}
		out[r] = strings.Join(cells, "|")
	}
	return out
}

// validate checks every column of rec against the Arrow format.
func validate(rec arrow.RecordBatch) error {
	for i, col := range rec.Columns() {
		if v, ok := col.(interface{ ValidateFull() error }); ok {
			if err := v.ValidateFull(); err != nil {
				return fmt.Errorf("column %d: %w", i, err)
			}
		}
	}
	return nil
}

// cell renders value i of a.
func cell(a arrow.Array, i int) string {
	if a.IsNull(i) {
		return "NULL"
	}
	switch a := a.(type) {
	case *array.Int64:
		return strconv.FormatInt(a.Value(i), 10)
	case *array.Int32:
		return strconv.FormatInt(int64(a.Value(i)), 10)
	case *array.Float64:
		return strconv.FormatFloat(a.Value(i), 'g', -1, 64)
	case *array.Decimal128:
		return a.Value(i).ToString(a.DataType().(*arrow.Decimal128Type).Scale)
	case *array.Date32:
		return time.Unix(int64(a.Value(i))*86400, 0).UTC().Format("2006-01-02")
	case *array.String:
		return a.Value(i)
	case *array.Boolean:
		return strconv.FormatBool(a.Value(i))
	}
	return "?" + a.DataType().String()
}
