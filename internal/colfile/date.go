package colfile

// msPerDay is the number of milliseconds in a Date64 day.
const msPerDay = 24 * 60 * 60 * 1000

// appendDate appends the proleptic Gregorian date that is days after
// 1970-01-01 as YYYY-MM-DD.
func appendDate(buf []byte, days int64) []byte {
	y, m, d := civil(days)
	if y < 0 {
		buf = append(buf, '-')
		y = -y
	}
	buf = appendPadded(buf, uint64(y), 4)
	buf = append(buf, '-')
	buf = appendPadded(buf, uint64(m), 2)
	buf = append(buf, '-')
	return appendPadded(buf, uint64(d), 2)
}

// civil returns the year, month and day of the date that is days after
// 1970-01-01, by Howard Hinnant's civil_from_days algorithm: it counts in
// 400-year eras of 146097 days starting on March 1st, so leap days fall at
// the end of a year.
func civil(days int64) (year, month, day int64) {
	z := days + 719468 // days from 0000-03-01
	era := floorDiv(z, 146097)
	doe := z - era*146097                                  // day of era, [0, 146096]
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365 // year of era, [0, 399]
	doy := doe - (365*yoe + yoe/4 - yoe/100)               // day of year from March 1st, [0, 365]
	mp := (5*doy + 2) / 153                                // month from March, [0, 11]
	day = doy - (153*mp+2)/5 + 1
	month = mp + 3
	if month > 12 {
		month -= 12
	}
	year = yoe + era*400
	if month <= 2 {
		year++
	}
	return year, month, day
}

// floorDiv returns a/b rounded towards negative infinity, for b > 0.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b < 0 {
		q--
	}
	return q
}

// appendPadded appends v in decimal with leading zeros to at least width
// digits.
func appendPadded(buf []byte, v uint64, width int) []byte {
	var tmp [20]byte
	i := len(tmp)
	for v >= 10 || len(tmp)-i < width-1 {
		i--
		tmp[i] = byte('0' + v%10)
		v /= 10
	}
	i--
	tmp[i] = byte('0' + v)
	return append(buf, tmp[i:]...)
}
