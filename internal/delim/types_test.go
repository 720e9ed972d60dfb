package delim

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

// valueCase is one text value of a type and what it scans to: the
// rendered cell, or the Reject's Error when it starts with "column".
type valueCase struct {
	in, want string
}

// testValues scans each case as the only field of a nullable column of
// type typ, in a CSV file whose Null is \N.
func testValues(t *testing.T, typ arrow.DataType, cases []valueCase) {
	t.Helper()
	opts := Options{Delim: ',', Quote: '"', Null: `\N`}
	for _, c := range cases {
		if got := one(t, schemaOf(typ), nil, opts, c.in); got != c.want {
			t.Errorf("%s %q: got %s, want %s", typ, c.in, got, c.want)
		}
	}
}

func TestInt64(t *testing.T) {
	testValues(t, arrow.PrimitiveTypes.Int64, []valueCase{
		{"0", "0"}, {"42", "42"}, {"-42", "-42"}, {"+7", "7"}, {"007", "7"},
		{"9223372036854775807", "9223372036854775807"},
		{"-9223372036854775808", "-9223372036854775808"},
		{"999999999999999999", "999999999999999999"},
		{"9223372036854775808", `column 1 (f1): value out of range for int64 "9223372036854775808"`},
		{"99999999999999999999", `column 1 (f1): value out of range for int64 "99999999999999999999"`},
		{"x1", `column 1 (f1): bad int64 "x1"`},
		{"1x", `column 1 (f1): bad int64 "1x"`},
		{"-", `column 1 (f1): bad int64 "-"`},
		{" 1", `column 1 (f1): bad int64 " 1"`},
		{"1 ", `column 1 (f1): bad int64 "1 "`},
		{"1.0", `column 1 (f1): bad int64 "1.0"`},
		{"1_000", `column 1 (f1): bad int64 "1_000"`},
		{"0x10", `column 1 (f1): bad int64 "0x10"`},
		{"12345678901234567890x", `column 1 (f1): bad int64 "12345678901234567890x"`},
		{"", "NULL"}, {`\N`, "NULL"}, {`"5"`, "5"},
		{`""`, `column 1 (f1): bad int64 ""`},
	})
}

func TestInt32(t *testing.T) {
	testValues(t, arrow.PrimitiveTypes.Int32, []valueCase{
		{"2147483647", "2147483647"}, {"-2147483648", "-2147483648"}, {"-5", "-5"},
		{"2147483648", `column 1 (f1): value out of range for int32 "2147483648"`},
		{"-2147483649", `column 1 (f1): value out of range for int32 "-2147483649"`},
		{"99999999999999999999", `column 1 (f1): value out of range for int32 "99999999999999999999"`},
		{"1e3", `column 1 (f1): bad int32 "1e3"`},
	})
}

func TestFloat64(t *testing.T) {
	testValues(t, arrow.PrimitiveTypes.Float64, []valueCase{
		{"1.5", "1.5"}, {"-0.25", "-0.25"}, {"1e3", "1000"}, {"3", "3"}, {".5", "0.5"},
		{"NaN", "NaN"}, {"inf", "+Inf"}, {"-Infinity", "-Inf"}, {"0x1p-2", "0.25"},
		{"1e400", `column 1 (f1): value out of range for float64 "1e400"`},
		{"1.5x", `column 1 (f1): bad float64 "1.5x"`},
		{" 1.5", `column 1 (f1): bad float64 " 1.5"`},
		{"1,5", `record: 2 fields, want 1`},
	})
}

func TestBool(t *testing.T) {
	testValues(t, arrow.FixedWidthTypes.Boolean, []valueCase{
		{"true", "true"}, {"TRUE", "true"}, {"True", "true"}, {"1", "true"},
		{"false", "false"}, {"FaLsE", "false"}, {"0", "false"},
		{"t", `column 1 (f1): bad bool "t"`},
		{"yes", `column 1 (f1): bad bool "yes"`},
		{"2", `column 1 (f1): bad bool "2"`},
		{"truex", `column 1 (f1): bad bool "truex"`},
		{"", "NULL"},
	})
}

func TestString(t *testing.T) {
	testValues(t, arrow.BinaryTypes.String, []valueCase{
		{"abc", "abc"}, {" spaced ", " spaced "}, {"héllo", "héllo"}, {"", ""},
		{`\N`, "NULL"}, {`"\N"`, `\N`}, {`""`, ""},
		{"a\xffb", "column 1 (f1): invalid UTF-8"},
		{"\xc3", "column 1 (f1): invalid UTF-8"},
		{`"x` + "\xff" + `"`, "column 1 (f1): invalid UTF-8"},
	})
}

