package delim

import (
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
)

// This file is a slow, plain reference for what one field scans to,
// written from the contract with strconv, time and math/big rather than
// from the package's code, for the property tests to compare against.

// refDecimal matches decimal text: sign, integer digits, fraction digits.
var refDecimal = regexp.MustCompile(`^([+-]?)([0-9]*)(?:\.([0-9]*))?$`)

// refDate matches the only date layout accepted.
var refDate = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)

// refCell returns how field text v (quoted when it was enclosed in
// quotes, with escapes undone) of field f renders with cell, or ok false
// when it is bad.
func refCell(f arrow.Field, v string, quoted bool, null string) (string, bool) {
	isString := f.Type.ID() == arrow.STRING
	if !quoted && (null != "" && v == null || v == "" && (!isString || null == "")) {
		return "NULL", f.Nullable
	}
	switch t := f.Type.(type) {
	case *arrow.Int64Type:
		n, err := strconv.ParseInt(v, 10, 64)
		return strconv.FormatInt(n, 10), err == nil
	case *arrow.Int32Type:
		n, err := strconv.ParseInt(v, 10, 32)
		return strconv.FormatInt(n, 10), err == nil
	case *arrow.Float64Type:
		x, err := strconv.ParseFloat(v, 64)
		return strconv.FormatFloat(x, 'g', -1, 64), err == nil
	case *arrow.Decimal128Type:
		return refDecimalCell(t, v)
	case *arrow.Date32Type:
		d, err := time.Parse("2006-01-02", v)
		return d.Format("2006-01-02"), err == nil && refDate.MatchString(v)
	case *arrow.StringType:
		return v, utf8.ValidString(v)
	case *arrow.BooleanType:
		switch strings.ToLower(v) {
		case "true", "1":
			return "true", true
		case "false", "0":
			return "false", true
		}
		return "", false
	}
	panic("no reference for " + f.Type.String())
}

// refDecimalCell is refCell for a decimal: the value as arrow's ToString
// renders it (all scale digits, a leading 0 before the point).
func refDecimalCell(t *arrow.Decimal128Type, v string) (string, bool) {
	m := refDecimal.FindStringSubmatch(v)
	if m == nil || m[2]+m[3] == "" || len(m[3]) > int(t.Scale) {
		return "", false
	}
	intDigits := strings.TrimLeft(m[2], "0")
	if len(intDigits) > int(t.Precision-t.Scale) {
		return "", false
	}
	unscaled, _ := new(big.Int).SetString("0"+m[2]+m[3]+strings.Repeat("0", int(t.Scale)-len(m[3])), 10)
	if m[1] == "-" {
		unscaled.Neg(unscaled)
	}
	return formatUnscaled(unscaled, int(t.Scale)), true
}

// formatUnscaled renders unscaled / 10^scale in decimal.
func formatUnscaled(u *big.Int, scale int) string {
	sign, digits := "", u.String()
	if u.Sign() < 0 {
		sign, digits = "-", digits[1:]
	}
	if scale == 0 {
		return sign + digits
	}
	if len(digits) <= scale {
		digits = strings.Repeat("0", scale-len(digits)+1) + digits
	}
	return sign + digits[:len(digits)-scale] + "." + digits[len(digits)-scale:]
}
