package codec

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// writeRows returns a record of vals, built as rows plans them.
func writeRows[T any](t *testing.T, rows Rows[T], vals []T) arrow.RecordBatch {
	t.Helper()
	rb := array.NewRecordBuilder(memory.DefaultAllocator, rows.Schema)
	defer rb.Release()
	add := rows.Appender(rb.Fields())
	for _, v := range vals {
		add(v)
	}
	return rb.NewRecordBatch()
}

func readRows[T any](t *testing.T, rows Rows[T], rec arrow.RecordBatch) []T {
	t.Helper()
	get, err := rows.Getter(rec)
	if err != nil {
		t.Fatal(err)
	}
	var got []T
	for i := range int(rec.NumRows()) {
		got = append(got, get(i))
	}
	return got
}

func TestRowsRoundTrip(t *testing.T) {
	rows, err := RowsFor[record]()
	if err != nil {
		t.Fatal(err)
	}
	st, _ := For[record]()
	if got, want := rows.Schema.Fields(), st.Type.(*arrow.StructType).Fields(); !reflect.DeepEqual(got, want) {
		t.Errorf("schema fields %v, want the struct column's %v", got, want)
	}
	vals := records()
	rec := writeRows(t, rows, vals)
	defer rec.Release()
	if got := readRows(t, rows, rec); !reflect.DeepEqual(got, vals) {
		t.Errorf("round trip: got %+v, want %+v", got, vals)
	}
}

// The Getter finds columns by name: in another order, among others.
func TestRowsGetterByName(t *testing.T) {
	rows, _ := RowsFor[inner]()
	vals := []inner{{Name: "a", Tags: []byte("x"), Score: 1}, {Name: "b", Tags: []byte("yz"), Score: -1}}
	rec := writeRows(t, rows, vals)
	defer rec.Release()
	extra := array.NewInt64Builder(memory.DefaultAllocator)
	extra.AppendValues([]int64{7, 8}, nil)
	extraCol := extra.NewArray()
	defer extraCol.Release()
	var fields []arrow.Field
	var cols []arrow.Array
	for _, i := range []int{3, 2, 0, 1} { // At, Score, Name, Tags
		fields, cols = append(fields, rows.Schema.Field(i)), append(cols, rec.Column(i))
		if i == 2 {
			fields, cols = append(fields, arrow.Field{Name: "other", Type: extraCol.DataType()}), append(cols, extraCol)
		}
	}
	shuffled := array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, rec.NumRows())
	defer shuffled.Release()
	if got := readRows(t, rows, shuffled); !reflect.DeepEqual(got, vals) {
		t.Errorf("reordered columns: got %+v, want %+v", got, vals)
	}

	tests := []struct {
		name string
		rec  arrow.RecordBatch
		want string
	}{
		{"missing", array.NewRecordBatch(arrow.NewSchema(fields[1:], nil), cols[1:], 2), `no column "At"`},
		{"retyped", array.NewRecordBatch(arrow.NewSchema(append([]arrow.Field{{Name: "At", Type: extraCol.DataType()}}, fields[1:]...), nil),
			append([]arrow.Array{extraCol}, cols[1:]...), 2), `column "At" is int64, want timestamp[us, tz=UTC]`},
		{"twice", array.NewRecordBatch(arrow.NewSchema(append(fields, fields[0]), nil), append(cols, cols[0]), 2), `2 columns named "At"`},
	}
	for _, tt := range tests {
		_, err := rows.Getter(tt.rec)
		if !errors.Is(err, ErrColumn) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want ErrColumn with %q", tt.name, err, tt.want)
		}
		tt.rec.Release()
	}
}

func TestRowsErrors(t *testing.T) {
	if _, err := RowsFor[int](); !errors.Is(err, ErrUnsupported) {
		t.Errorf("RowsFor[int] error = %v, want ErrUnsupported", err)
	}
	if _, err := RowsFor[withMap](); !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "withMap.M") {
		t.Errorf("RowsFor[withMap] error = %v, want ErrUnsupported naming M", err)
	}
}
