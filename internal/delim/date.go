package delim

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// date32Col holds a date32 column: days since 1970-01-01, from text
// YYYY-MM-DD (years 0000 to 9999 of the proleptic Gregorian calendar).
type date32Col struct {
	vals []arrow.Date32
	validity
}

func (c *date32Col) add(f string) string {
	d, ok := parseDate(f)
	if !ok {
		return badValue("date", f)
	}
	c.vals = append(c.vals, arrow.Date32(d))
	c.set(len(c.vals)-1, true)
	return ""
}

// parseDate parses YYYY-MM-DD into days since 1970-01-01, checking the
// month and the day of the month, leap years included. The eight digits
// are gathered into one word, checked and paired up at once (see
// digits8).
func parseDate(s string) (int32, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, false
	}
	w := load64(s, 0) // YYYY-MM-
	w = w&0xffffffff | w>>8&0xffff00000000 | uint64(s[8])<<48 | uint64(s[9])<<56
	if w&nibHi|(w+sixes)&nibHi>>4 != threes {
		return 0, false
	}
	w -= zeros
	w = (w*10 + w>>8) & 0x00ff00ff00ff00ff // YY YY MM DD, two digits a lane
	y, m, d := int(w&0xff)*100+int(w>>16&0xff), int(w>>32&0xff), int(w>>48)
	if m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return 0, false
	}
	return daysFromCivil(y, m, d), true
}

// monthDays is the length of each month of a common year.
var monthDays = [13]int{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

// daysBefore is the days of a common year before each month.
var daysBefore = [13]int{0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334}

// isLeap reports whether y is a leap year of the Gregorian calendar.
func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

// daysIn returns the number of days of month m of year y.
func daysIn(y, m int) int {
	if m == 2 && isLeap(y) {
		return 29
	}
	return monthDays[m]
}

// leapsBefore1970 is the number of leap years from 1 to 1969.
const leapsBefore1970 = 1969/4 - 1969/100 + 1969/400

// daysFromCivil returns the days from 1970-01-01 to y-m-d, for a year 0 to
// 9999 and a valid month and day.
func daysFromCivil(y, m, d int) int32 {
	x := uint(y + 399) // year y-1, shifted by 400 years (97 leap years) to stay positive
	leaps := int(x/4-x/100+x/400) - 97 - leapsBefore1970
	days := 365*(y-1970) + leaps + daysBefore[m] + d - 1
	if m > 2 && isLeap(y) {
		days++
	}
	return int32(days)
}

func (c *date32Col) addNull() {
	c.vals = append(c.vals, 0)
	c.set(len(c.vals)-1, false)
}

func (c *date32Col) truncate(n int) { c.vals = c.vals[:n]; c.validity.truncate(n) }
func (c *date32Col) reserve(n int)  { c.vals = make([]arrow.Date32, 0, n) }
func (c *date32Col) size() int      { return 4 * len(c.vals) }

func (c *date32Col) build(n int) arrow.Array {
	vals := c.vals
	c.vals = nil
	valid, nulls := c.take(n)
	return makeArray(arrow.FixedWidthTypes.Date32, n, nulls, valid,
		memory.NewBufferBytes(arrow.Date32Traits.CastToBytes(vals)))
}
