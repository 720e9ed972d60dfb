package colfile

import (
	"bytes"
	"errors"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// csvSchema is the schema of the CSV tests: an id, a text and a price.
var csvSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "price", Type: &arrow.Decimal128Type{Precision: 15, Scale: 2}, Nullable: true},
}, nil)

// csvRow is one row of csvSchema; nil pointers are nulls.
type csvRow struct {
	id    *int64
	name  *string
	cents *int64
}

func ptr[T any](v T) *T { return &v }

// csvBatch builds a record batch of csvSchema from rows.
func csvBatch(t *testing.T, rows ...csvRow) arrow.RecordBatch {
	t.Helper()
	b := array.NewRecordBuilder(mem, csvSchema)
	defer b.Release()
	for _, r := range rows {
		appendOrNull(b.Field(0).(*array.Int64Builder), r.id, (*array.Int64Builder).Append)
		appendOrNull(b.Field(1).(*array.StringBuilder), r.name, (*array.StringBuilder).Append)
		dec := b.Field(2).(*array.Decimal128Builder)
		if r.cents == nil {
			dec.AppendNull()
		} else {
			dec.Append(decimalOf(*r.cents))
		}
	}
	return b.NewRecordBatch()
}

// appendOrNull appends *v, or a null for nil.
func appendOrNull[B interface{ AppendNull() }, T any](b B, v *T, add func(B, T)) {
	if v == nil {
		b.AppendNull()
		return
	}
	add(b, *v)
}

func TestCSVWriter(t *testing.T) {
	plain := csvRow{ptr[int64](1), ptr("ant"), ptr[int64](38045600)}
	tests := []struct {
		name    string
		opts    CSVOptions
		batches [][]csvRow
		want    string
	}{
		{"header", CSVOptions{Header: true}, [][]csvRow{{plain}},
			"id,name,price\n1,ant,380456.00\n"},
		{"no header", CSVOptions{}, [][]csvRow{{plain}}, "1,ant,380456.00\n"},
		{"empty input, header only", CSVOptions{Header: true}, nil, "id,name,price\n"},
		{"empty batch, header only", CSVOptions{Header: true}, [][]csvRow{{}}, "id,name,price\n"},
		{"empty input, no header", CSVOptions{}, nil, ""},
		{"several batches", CSVOptions{Header: true},
			[][]csvRow{{plain}, {}, {{ptr[int64](2), ptr("bee"), ptr[int64](-5)}, {ptr[int64](3), ptr("cat"), ptr[int64](0)}}},
			"id,name,price\n1,ant,380456.00\n2,bee,-0.05\n3,cat,0.00\n"},
		{"nulls default", CSVOptions{}, [][]csvRow{{{nil, nil, nil}, {ptr[int64](4), ptr(""), nil}}},
			",,\n4,,\n"},
		{"nulls as text, not quoted", CSVOptions{Null: `\N`}, [][]csvRow{{{nil, ptr(`\N`), nil}}},
			`\N,\N,\N` + "\n"},
		{"quoting", CSVOptions{}, [][]csvRow{{
			{ptr[int64](1), ptr("a,b"), nil},
			{ptr[int64](2), ptr(`say "hi"`), nil},
			{ptr[int64](3), ptr("two\nlines"), nil},
			{ptr[int64](4), ptr("cr\r"), nil},
			{ptr[int64](5), ptr(`"`), nil},
			{ptr[int64](6), ptr(" spaced ;|"), nil},
		}}, "1,\"a,b\",\n2,\"say \"\"hi\"\"\",\n3,\"two\nlines\",\n4,\"cr\r\",\n5,\"\"\"\",\n6, spaced ;|,\n"},
		{"other delimiter", CSVOptions{Delim: '|', Header: true}, [][]csvRow{{{ptr[int64](1), ptr("a,b|c"), ptr[int64](1)}}},
			"id|name|price\n1|\"a,b|c\"|0.01\n"},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		w := NewCSVWriter(&out, csvSchema, tt.opts)
		for _, rows := range tt.batches {
			rec := csvBatch(t, rows...)
			if err := w.Write(rec); err != nil {
				t.Fatalf("%s: Write: %v", tt.name, err)
			}
			rec.Release()
		}
		if err := w.Close(); err != nil {
			t.Fatalf("%s: Close: %v", tt.name, err)
		}
		if got := out.String(); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestCSVHeaderQuoted(t *testing.T) {
	sc := arrow.NewSchema([]arrow.Field{{Name: "a,b", Type: arrow.PrimitiveTypes.Int32}, {Name: `"q"`, Type: arrow.PrimitiveTypes.Int32}}, nil)
	var out bytes.Buffer
	w := NewCSVWriter(&out, sc, CSVOptions{Header: true})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), "\"a,b\",\"\"\"q\"\"\"\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestCSVWriterErrors(t *testing.T) {
	rec := csvBatch(t, csvRow{ptr[int64](1), ptr("x"), ptr[int64](1)})
	defer rec.Release()

	w := NewCSVWriter(&bytes.Buffer{}, csvSchema, CSVOptions{Delim: '"'})
	if err := w.Write(rec); !errors.Is(err, ErrBadDelim) {
		t.Errorf("delimiter '\"': got %v, want %v", err, ErrBadDelim)
	}

	other := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.BinaryTypes.String}}, nil)
	w = NewCSVWriter(&bytes.Buffer{}, other, CSVOptions{})
	if err := w.Write(rec); !errors.Is(err, ErrSchemaMismatch) {
		t.Errorf("other schema: got %v, want %v", err, ErrSchemaMismatch)
	}

	w = NewCSVWriter(failWriter{}, csvSchema, CSVOptions{})
	for range 10000 { // more than the buffer holds
		if err := w.Write(rec); err != nil {
			break
		}
	}
	if err := w.Close(); !errors.Is(err, errDiskFull) {
		t.Errorf("failing writer: got %v, want %v", err, errDiskFull)
	}
	if err := w.Write(rec); !errors.Is(err, errDiskFull) {
		t.Errorf("write after failure: got %v, want %v", err, errDiskFull)
	}

	w = NewCSVWriter(&bytes.Buffer{}, csvSchema, CSVOptions{})
	w.Close()
	if err := w.Write(rec); !errors.Is(err, ErrClosed) {
		t.Errorf("write after close: got %v, want %v", err, ErrClosed)
	}
}

var errDiskFull = errors.New("disk full")

// failWriter fails every write.
type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errDiskFull }

func TestCSVWriterDoesNotAllocatePerValue(t *testing.T) {
	rows := make([]csvRow, 1000)
	for i := range rows {
		rows[i] = csvRow{ptr(int64(i)), ptr("some, text"), ptr(int64(i * 101))}
	}
	rec := csvBatch(t, rows...)
	defer rec.Release()
	var out bytes.Buffer
	out.Grow(1 << 20)
	w := NewCSVWriter(&out, csvSchema, CSVOptions{})
	w.Write(rec) // warm the scratch buffer
	allocs := testing.AllocsPerRun(20, func() {
		out.Reset()
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 2 {
		t.Errorf("got %v allocations per 1000-row batch, want at most 2", allocs)
	}
}
