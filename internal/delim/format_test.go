package delim

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

// lineCase is one record and what it scans to: the rendered row, or the
// Reject's Error when it starts with "column" or "record".
type lineCase struct {
	name, line, want string
}

// testLines scans each case alone with schema, project and opts.
func testLines(t *testing.T, schema *arrow.Schema, project []int, opts Options, cases []lineCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := one(t, schema, project, opts, c.line); got != c.want {
				t.Errorf("%q: got %s, want %s", c.line, got, c.want)
			}
		})
	}
}

func TestNulls(t *testing.T) {
	i64, str := arrow.PrimitiveTypes.Int64, arrow.BinaryTypes.String
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "n", Type: i64, Nullable: true},
		{Name: "s", Type: str, Nullable: true},
		{Name: "req", Type: i64},
		{Name: "reqs", Type: str},
	}, nil)
	t.Run("Null string", func(t *testing.T) {
		testLines(t, schema, nil, Options{Delim: ',', Quote: '"', Null: "NULL"}, []lineCase{
			{"values", "1,a,2,b", "1|a|2|b"},
			{"null text", "NULL,NULL,2,b", "NULL|NULL|2|b"},
			{"empty", ",,2,", "NULL||2|"},
			{"quoted null text is text", `1,"NULL",2,b`, "1|NULL|2|b"},
			{"quoted empty string", `1,"",2,""`, "1||2|"},
			{"quoted null text in int", `"NULL",a,2,b`, `column 1 (n): bad int64 "NULL"`},
			{"null text in non-nullable", "1,a,NULL,b", "column 3 (req): null in non-nullable column"},
			{"empty in non-nullable int", "1,a,,b", "column 3 (req): null in non-nullable column"},
			{"null text in non-nullable string", "1,a,2,NULL", "column 4 (reqs): null in non-nullable column"},
			{"null is case sensitive", "null,a,2,b", `column 1 (n): bad int64 "null"`},
		})
	})
	t.Run("empty Null", func(t *testing.T) {
		testLines(t, schema, nil, Options{Delim: ','}, []lineCase{
			{"empty string is null", "1,,2,b", "1|NULL|2|b"},
			{"empty non-nullable string", "1,a,2,", "column 4 (reqs): null in non-nullable column"},
			{"empty int", ",a,2,b", "NULL|a|2|b"},
		})
	})
}

func TestFieldCount(t *testing.T) {
	schema := schemaOf(arrow.PrimitiveTypes.Int64, arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int64)
	t.Run("plain", func(t *testing.T) {
		testLines(t, schema, nil, Options{Delim: '|', Null: "N"}, []lineCase{
			{"ok", "1|a|2", "1|a|2"},
			{"too few", "1|a", "record: 2 fields, want 3"},
			{"one", "1", "record: 1 field, want 3"},
			{"empty line", "", "record: 1 field, want 3"},
			{"too many", "1|a|2|3", "record: 4 fields, want 3"},
			{"trailing delim is one more", "1|a|2|", "record: 4 fields, want 3"},
			{"count before value", "x|a|2|3", "record: 4 fields, want 3"},
			{"empty fields", "||", "NULL||NULL"},
		})
	})
	t.Run("trailing", func(t *testing.T) {
		testLines(t, schema, nil, Options{Delim: '|', Trailing: true, Null: "N"}, []lineCase{
			{"ok", "1|a|2|", "1|a|2"},
			{"missing trailing", "1|a|2", `record: missing trailing delimiter "|"`},
			{"too few", "1|a|", "record: 2 fields, want 3"},
			{"too many", "1|a|2|3|", "record: 4 fields, want 3"},
			{"text after trailing", "1|a|2|3", "record: 4 fields, want 3"},
			{"empty line", "", "record: 0 fields, want 3"},
			{"empty fields", "|||", "NULL||NULL"},
			{"bad value", "1|a|x|", `column 3 (f3): bad int64 "x"`},
		})
	})
	t.Run("quoted", func(t *testing.T) {
		testLines(t, schema, nil, Options{Delim: ',', Quote: '"', Trailing: true}, []lineCase{
			{"ok", `1,"a,b",2,`, "1|a,b|2"},
			{"delimiter in quotes is no field", `1,"a,b",`, "record: 2 fields, want 3"},
			{"too many", `1,"a",2,"3",`, "record: 4 fields, want 3"},
			{"missing trailing after quote", `1,a,"2"`, `record: missing trailing delimiter ","`},
		})
	})
}

