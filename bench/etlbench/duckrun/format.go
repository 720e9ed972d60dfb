package main

import (
	"database/sql"
	"fmt"
	"io"
	"math/big"
	"strconv"
	"strings"

	"github.com/duckdb/duckdb-go/v2"
)

// writeTSV writes the column names, then every row, tab-separated.
func writeTSV(w io.Writer, rows *sql.Rows) error {
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintln(w, strings.Join(cols, "\t")); err != nil {
		return err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	fields := make([]string, len(cols))
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		for i, v := range vals {
			if fields[i], err = format(v); err != nil {
				return fmt.Errorf("column %s: %w", cols[i], err)
			}
		}
		if _, err := fmt.Fprintln(w, strings.Join(fields, "\t")); err != nil {
			return err
		}
	}
	return rows.Err()
}

// format formats one value as the reference answers do: decimals at their
// scale, doubles in strconv's shortest form, integers and text as they are.
func format(v any) (string, error) {
	switch v := v.(type) {
	case duckdb.Decimal:
		return formatScaled(v.Value, int(v.Scale)), nil
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64), nil
	case int64:
		return strconv.FormatInt(v, 10), nil
	case int32:
		return strconv.FormatInt(int64(v), 10), nil
	case string:
		return v, nil
	case nil:
		return "", nil
	}
	return "", fmt.Errorf("duckrun: no format for %T", v)
}

// formatScaled formats the unscaled v with exactly scale fraction digits.
func formatScaled(v *big.Int, scale int) string {
	digits := new(big.Int).Abs(v).String()
	if len(digits) <= scale {
		digits = strings.Repeat("0", scale-len(digits)+1) + digits
	}
	sign := ""
	if v.Sign() < 0 {
		sign = "-"
	}
	if scale == 0 {
		return sign + digits
	}
	return sign + digits[:len(digits)-scale] + "." + digits[len(digits)-scale:]
}
