package colfile

import (
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// AppendValue appends the text form of row i of arr to buf and returns the
// extended buffer. It appends nothing for a null: callers check
// arr.IsNull(i) first and write their own null text. For the types listed
// below it does not allocate beyond growing buf.
//
// The text forms are a contract (outputs are compared byte for byte):
//
//   - Int8..Int64, Uint8..Uint64: decimal, '-' for negatives.
//   - Float32, Float64: strconv 'g' with the shortest precision that round
//     trips (25.575154611454693, 1e+21, 5e-324); NaN, +Inf, -Inf.
//   - Decimal128, Decimal256: exact, no exponent, exactly scale fractional
//     digits, "0" before the point of a value below 1, '-' for negatives
//     and never "-0": 38045600 at scale 2 is "380456.00", -5 at scale 2 is
//     "-0.05". A negative scale appends -scale zeros (12 at -2 is "1200").
//   - Date32, Date64: YYYY-MM-DD in the proleptic Gregorian calendar; a
//     year outside 0..9999 is written with as many digits as it needs and
//     a '-' before a negative one. Date64 milliseconds within a day are
//     dropped (floor, also before 1970).
//   - Timestamp: RFC 3339 in UTC with 'Z' and only the fractional digits
//     needed (time.RFC3339Nano), whatever the type's time zone.
//   - Time32, Time64: HH:MM:SS with only the fractional digits needed.
//   - String, LargeString, StringView, Binary, LargeBinary, BinaryView,
//     FixedSizeBinary: the bytes as they are.
//   - Boolean: true or false.
//   - Dictionary: the text of the dictionary value.
//   - Null: nothing.
//
// Any other type is written as arrow's ValueStr gives it, which allocates
// and is not part of the contract.
func AppendValue(buf []byte, arr arrow.Array, i int) []byte {
	if arr.IsNull(i) {
		return buf
	}
	return appendValid(buf, arr, i)
}

// appendValid is AppendValue for a row known not to be null.
func appendValid(buf []byte, arr arrow.Array, i int) []byte {
	switch a := arr.(type) {
	case *array.String:
		return append(buf, a.Value(i)...)
	case *array.LargeString:
		return append(buf, a.Value(i)...)
	case *array.StringView:
		return append(buf, a.Value(i)...)
	case *array.Binary:
		return append(buf, a.Value(i)...)
	case *array.LargeBinary:
		return append(buf, a.Value(i)...)
	case *array.BinaryView:
		return append(buf, a.Value(i)...)
	case *array.FixedSizeBinary:
		return append(buf, a.Value(i)...)
	case *array.Boolean:
		return strconv.AppendBool(buf, a.Value(i))
	case *array.Dictionary:
		return AppendValue(buf, a.Dictionary(), a.GetValueIndex(i))
	case *array.Null:
		return buf
	}
	if b, ok := appendNumber(buf, arr, i); ok {
		return b
	}
	if b, ok := appendTemporal(buf, arr, i); ok {
		return b
	}
	return append(buf, arr.ValueStr(i)...)
}

// appendNumber appends the integer, float and decimal types; ok is false
// for any other type.
func appendNumber(buf []byte, arr arrow.Array, i int) (out []byte, ok bool) {
	switch a := arr.(type) {
	case *array.Int8:
		return strconv.AppendInt(buf, int64(a.Value(i)), 10), true
	case *array.Int16:
		return strconv.AppendInt(buf, int64(a.Value(i)), 10), true
	case *array.Int32:
		return strconv.AppendInt(buf, int64(a.Value(i)), 10), true
	case *array.Int64:
		return strconv.AppendInt(buf, a.Value(i), 10), true
	case *array.Uint8:
		return strconv.AppendUint(buf, uint64(a.Value(i)), 10), true
	case *array.Uint16:
		return strconv.AppendUint(buf, uint64(a.Value(i)), 10), true
	case *array.Uint32:
		return strconv.AppendUint(buf, uint64(a.Value(i)), 10), true
	case *array.Uint64:
		return strconv.AppendUint(buf, a.Value(i), 10), true
	case *array.Float32:
		return strconv.AppendFloat(buf, float64(a.Value(i)), 'g', -1, 32), true
	case *array.Float64:
		return strconv.AppendFloat(buf, a.Value(i), 'g', -1, 64), true
	case *array.Decimal128:
		return appendDecimal128(buf, a.Value(i), a.DataType().(*arrow.Decimal128Type).Scale), true
	case *array.Decimal256:
		return appendDecimal256(buf, a.Value(i), a.DataType().(*arrow.Decimal256Type).Scale), true
	}
	return buf, false
}

// appendTemporal appends the date, time and timestamp types; ok is false
// for any other type.
func appendTemporal(buf []byte, arr arrow.Array, i int) (out []byte, ok bool) {
	switch a := arr.(type) {
	case *array.Date32:
		return appendDate(buf, int64(a.Value(i))), true
	case *array.Date64:
		return appendDate(buf, floorDiv(int64(a.Value(i)), msPerDay)), true
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		return a.Value(i).ToTime(unit).UTC().AppendFormat(buf, time.RFC3339Nano), true
	case *array.Time32:
		unit := a.DataType().(*arrow.Time32Type).Unit
		return a.Value(i).ToTime(unit).AppendFormat(buf, timeOfDay), true
	case *array.Time64:
		unit := a.DataType().(*arrow.Time64Type).Unit
		return a.Value(i).ToTime(unit).AppendFormat(buf, timeOfDay), true
	}
	return buf, false
}

// timeOfDay is the layout of Time32 and Time64 values.
const timeOfDay = "15:04:05.999999999"