func TestProjection(t *testing.T) {
	schema := schemaOf(arrow.PrimitiveTypes.Int64, arrow.FixedWidthTypes.Date32, arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int32)
	for _, opts := range []Options{{Delim: '|', Trailing: true}, {Delim: '|', Quote: '"', Trailing: true}} {
		t.Run(string(opts.Quote), func(t *testing.T) {
			testLines(t, schema, []int{3, 0}, opts, []lineCase{
				{"ok", "1|1996-01-01|a|2|", "2|1"},
				{"unprojected bad values pass", "1|1996-02-30|\xff|2|", "2|1"},
				{"projected bad value", "1|x|a|y|", `column 4 (f4): bad int32 "y"`},
				{"too few", "1|x|2|", "record: 3 fields, want 4"},
				{"too many", "1|x|a|2|3|", "record: 5 fields, want 4"},
				{"missing trailing", "1|x|a|2", `record: missing trailing delimiter "|"`},
			})
		})
	}
	t.Run("none", func(t *testing.T) {
		testLines(t, schema, []int{}, Options{Delim: ','}, []lineCase{
			{"ok", "x,y,z,w", ""},
			{"too few", "x,y,z", "record: 3 fields, want 4"},
			{"too many", "x,y,z,w,", "record: 5 fields, want 4"},
		})
	})
	t.Run("first only", func(t *testing.T) {
		testLines(t, schema, []int{0}, Options{Delim: ','}, []lineCase{
			{"ok", "7,y,z,w", "7"},
			{"too many", "7,y,z,w,v", "record: 5 fields, want 4"},
			{"too few", "7", "record: 1 field, want 4"},
		})
	})
	t.Run("last only", func(t *testing.T) {
		testLines(t, schema, []int{3}, Options{Delim: ','}, []lineCase{
			{"ok", "x,y,z,7", "7"},
			{"too many", "x,y,z,7,8", "record: 5 fields, want 4"},
		})
	})
}

func TestQuoting(t *testing.T) {
	schema := schemaOf(arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int64, arrow.BinaryTypes.String)
	csv := Options{Delim: ',', Quote: '"', Null: `\N`}
	testLines(t, schema, nil, csv, []lineCase{
		{"plain", "a,1,b", "a|1|b"},
		{"delimiter in quotes", `"a,b",1,"c,,d"`, "a,b|1|c,,d"},
		{"escaped quote", `"say ""hi""",1,""""`, `say "hi"|1|"`},
		{"quoted number", `a,"12",b`, "a|12|b"},
		{"quoted empty", `"",1,""`, "|1|"},
		{"quote inside unquoted is data", `a"b,1,c"`, `a"b|1|c"`},
		{"unterminated", `"abc,1,b`, "column 1 (f1): unterminated quote"},
		{"unterminated last", `a,1,"b`, "column 3 (f3): unterminated quote"},
		{"unterminated after escape", `a,1,"b""`, "column 3 (f3): unterminated quote"},
		{"text after closing quote", `"a"b,1,c`, "column 1 (f1): text after closing quote"},
		{"space after closing quote", `a,1,"c" `, "column 3 (f3): text after closing quote"},
		{"quoting past the schema", `a,1,c,"d`, "record: field 4: unterminated quote"},
		{"bad number in quotes", `a,"1""",c`, `column 2 (f2): bad int64 "1\""`},
		{"too many with quotes", `"a",1,c,d`, "record: 4 fields, want 3"},
	})
	t.Run("unprojected quoted fields", func(t *testing.T) {
		testLines(t, schema, []int{1}, csv, []lineCase{
			{"skipped", `"a,""b",5,"c,d"`, "5"},
			{"unterminated in skipped field", `"a,5,c`, "column 1 (f1): unterminated quote"},
			{"unterminated in tail", `a,5,"c`, "column 3 (f3): unterminated quote"},
		})
	})
	t.Run("single quote", func(t *testing.T) {
		testLines(t, schema, nil, Options{Delim: ';', Quote: '\''}, []lineCase{
			{"ok", `'a;b';1;'it''s'`, "a;b|1|it's"},
		})
	})
}
