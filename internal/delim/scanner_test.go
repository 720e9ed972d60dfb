package delim

import (
	"errors"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

func TestNewScannerErrors(t *testing.T) {
	i64 := arrow.PrimitiveTypes.Int64
	ts := &arrow.TimestampType{Unit: arrow.Millisecond}
	csv := Options{Delim: ',', Quote: '"'}
	tests := []struct {
		name    string
		schema  *arrow.Schema
		project []int
		opts    Options
		want    error // nil: no error
	}{
		{"ok", schemaOf(i64, i64), nil, csv, nil},
		{"no delim", schemaOf(i64), nil, Options{}, ErrOptions},
		{"delim is quote", schemaOf(i64), nil, Options{Delim: '"', Quote: '"'}, ErrOptions},
		{"newline delim", schemaOf(i64), nil, Options{Delim: '\n'}, ErrOptions},
		{"return quote", schemaOf(i64), nil, Options{Delim: ',', Quote: '\r'}, ErrOptions},
		{"null has delim", schemaOf(i64), nil, Options{Delim: ',', Null: "a,b"}, ErrOptions},
		{"null has quote", schemaOf(i64), nil, Options{Delim: ',', Quote: '"', Null: `"N"`}, ErrOptions},
		{"nil schema", nil, nil, csv, ErrProjection},
		{"no fields", arrow.NewSchema(nil, nil), nil, csv, ErrProjection},
		{"index too big", schemaOf(i64, i64), []int{2}, csv, ErrProjection},
		{"negative index", schemaOf(i64, i64), []int{-1}, csv, ErrProjection},
		{"repeated index", schemaOf(i64, i64), []int{1, 1}, csv, ErrProjection},
		{"unsupported projected", schemaOf(i64, ts), nil, csv, ErrUnsupportedType},
		{"unsupported unprojected", schemaOf(i64, ts), []int{0}, csv, nil},
		{"large string", schemaOf(arrow.BinaryTypes.LargeString), nil, csv, ErrUnsupportedType},
		{"decimal precision 39", schemaOf(&arrow.Decimal128Type{Precision: 39, Scale: 0}), nil, csv, ErrUnsupportedType},
		{"decimal scale over precision", schemaOf(&arrow.Decimal128Type{Precision: 5, Scale: 6}), nil, csv, ErrUnsupportedType},
		{"decimal negative scale", schemaOf(&arrow.Decimal128Type{Precision: 5, Scale: -1}), nil, csv, ErrUnsupportedType},
		{"decimal precision 38", schemaOf(&arrow.Decimal128Type{Precision: 38, Scale: 38}), nil, csv, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewScanner(tt.schema, tt.project, tt.opts)
			if tt.want == nil && err != nil || !errors.Is(err, tt.want) {
				t.Errorf("NewScanner: got %v, want %v", err, tt.want)
			}
		})
	}
}

func TestSchema(t *testing.T) {
	s := mustScanner(t, lineitemSchema(), []int{15, 4}, tblOptions)
	var got []string
	for _, f := range s.Schema().Fields() {
		got = append(got, f.Name+" "+f.Type.String())
	}
	want := []string{"l_comment utf8", "l_quantity decimal(15, 2)"}
	if !slices.Equal(got, want) {
		t.Errorf("Schema: got %q, want %q", got, want)
	}
}

func TestRejectError(t *testing.T) {
	tests := []struct {
		r    Reject
		want string
	}{
		{Reject{Column: 5, Field: "l_quantity", Reason: `bad int64 "x1"`}, `column 5 (l_quantity): bad int64 "x1"`},
		{Reject{Reason: "17 fields, want 16"}, "record: 17 fields, want 16"},
	}
	for _, tt := range tests {
		if got := tt.r.Error(); got != tt.want {
			t.Errorf("Error: got %q, want %q", got, tt.want)
		}
	}
}

// scan adds lines to a new scanner and returns the rows of one batch and
// the rejects, "" for a line that was added.
func scan(t *testing.T, schema *arrow.Schema, project []int, opts Options, lines ...string) (rowsGot []string, rejects []string) {
	t.Helper()
	s := mustScanner(t, schema, project, opts)
	for _, l := range lines {
		if r := s.Add(l); r != nil {
			rejects = append(rejects, r.Error())
		} else {
			rejects = append(rejects, "")
		}
	}
	if s.Len() != len(lines)-countNonEmpty(rejects) {
		t.Errorf("Len: got %d, want %d", s.Len(), len(lines)-countNonEmpty(rejects))
	}
	rec := s.Flush()
	if rec != nil {
		defer rec.Release()
	}
	return rows(t, rec), rejects
}

