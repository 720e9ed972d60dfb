package nexmark

// Brute-force versions of the queries, as plain as possible: all events in
// memory, nested loops over them, windows enumerated from the event times.
// They share only the line format with the reference.

func bids(all []Event) []Bid {
	var out []Bid
	for _, e := range all {
		if e.Kind == KindBid {
			out = append(out, e.Bid)
		}
	}
	return out
}

func people(all []Event) []Person {
	var out []Person
	for _, e := range all {
		if e.Kind == KindPerson {
			out = append(out, e.Person)
		}
	}
	return out
}

func auctions(all []Event) []Auction {
	var out []Auction
	for _, e := range all {
		if e.Kind == KindAuction {
			out = append(out, e.Auction)
		}
	}
	return out
}

func bruteQ0(all []Event) (lines []string) {
	for _, b := range bids(all) {
		lines = append(lines, FormatQ0(b.Auction, b.Bidder, b.Price, b.DateTime, b.Extra))
	}
	return lines
}

func bruteQ1(all []Event) (lines []string) {
	for _, b := range bids(all) {
		lines = append(lines, FormatQ1(b.Auction, b.Bidder, b.Price, b.DateTime, b.Extra))
	}
	return lines
}

func bruteQ2(all []Event) (lines []string) {
	for _, b := range bids(all) {
		if b.Auction%123 == 0 {
			lines = append(lines, FormatQ2(b.Auction, b.Price))
		}
	}
	return lines
}

func bruteQ3(all []Event) (lines []string) {
	for _, a := range auctions(all) {
		for _, p := range people(all) {
			if a.Seller == p.ID && a.Category == 10 && (p.State == "OR" || p.State == "ID" || p.State == "CA") {
				lines = append(lines, FormatQ3(p.Name, p.City, p.State, a.ID))
			}
		}
	}
	return lines
}

func bruteQ4(all []Event) (lines []string) {
	sum, count := map[int64]int64{}, map[int64]int64{}
	bs := bids(all)
	for _, a := range auctions(all) {
		final, won := int64(0), false
		for _, b := range bs {
			if b.Auction == a.ID && b.DateTime >= a.DateTime && b.DateTime <= a.Expires && (!won || b.Price > final) {
				final, won = b.Price, true
			}
		}
		if won {
			sum[a.Category] += final
			count[a.Category]++
		}
	}
	for c := range sum {
		lines = append(lines, FormatQ4(c, sum[c]/count[c]))
	}
	return lines
}

// timeRange returns the lowest and highest event time.
func timeRange(all []Event) (lo, hi int64) {
	lo, hi = all[0].DateTime(), all[0].DateTime()
	for _, e := range all {
		lo, hi = min(lo, e.DateTime()), max(hi, e.DateTime())
	}
	return lo, hi
}

func bruteQ5(all []Event) (lines []string) {
	lo, hi := timeRange(all)
	bs := bids(all)
	for start := lo - lo%2000 - 8000; start <= hi; start += 2000 {
		count := map[int64]int64{}
		for _, b := range bs {
			if b.DateTime >= start && b.DateTime < start+10000 {
				count[b.Auction]++
			}
		}
		top := int64(0)
		for _, n := range count {
			top = max(top, n)
		}
		for a, n := range count {
			if n == top {
				lines = append(lines, FormatQ5(start, start+10000, a, n))
			}
		}
	}
	return lines
}

func bruteQ7(all []Event) (lines []string) {
	lo, hi := timeRange(all)
	for start := lo - lo%10000; start <= hi; start += 10000 {
		top := int64(-1)
		for _, b := range bids(all) {
			if b.DateTime >= start && b.DateTime < start+10000 {
				top = max(top, b.Price)
			}
		}
		for _, b := range bids(all) {
			if b.DateTime >= start && b.DateTime < start+10000 && b.Price == top {
				lines = append(lines, FormatQ7(start, start+10000, b.Auction, b.Bidder, b.Price, b.DateTime, b.Extra))
			}
		}
	}
	return lines
}

func bruteQ8(all []Event) (lines []string) {
	for _, p := range people(all) {
		start := p.DateTime - p.DateTime%10000
		for _, a := range auctions(all) {
			if a.Seller == p.ID && a.DateTime >= start && a.DateTime < start+10000 {
				lines = append(lines, FormatQ8(p.ID, p.Name, start))
				break
			}
		}
	}
	return lines
}

var brute = map[string]func([]Event) []string{
	"q0": bruteQ0, "q1": bruteQ1, "q2": bruteQ2, "q3": bruteQ3,
	"q4": bruteQ4, "q5": bruteQ5, "q7": bruteQ7, "q8": bruteQ8,
}