func TestDate(t *testing.T) {
	testValues(t, arrow.FixedWidthTypes.Date32, []valueCase{
		{"1970-01-01", "1970-01-01"}, {"1996-03-13", "1996-03-13"},
		{"1992-02-29", "1992-02-29"}, {"2000-02-29", "2000-02-29"},
		{"1969-12-31", "1969-12-31"}, {"0000-01-01", "0000-01-01"}, {"9999-12-31", "9999-12-31"},
		{"1993-02-29", `column 1 (f1): bad date "1993-02-29"`},
		{"1900-02-29", `column 1 (f1): bad date "1900-02-29"`},
		{"1996-13-01", `column 1 (f1): bad date "1996-13-01"`},
		{"1996-00-10", `column 1 (f1): bad date "1996-00-10"`},
		{"1996-01-00", `column 1 (f1): bad date "1996-01-00"`},
		{"1996-04-31", `column 1 (f1): bad date "1996-04-31"`},
		{"1996-01-32", `column 1 (f1): bad date "1996-01-32"`},
		{"1996-1-01", `column 1 (f1): bad date "1996-1-01"`},
		{"96-01-01", `column 1 (f1): bad date "96-01-01"`},
		{"1996/01/01", `column 1 (f1): bad date "1996/01/01"`},
		{"+996-01-01", `column 1 (f1): bad date "+996-01-01"`},
		{"1996-01-01T00", `column 1 (f1): bad date "1996-01-01T00"`},
		{"1996-01-0x", `column 1 (f1): bad date "1996-01-0x"`},
		{"", "NULL"},
	})
}

func TestDecimal(t *testing.T) {
	d := func(p, s int32) arrow.DataType { return &arrow.Decimal128Type{Precision: p, Scale: s} }
	max38 := strings.Repeat("9", 38)
	t.Run("15,2", func(t *testing.T) {
		testValues(t, d(15, 2), []valueCase{
			{"24710.35", "24710.35"}, {"5", "5.00"}, {"0.04", "0.04"}, {"-0.04", "-0.04"},
			{"+1.5", "1.50"}, {"-17", "-17.00"}, {"1.", "1.00"}, {".5", "0.50"}, {"-0.00", "0.00"},
			{"0000000000000000001.25", "1.25"},
			{"9999999999999.99", "9999999999999.99"}, {"-9999999999999.99", "-9999999999999.99"},
			{"10000000000000", `column 1 (f1): value out of range for decimal(15,2) "10000000000000"`},
			{"1.234", `column 1 (f1): more than 2 decimal places "1.234"`},
			{"1.230", `column 1 (f1): more than 2 decimal places "1.230"`},
			{"12.3x4", `column 1 (f1): bad decimal(15,2) "12.3x4"`},
			{".", `column 1 (f1): bad decimal(15,2) "."`},
			{"-", `column 1 (f1): bad decimal(15,2) "-"`},
			{"1e5", `column 1 (f1): bad decimal(15,2) "1e5"`},
			{" 1", `column 1 (f1): bad decimal(15,2) " 1"`},
			{"1..2", `column 1 (f1): bad decimal(15,2) "1..2"`},
			{"--1", `column 1 (f1): bad decimal(15,2) "--1"`},
			{"", "NULL"},
		})
	})
	t.Run("18,0", func(t *testing.T) {
		testValues(t, d(18, 0), []valueCase{
			{"999999999999999999", "999999999999999999"}, {"-999999999999999999", "-999999999999999999"},
			{"1000000000000000000", `column 1 (f1): value out of range for decimal(18,0) "1000000000000000000"`},
			{"1.5", `column 1 (f1): more than 0 decimal places "1.5"`},
			{"7.", "7"},
		})
	})
	t.Run("5,5", func(t *testing.T) {
		testValues(t, d(5, 5), []valueCase{
			{"0.12345", "0.12345"}, {".5", "0.50000"}, {"-0.99999", "-0.99999"}, {"0", "0.00000"},
			{"1", `column 1 (f1): value out of range for decimal(5,5) "1"`},
			{"0.123456", `column 1 (f1): more than 5 decimal places "0.123456"`},
		})
	})
	t.Run("38,0", func(t *testing.T) {
		testValues(t, d(38, 0), []valueCase{
			{max38, max38}, {"-" + max38, "-" + max38}, {"0", "0"}, {"-1", "-1"},
			{"18446744073709551616", "18446744073709551616"}, // 2^64
			{"1" + max38, `column 1 (f1): value out of range for decimal(38,0) "1` + max38 + `"`},
			{"000" + max38, max38},
		})
	})
	t.Run("38,10", func(t *testing.T) {
		testValues(t, d(38, 10), []valueCase{
			{"1234567890123456789012345678.0123456789", "1234567890123456789012345678.0123456789"},
			{"-0.0000000001", "-0.0000000001"}, {"5", "5.0000000000"}, {"-12345678901234567890.5", "-12345678901234567890.5000000000"},
			{"12345678901234567890123456789", `column 1 (f1): value out of range for decimal(38,10) "12345678901234567890123456789"`},
			{"1.00000000001", `column 1 (f1): more than 10 decimal places "1.00000000001"`},
			{"1.0000x", `column 1 (f1): bad decimal(38,10) "1.0000x"`},
		})
	})
	t.Run("38,38", func(t *testing.T) {
		testValues(t, d(38, 38), []valueCase{
			{"0." + max38, "0." + max38}, {"-." + max38, "-0." + max38},
			{"1", `column 1 (f1): value out of range for decimal(38,38) "1"`},
		})
	})
}

// TestLongReason checks that a huge bad value makes a short reason.
func TestLongReason(t *testing.T) {
	got := one(t, schemaOf(arrow.PrimitiveTypes.Int64), nil, Options{Delim: ','}, strings.Repeat("x", 1000))
	want := `column 1 (f1): bad int64 "` + strings.Repeat("x", maxQuoted) + `"...`
	if got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
