package size

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ErrSyntax is returned (wrapped, with the input) by Parse for text that is
// not a size.
var ErrSyntax = errors.New("size: invalid size")

// ErrRange is returned (wrapped, with the input) by Parse for sizes that
// are negative or do not fit in an int64.
var ErrRange = errors.New("size: out of range")

// Binary units.
const (
	KiB int64 = 1 << (10 * (iota + 1))
	MiB
	GiB
	TiB
)

// multipliers maps a lower-cased unit to its factor.
var multipliers = map[string]float64{
	"": 1, "b": 1,
	"k": 1e3, "kb": 1e3, "ki": 1 << 10, "kib": 1 << 10,
	"m": 1e6, "mb": 1e6, "mi": 1 << 20, "mib": 1 << 20,
	"g": 1e9, "gb": 1e9, "gi": 1 << 30, "gib": 1 << 30,
	"t": 1e12, "tb": 1e12, "ti": 1 << 40, "tib": 1 << 40,
}

// Parse returns the number of bytes s denotes. The number may have a
// fraction ("1.5GiB"); the result is rounded down to whole bytes.
func Parse(s string) (int64, error) {
	num, unit := split(strings.TrimSpace(s))
	mult, ok := multipliers[strings.ToLower(strings.TrimSpace(unit))]
	if num == "" || !ok {
		return 0, fmt.Errorf("%w %q (want e.g. 512MiB, 2GiB, 1G or bytes)", ErrSyntax, s)
	}
	if mult == 1 && !strings.ContainsAny(num, ".eE") {
		n, err := strconv.ParseInt(num, 10, 64)
		if err != nil {
			return 0, rangeOrSyntax(s, err)
		}
		return checkSign(s, n)
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, rangeOrSyntax(s, err)
	}
	v := f * mult
	if math.IsNaN(v) || v >= math.MaxInt64 {
		return 0, fmt.Errorf("%w: %q", ErrRange, s)
	}
	return checkSign(s, int64(v))
}

// split cuts s into its leading number and the rest.
func split(s string) (num, unit string) {
	i := 0
	for i < len(s) && strings.IndexByte("0123456789.+-", s[i]) >= 0 {
		i++
	}
	return s[:i], s[i:]
}

func rangeOrSyntax(s string, err error) error {
	if errors.Is(err, strconv.ErrRange) {
		return fmt.Errorf("%w: %q", ErrRange, s)
	}
	return fmt.Errorf("%w %q (want e.g. 512MiB, 2GiB, 1G or bytes)", ErrSyntax, s)
}

func checkSign(s string, n int64) (int64, error) {
	if n < 0 {
		return 0, fmt.Errorf("%w: %q is negative", ErrRange, s)
	}
	return n, nil
}

// Format returns n in the largest binary unit that keeps it at least 1,
// with at most one decimal: "512 B", "1.5 GiB", "2 TiB".
func Format(n int64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	v, i := float64(n), 0
	for math.Abs(v) >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%d B", n)
	}
	s := strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)
	return s + " " + units[i]
}
