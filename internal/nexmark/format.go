package nexmark

import "strconv"

// The output lines of the queries, defined once for the reference and the
// streaming job. A line is tab-separated fields without a trailing
// newline; integers and times (ms since the Unix epoch) are in decimal.
// Generated strings never hold a tab or a newline, so nothing is escaped.
// Each Append function appends the line to dst; each Format function
// returns it as a new string.

// AppendQ0 appends the q0 (pass through) line of a bid:
// auction, bidder, price, dateTime, extra.
func AppendQ0(dst []byte, auction, bidder, price, dateTime int64, extra string) []byte {
	dst = appendInts(dst, auction, bidder, price, dateTime)
	return append(dst, extra...)
}

// FormatQ0 returns the AppendQ0 line.
func FormatQ0(auction, bidder, price, dateTime int64, extra string) string {
	return string(AppendQ0(nil, auction, bidder, price, dateTime, extra))
}

// AppendQ1 appends the q1 (currency conversion) line of a bid: auction,
// bidder, the price in euros (see AppendEuros), dateTime, extra.
func AppendQ1(dst []byte, auction, bidder, price, dateTime int64, extra string) []byte {
	dst = appendInts(dst, auction, bidder)
	dst = append(AppendEuros(dst, price), '\t')
	dst = append(strconv.AppendInt(dst, dateTime, 10), '\t')
	return append(dst, extra...)
}

// FormatQ1 returns the AppendQ1 line.
func FormatQ1(auction, bidder, price, dateTime int64, extra string) string {
	return string(AppendQ1(nil, auction, bidder, price, dateTime, extra))
}

// AppendEuros appends 0.908 * price exactly, as Flink's DECIMAL result of
// 0.908 * BIGINT: price*908 with three fraction digits (1234 → 1120.472,
// -5 → -4.540).
func AppendEuros(dst []byte, price int64) []byte {
	v := price * 908
	if v < 0 {
		dst, v = append(dst, '-'), -v
	}
	dst = append(strconv.AppendInt(dst, v/1000, 10), '.')
	f := v % 1000
	return append(dst, byte('0'+f/100), byte('0'+f/10%10), byte('0'+f%10))
}

// AppendQ2 appends the q2 (selection) line: auction, price.
func AppendQ2(dst []byte, auction, price int64) []byte {
	dst = appendInts(dst, auction)
	return strconv.AppendInt(dst, price, 10)
}

// FormatQ2 returns the AppendQ2 line.
func FormatQ2(auction, price int64) string { return string(AppendQ2(nil, auction, price)) }

// AppendQ3 appends the q3 (local item suggestion) line: the seller's name,
// city and state, and the auction id.
func AppendQ3(dst []byte, name, city, state string, auction int64) []byte {
	dst = append(append(dst, name...), '\t')
	dst = append(append(dst, city...), '\t')
	dst = append(append(dst, state...), '\t')
	return strconv.AppendInt(dst, auction, 10)
}

// FormatQ3 returns the AppendQ3 line.
func FormatQ3(name, city, state string, auction int64) string {
	return string(AppendQ3(nil, name, city, state, auction))
}

// AppendQ4 appends the q4 (average price per category) line: category,
// average closing price (integer, truncated).
func AppendQ4(dst []byte, category, avg int64) []byte {
	dst = appendInts(dst, category)
	return strconv.AppendInt(dst, avg, 10)
}

// FormatQ4 returns the AppendQ4 line.
func FormatQ4(category, avg int64) string { return string(AppendQ4(nil, category, avg)) }

// AppendQ5 appends the q5 (hot items) line: window start, window end,
// auction, number of bids.
func AppendQ5(dst []byte, start, end, auction, count int64) []byte {
	dst = appendInts(dst, start, end, auction)
	return strconv.AppendInt(dst, count, 10)
}

// FormatQ5 returns the AppendQ5 line.
func FormatQ5(start, end, auction, count int64) string {
	return string(AppendQ5(nil, start, end, auction, count))
}

// AppendQ7 appends the q7 (highest bid) line: window start, window end,
// then the bid's auction, bidder, price, dateTime, extra.
func AppendQ7(dst []byte, start, end, auction, bidder, price, dateTime int64, extra string) []byte {
	dst = appendInts(dst, start, end, auction, bidder, price, dateTime)
	return append(dst, extra...)
}

// FormatQ7 returns the AppendQ7 line.
func FormatQ7(start, end, auction, bidder, price, dateTime int64, extra string) string {
	return string(AppendQ7(nil, start, end, auction, bidder, price, dateTime, extra))
}

// AppendQ8 appends the q8 (monitor new users) line: person id, name,
// window start.
func AppendQ8(dst []byte, id int64, name string, start int64) []byte {
	dst = appendInts(dst, id)
	dst = append(append(dst, name...), '\t')
	return strconv.AppendInt(dst, start, 10)
}

// FormatQ8 returns the AppendQ8 line.
func FormatQ8(id int64, name string, start int64) string {
	return string(AppendQ8(nil, id, name, start))
}

// appendInts appends each value followed by a tab.
func appendInts(dst []byte, vs ...int64) []byte {
	for _, v := range vs {
		dst = append(strconv.AppendInt(dst, v, 10), '\t')
	}
	return dst
}
