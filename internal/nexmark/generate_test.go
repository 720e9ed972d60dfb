package nexmark

import (
	"math"
	"slices"
	"sync"
	"testing"
)

func testConfig(events int64) Config {
	c := DefaultConfig()
	c.Seed, c.Events = 42, events
	return c
}

// generateAll generates events [0, c.Events) in sequence into one reused
// Event, copying each out.
func generateAll(c Config) []Event {
	all := make([]Event, c.Events)
	var e Event
	for n := range c.Events {
		c.Event(n, &e)
		all[n] = e
	}
	return all
}

func TestEventDeterministic(t *testing.T) {
	c := testConfig(5_000)
	seq, again := generateAll(c), generateAll(c)
	for n := len(seq) - 1; n >= 0; n -= 7 { // alone, backwards, into a fresh Event
		var e Event
		c.Event(int64(n), &e)
		if e != seq[n] {
			t.Fatalf("event %d alone = %+v, in sequence %+v", n, e, seq[n])
		}
	}
	if !slices.Equal(seq, again) {
		t.Fatal("two generations of the same config differ")
	}
	other := c
	other.Seed++
	if slices.Equal(seq, generateAll(other)) {
		t.Fatal("seeds 42 and 43 generate the same events")
	}
}

func TestEventProportions(t *testing.T) {
	c := testConfig(50 * 200)
	var got [3]int
	for n, e := range generateAll(c) {
		got[e.Kind]++
		if want := c.Kind(int64(n)); e.Kind != want {
			t.Fatalf("event %d: Kind %v, Config.Kind %v", n, e.Kind, want)
		}
		if want := wantKind(n % 50); e.Kind != want {
			t.Fatalf("event %d (n%%50 = %d): got %v, want %v", n, n%50, e.Kind, want)
		}
	}
	if want := [3]int{200, 600, 9200}; got != want {
		t.Errorf("person, auction, bid counts: got %v, want %v", got, want)
	}
}

func wantKind(rem int) Kind {
	switch {
	case rem == 0:
		return KindPerson
	case rem < 4:
		return KindAuction
	}
	return KindBid
}

func TestEventIDs(t *testing.T) {
	c := testConfig(50 * 400)
	people, auctions := int64(0), int64(0) // generated so far
	for n, e := range generateAll(c) {
		switch e.Kind {
		case KindPerson:
			if got, want := e.Person.ID, FirstPersonID+people; got != want {
				t.Fatalf("event %d: person id %d, want %d", n, got, want)
			}
			people++
		case KindAuction:
			a := e.Auction
			if got, want := a.ID, FirstAuctionID+auctions; got != want {
				t.Fatalf("event %d: auction id %d, want %d", n, got, want)
			}
			auctions++
			checkPersonRef(t, n, "seller", a.Seller, people, 0)
			if a.Category < FirstCategoryID || a.Category >= FirstCategoryID+NumCategories {
				t.Fatalf("event %d: category %d", n, a.Category)
			}
			if a.Expires <= a.DateTime || a.Reserve <= a.InitialBid {
				t.Fatalf("event %d: auction %+v: expires or reserve too small", n, a)
			}
		case KindBid:
			b := e.Bid
			checkAuctionRef(t, n, b.Auction, auctions)
			checkPersonRef(t, n, "bidder", b.Bidder, people, 1)
			if b.Price < 100 || b.Price > 100_000_000 {
				t.Fatalf("event %d: price %d out of [100, 1e8]", n, b.Price)
			}
		}
	}
}

// checkPersonRef checks that a seller or bidder is the hot one of the
// current batch (first person for sellers, second for bidders) or one of
// the last numActivePeople people or the personIDLead next ones.
func checkPersonRef(t *testing.T, n int, what string, id, people, hot int64) {
	t.Helper()
	base0 := id - FirstPersonID
	if base0 == (people-1)/hotBatch*hotBatch+hot {
		return
	}
	lo, hi := max(people-numActivePeople, 0), people+personIDLead
	if base0 < lo || base0 >= hi {
		t.Fatalf("event %d: %s %d (base 0 %d) not in [%d, %d) with %d people", n, what, id, base0, lo, hi, people)
	}
}

// checkAuctionRef checks that a bid's auction is in flight: the hot one
// or one of the last numInFlightAuctions+1 or auctionIDLead next ones.
func checkAuctionRef(t *testing.T, n int, id, auctions int64) {
	t.Helper()
	last := auctions - 1
	base0 := id - FirstAuctionID
	lo, hi := max(last-numInFlightAuctions, 0), last+auctionIDLead
	if base0 < lo || base0 > hi {
		t.Fatalf("event %d: bid auction %d (base 0 %d) not in [%d, %d]", n, id, base0, lo, hi)
	}
}

// isText reports whether s is lower-case letters, and spaces if words,
// and not a space at either end.
func isText(s string, words bool) bool {
	for i := range len(s) {
		if c := s[i]; (c < 'a' || c > 'z') && !(words && c == ' ' && i > 0 && i < len(s)-1) {
			return false
		}
	}
	return true
}