// countNonEmpty counts the non-empty strings of ss.
func countNonEmpty(ss []string) int {
	n := 0
	for _, s := range ss {
		if s != "" {
			n++
		}
	}
	return n
}

// one scans a single line and returns its row or its reject.
func one(t *testing.T, schema *arrow.Schema, project []int, opts Options, line string) string {
	t.Helper()
	got, rejects := scan(t, schema, project, opts, line)
	if rejects[0] != "" {
		return rejects[0]
	}
	return got[0]
}

func TestFlush(t *testing.T) {
	s := mustScanner(t, schemaOf(arrow.PrimitiveTypes.Int64, arrow.BinaryTypes.String), nil, Options{Delim: ',', Null: "N"})
	if rec := s.Flush(); rec != nil {
		t.Fatalf("Flush of nothing: got %d rows, want nil", rec.NumRows())
	}
	batches := [][]string{{"1,a", "N,b", "2,N"}, {"3,c"}, {"x,bad", "4,d", "5,e"}}
	want := [][]string{{"1|a", "NULL|b", "2|NULL"}, {"3|c"}, {"4|d", "5|e"}}
	for i, lines := range batches {
		for _, l := range lines {
			s.Add(l)
		}
		if s.Bytes() == 0 {
			t.Errorf("batch %d: Bytes 0 with %d records", i, s.Len())
		}
		rec := s.Flush()
		if got := rows(t, rec); !slices.Equal(got, want[i]) {
			t.Errorf("batch %d: got %q, want %q", i, got, want[i])
		}
		if i > 0 && rec.Column(0).NullN() != 0 {
			t.Errorf("batch %d: %d nulls, want 0", i, rec.Column(0).NullN())
		}
		rec.Release()
		if s.Len() != 0 || s.Bytes() != 0 {
			t.Errorf("after Flush: Len %d, Bytes %d, want 0, 0", s.Len(), s.Bytes())
		}
	}
	if rec := s.Flush(); rec != nil {
		t.Errorf("second Flush: got %d rows, want nil", rec.NumRows())
	}
}

// TestFlushOwnership checks that a batch keeps its values when the
// scanner goes on: Flush must not hand out memory it writes again.
func TestFlushOwnership(t *testing.T) {
	s := mustScanner(t, schemaOf(arrow.PrimitiveTypes.Int64, arrow.BinaryTypes.String, arrow.FixedWidthTypes.Boolean), nil, Options{Delim: ','})
	s.Add("1,one,true")
	first := s.Flush()
	defer first.Release()
	for range 100 {
		s.Add("2,two,false")
	}
	s.Flush().Release()
	s.Add("3,three,true")
	if got, want := rows(t, first), []string{"1|one|true"}; !slices.Equal(got, want) {
		t.Errorf("first batch after more Adds: got %q, want %q", got, want)
	}
}

// TestRollback checks that a record rejected in a later field leaves
// nothing in the columns of the earlier ones, null bitmaps included.
func TestRollback(t *testing.T) {
	schema := schemaOf(arrow.PrimitiveTypes.Int64, arrow.BinaryTypes.String, arrow.FixedWidthTypes.Boolean,
		&arrow.Decimal128Type{Precision: 30, Scale: 2}, arrow.FixedWidthTypes.Date32, arrow.PrimitiveTypes.Int32)
	opts := Options{Delim: ',', Null: "N"}
	lines := []string{
		"1,a,true,1.5,2000-01-01,x", // bad in the last field
		"N,N,N,N,N,x",               // nulls, then bad
		"2,b,false,2.25,2000-01-02,7",
		"N,N,N,N,N,N",
		"3,c,1,3,2000-01-03,8,extra", // too many fields
	}
	got, rejects := scan(t, schema, nil, opts, lines...)
	want := []string{"2|b|false|2.25|2000-01-02|7", "NULL|NULL|NULL|NULL|NULL|NULL"}
	if !slices.Equal(got, want) {
		t.Errorf("rows: got %q, want %q", got, want)
	}
	wantRejects := []string{`column 6 (f6): bad int32 "x"`, `column 6 (f6): bad int32 "x"`, "", "", "record: 7 fields, want 6"}
	if !slices.Equal(rejects, wantRejects) {
		t.Errorf("rejects: got %q, want %q", rejects, wantRejects)
	}
}
