package nexmark

import (
	"errors"
	"slices"
	"testing"
)

// referenceConfigs cover one partial window at the default rate, many
// windows at slow rates (long auctions, many q5 windows), a fast rate
// (many bids in the millisecond of the auction they precede, for q4), a
// seed and a first event id of their own.
func referenceConfigs() map[string]Config {
	c := testConfig(5_000)
	slow, slower, fast, offset := c, c, c, c
	slow.EventsPerSecond, slow.Events = 1_000, 20_000
	slower.EventsPerSecond, slower.Seed = 100, 7
	fast.EventsPerSecond, fast.Events = 1_000_000, 20_000
	offset.FirstEventID, offset.BaseTime, offset.Events = 123_457, 1_000_003, 8_000
	return map[string]Config{"default": c, "slow": slow, "slower": slower, "fast": fast, "offset": offset}
}

func TestReferenceAgainstBruteForce(t *testing.T) {
	for name, c := range referenceConfigs() {
		all := generateAll(c)
		for _, q := range Queries {
			var got []string
			if err := Reference(q, c, func(line string) { got = append(got, line) }); err != nil {
				t.Fatalf("%s %s: %v", name, q, err)
			}
			want := brute[q](all)
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("%s %s: reference has %d lines, brute force %d; first difference: %s",
					name, q, len(got), len(want), firstDiff(got, want))
			}
			t.Logf("%s %s: %d lines", name, q, len(want))
			if len(want) == 0 {
				t.Errorf("%s %s: no output, the comparison proves nothing", name, q)
			}
		}
	}
}

func firstDiff(got, want []string) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return "got " + got[i] + ", want " + want[i]
		}
	}
	if len(got) > len(want) {
		return "extra " + got[len(want)]
	}
	if len(want) > len(got) {
		return "missing " + want[len(got)]
	}
	return "none"
}

func TestReferenceErrors(t *testing.T) {
	tests := []struct {
		query string
		c     Config
		want  error
	}{
		{"q6", testConfig(10), ErrUnknownQuery},
		{"Q0", testConfig(10), ErrUnknownQuery},
		{"q0", DefaultConfig(), ErrConfig},
		{"q0", Config{Events: 10}, ErrConfig},
	}
	for _, tt := range tests {
		got := Reference(tt.query, tt.c, func(string) {})
		if !errors.Is(got, tt.want) {
			t.Errorf("Reference(%q, %+v): got %v, want %v", tt.query, tt.c, got, tt.want)
		}
	}
}

// Hand-made event streams, in event-time order, for the window edges,
// ties, gaps and join orders that generated streams rarely show.
func person(id int64, name, state string, t int64) Event {
	return Event{Kind: KindPerson, Person: Person{ID: id, Name: name, City: "Bend", State: state, DateTime: t}}
}

func auction(id, seller, category, t, expires int64) Event {
	return Event{Kind: KindAuction, Auction: Auction{ID: id, Seller: seller, Category: category, DateTime: t, Expires: expires}}
}

func bid(auction, price, t int64) Event {
	return Event{Kind: KindBid, Bid: Bid{Auction: auction, Bidder: 7, Price: price, DateTime: t, Extra: "x"}}
}

// runEvents feeds events to the reference state machine of query.
func runEvents(query string, events []Event) []string {
	var lines []string
	q := queries[query](&emitter{out: func(b []byte) { lines = append(lines, string(b)) }})
	for i := range events {
		q.add(&events[i])
	}
	q.finish()
	return lines
}

func TestReferenceScenarios(t *testing.T) {
	tests := []struct {
		name, query string
		events      []Event
		want        []string
	}{{
		name: "q3 seller before and after auction", query: "q3",
		events: []Event{
			person(1000, "A", "OR", 0), person(1001, "B", "WA", 1),
			auction(1, 1000, 10, 2, 9), auction(2, 1001, 10, 3, 9), auction(3, 1002, 10, 4, 9),
			auction(4, 1000, 11, 5, 9), person(1002, "C", "CA", 6),
		},
		want: []string{FormatQ3("A", "Bend", "OR", 1), FormatQ3("C", "Bend", "CA", 3)},
	}, {
		name: "q4 inclusive ends, late bid, early bid in the auction's ms", query: "q4",
		events: []Event{
			auction(1, 1000, 10, 0, 100), bid(1, 5, 50), bid(1, 7, 100), bid(1, 9, 101),
			bid(2, 100, 150), bid(2, 4, 200), auction(2, 1000, 10, 200, 300), auction(3, 1000, 11, 400, 500),
		},
		want: []string{FormatQ4(10, (7+4)/2)},
	}, {
		name: "q5 ties, hops and a gap", query: "q5",
		events: []Event{bid(1, 1, 0), bid(2, 1, 1500), bid(2, 1, 2500), bid(3, 1, 50_000)},
		want: []string{
			FormatQ5(-8000, 2000, 1, 1), FormatQ5(-8000, 2000, 2, 1),
			FormatQ5(-6000, 4000, 2, 2), FormatQ5(-4000, 6000, 2, 2), FormatQ5(-2000, 8000, 2, 2),
			FormatQ5(0, 10000, 2, 2), FormatQ5(2000, 12000, 2, 1),
			FormatQ5(42000, 52000, 3, 1), FormatQ5(44000, 54000, 3, 1), FormatQ5(46000, 56000, 3, 1),
			FormatQ5(48000, 58000, 3, 1), FormatQ5(50000, 60000, 3, 1),
		},
	}, {
		name: "q7 ties and empty windows", query: "q7",
		events: []Event{bid(1, 5, 100), bid(2, 9, 200), bid(3, 9, 300), bid(4, 1, 10_000), bid(5, 2, 35_000)},
		want: []string{
			FormatQ7(0, 10000, 2, 7, 9, 200, "x"), FormatQ7(0, 10000, 3, 7, 9, 300, "x"),
			FormatQ7(10000, 20000, 4, 7, 1, 10000, "x"), FormatQ7(30000, 40000, 5, 7, 2, 35000, "x"),
		},
	}, {
		name: "q8 same window either order, once, not across windows", query: "q8",
		events: []Event{
			person(1000, "A", "OR", 100), auction(1, 1000, 10, 200, 900), auction(2, 1000, 10, 300, 900),
			person(1001, "B", "OR", 9999), auction(3, 1001, 10, 10_000, 19_000),
			auction(4, 1002, 10, 10_001, 19_000), person(1002, "C", "OR", 10_002),
		},
		want: []string{FormatQ8(1000, "A", 0), FormatQ8(1002, "C", 10000)},
	}}
	for _, tt := range tests {
		got := runEvents(tt.query, tt.events)
		slices.Sort(got)
		slices.Sort(tt.want)
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, got, tt.want)
		}
		if b := brute[tt.query](tt.events); !slices.Equal(slices.Sorted(slices.Values(b)), tt.want) {
			t.Errorf("%s: brute force got %q", tt.name, b)
		}
	}
}