func TestEventStrings(t *testing.T) {
	for n, e := range generateAll(testConfig(20_000)) {
		if !isText(e.Person.Extra, false) || !isText(e.Auction.Extra, false) || !isText(e.Bid.Extra, false) ||
			!isText(e.Auction.ItemName, true) || !isText(e.Auction.Description, true) {
			t.Fatalf("event %d: bad text in %+v", n, e)
		}
		switch e.Kind {
		case KindPerson:
			p := e.Person
			if !slices.Contains(usStates[:], p.State) || !slices.Contains(usCities[:], p.City) ||
				!slices.Contains(fullNames[:], p.Name) || len(p.CreditCard) != 19 {
				t.Fatalf("event %d: person %+v", n, p)
			}
		case KindBid:
			b := e.Bid
			hot := slices.Index(hotChannels[:], b.Channel)
			if hot >= 0 && b.URL != hotURLs[hot] || hot < 0 && b.URL == "" {
				t.Fatalf("event %d: channel %q with url %q", n, b.Channel, b.URL)
			}
		}
	}
}

func TestTime(t *testing.T) {
	tests := []struct {
		eps, n, want int64
	}{
		{10_000, 0, 0},
		{10_000, 9, 0},
		{10_000, 10, 1},
		{10_000, 10_000, 1000},
		{3, 1, 333},
		{3, 2, 666},
		{3, 3, 1000},
		{7, 1e15, 142_857_142_857_142_857},
		{1_000_000_000, math.MaxInt64, math.MaxInt64 / 1_000_000},
	}
	for _, tt := range tests {
		c := Config{EventsPerSecond: tt.eps, BaseTime: 5}
		if got := c.Time(tt.n) - 5; got != tt.want {
			t.Errorf("EventsPerSecond %d: Time(%d) - BaseTime = %d, want %d", tt.eps, tt.n, got, tt.want)
		}
	}
}

func TestTimeMonotonic(t *testing.T) {
	for _, eps := range []int64{1, 3, 7, 1000, 10_000, 333_333} {
		c := Config{EventsPerSecond: eps}
		for n := range int64(100_000) {
			if c.Time(n+1) < c.Time(n) {
				t.Fatalf("EventsPerSecond %d: Time(%d) = %d > Time(%d) = %d", eps, n, c.Time(n), n+1, c.Time(n+1))
			}
		}
	}
	for n, e := range generateAll(testConfig(5_000)) {
		if got, want := e.DateTime(), testConfig(0).Time(int64(n)); got != want {
			t.Fatalf("event %d: DateTime %d, want Time(n) %d", n, got, want)
		}
	}
}

func TestEventSizes(t *testing.T) {
	var sum, count [3]int
	for _, e := range generateAll(testConfig(200_000)) {
		sum[e.Kind] += e.Size()
		count[e.Kind]++
	}
	for k, want := range [3]int{AvgPersonSize, AvgAuctionSize, AvgBidSize} {
		got := float64(sum[k]) / float64(count[k])
		if got < 0.75*float64(want) || got > 1.25*float64(want) {
			t.Errorf("%v: average size %.1f, want %d ± 25%%", Kind(k), got, want)
		}
	}
}

func TestOwned(t *testing.T) {
	for parts := 1; parts <= 7; parts++ {
		c := Config{Events: 1000}
		owners := make([]int, c.Events)
		for i := range parts {
			for n := range c.Split(i, parts) {
				if !Owned(n, i, parts) {
					t.Fatalf("parts %d: Split(%d) yields %d, which it does not own", parts, i, n)
				}
				owners[n]++
			}
		}
		for n, got := range owners {
			if got != 1 {
				t.Fatalf("parts %d: event %d has %d owners, want 1", parts, n, got)
			}
		}
	}
}

func TestSplitParallel(t *testing.T) {
	c := testConfig(20_000)
	want := generateAll(c)
	const parts = 4
	got := make([]Event, c.Events)
	var wg sync.WaitGroup
	for i := range parts {
		wg.Go(func() {
			for n := range c.Split(i, parts) {
				c.Event(n, &got[n])
			}
		})
	}
	wg.Wait()
	if !slices.Equal(got, want) {
		t.Fatal("events generated by 4 parallel parts differ from the sequence")
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(*Config)
		wantOK bool
	}{
		{"default", func(*Config) {}, true},
		{"bounded", func(c *Config) { c.Events = 10 }, true},
		{"negative events", func(c *Config) { c.Events = -1 }, false},
		{"zero rate", func(c *Config) { c.EventsPerSecond = 0 }, false},
		{"negative first id", func(c *Config) { c.FirstEventID = -1 }, false},
	}
	for _, tt := range tests {
		c := DefaultConfig()
		tt.edit(&c)
		if got := c.Validate(); (got == nil) != tt.wantOK {
			t.Errorf("%s: Validate() = %v, want ok %v", tt.name, got, tt.wantOK)
		}
	}
}
