package nexmark

// textBuf bounds the random text of a person or auction (an auction has
// at most about 650 bytes) and bidBuf that of a bid; longer text would
// still work, through a heap buffer.
const (
	textBuf = 1024
	bidBuf  = 64
)

// Event fills e with event n (0 <= n, and n < Events unless unbounded;
// neither is checked) of a valid Config (see Validate). The result depends
// on c and n only: generating n alone equals generating it in sequence.
//
// It sets e.Kind and that kind's field and zeroes the other two. Names,
// cities, states and channels are shared constant strings; the random text
// of the event (email and card, item name and description, Extra) is one
// new string that its fields slice, so an event costs one allocation.
// Event is safe for concurrent use on different e.
func (c Config) Event(n int64, e *Event) {
	g := gen{c: c, n: n, id: c.FirstEventID + n, t: c.Time(n)}
	g.r = newRNG(c.Seed, g.id)
	e.Kind = kindOf(g.id)
	switch e.Kind {
	case KindPerson:
		e.Auction, e.Bid = Auction{}, Bid{}
		g.person(&e.Person)
	case KindAuction:
		e.Person, e.Bid = Person{}, Bid{}
		g.auction(&e.Auction)
	default:
		e.Person, e.Auction = Person{}, Auction{}
		g.bid(&e.Bid)
	}
}

// gen generates one event: number n, id, time t, random source r.
type gen struct {
	c     Config
	n, id int64
	t     int64
	r     rng
}

func (g *gen) person(p *Person) {
	var buf [textBuf]byte
	b := g.r.appendWords(buf[:0], 7)
	b = append(b, '@')
	b = g.r.appendWords(b, 5)
	b = append(b, ".com"...)
	emailEnd := len(b)
	b = g.r.appendCard(b)
	cardEnd := len(b)
	name := fullNames[g.r.intn(int64(len(fullNames)))]
	city := usCities[g.r.intn(int64(len(usCities)))]
	state := usStates[g.r.intn(int64(len(usStates)))]
	b = g.r.appendExtra(b, 2*8+cardEnd+len(name)+len(city)+len(state), AvgPersonSize)
	s := string(b)
	*p = Person{
		ID:           lastBase0PersonID(g.id) + FirstPersonID,
		Name:         name,
		EmailAddress: s[:emailEnd],
		CreditCard:   s[emailEnd:cardEnd],
		City:         city,
		State:        state,
		DateTime:     g.t,
		Extra:        s[cardEnd:],
	}
}

func (g *gen) auction(a *Auction) {
	seller := g.seller()
	category := FirstCategoryID + g.r.intn(NumCategories)
	initial := g.r.price()
	expires := g.t + g.auctionLength()
	var buf [textBuf]byte
	b := g.r.appendWords(buf[:0], 20)
	nameEnd := len(b)
	b = g.r.appendWords(b, 100)
	descEnd := len(b)
	reserve := initial + g.r.price()
	b = g.r.appendExtra(b, 7*8+descEnd, AvgAuctionSize)
	s := string(b)
	*a = Auction{
		ID:          lastBase0AuctionID(g.id) + FirstAuctionID,
		ItemName:    s[:nameEnd],
		Description: s[nameEnd:descEnd],
		InitialBid:  initial,
		Reserve:     reserve,
		DateTime:    g.t,
		Expires:     expires,
		Seller:      seller,
		Category:    category,
		Extra:       s[descEnd:],
	}
}

func (g *gen) bid(b *Bid) {
	auction := g.bidAuction()
	bidder := g.bidder()
	price := g.r.price()
	channel, url := g.channel()
	var buf [bidBuf]byte
	x := g.r.appendExtra(buf[:0], 4*8+len(channel)+len(url), AvgBidSize)
	*b = Bid{
		Auction:  auction,
		Bidder:   bidder,
		Price:    price,
		Channel:  channel,
		URL:      url,
		DateTime: g.t,
		Extra:    string(x),
	}
}

// channel returns a hot channel and its URL, or 1 time in
// hotChannelsRatio one of the numChannels others.
func (g *gen) channel() (name, url string) {
	if g.r.intn(hotChannelsRatio) == 0 {
		ch := &channels()[g.r.intn(numChannels)]
		return ch.name, ch.url
	}
	i := g.r.intn(int64(len(hotChannels)))
	return hotChannels[i], hotURLs[i]
}

// auctionLength is Beam's nextAuctionLengthMs: uniform in [1, 2h] for h
// the event time until numInFlightAuctions more auctions have been
// generated, so that about that many are open at any time.
func (g *gen) auctionLength() int64 {
	const ahead = numInFlightAuctions * proportionDenominator / auctionProportion
	horizon := g.c.Time(g.n+ahead) - g.t
	return 1 + g.r.intn(max(2*horizon, 1))
}
