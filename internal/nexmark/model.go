package nexmark

// Person is a new user registering. Its ID is new; all strings but Name,
// City and State are random.
type Person struct {
	ID           int64
	Name         string
	EmailAddress string
	CreditCard   string
	City         string
	State        string
	DateTime     int64 // ms since the Unix epoch
	Extra        string
}

// Auction is a new auction. Its ID is new; Seller is a person id, and
// DateTime < Expires.
type Auction struct {
	ID          int64
	ItemName    string
	Description string
	InitialBid  int64
	Reserve     int64
	DateTime    int64 // ms since the Unix epoch
	Expires     int64 // ms since the Unix epoch
	Seller      int64
	Category    int64
	Extra       string
}

// Bid is a bid on auction Auction by person Bidder. Either id may belong to
// an auction or person generated a little later (Beam's id leads), and the
// auction may have expired.
type Bid struct {
	Auction  int64
	Bidder   int64
	Price    int64
	Channel  string
	URL      string
	DateTime int64 // ms since the Unix epoch
	Extra    string
}

// Kind says which field of an Event is set.
type Kind int8

// The kinds of event.
const (
	KindPerson Kind = iota
	KindAuction
	KindBid
)

func (k Kind) String() string {
	switch k {
	case KindPerson:
		return "person"
	case KindAuction:
		return "auction"
	case KindBid:
		return "bid"
	}
	return "kind(?)"
}

// Event is one event of the stream. Only the field named by Kind is
// meaningful; Config.Event leaves the other two zero.
type Event struct {
	Kind    Kind
	Person  Person
	Auction Auction
	Bid     Bid
}

// DateTime returns the event time of e, in ms.
func (e *Event) DateTime() int64 {
	switch e.Kind {
	case KindPerson:
		return e.Person.DateTime
	case KindAuction:
		return e.Auction.DateTime
	}
	return e.Bid.DateTime
}

// Size returns the nominal size of e: 8 bytes per integer plus the length
// of every string of its kind. The Extra padding makes the average of it
// approach AvgPersonSize, AvgAuctionSize and AvgBidSize.
func (e *Event) Size() int {
	switch e.Kind {
	case KindPerson:
		return e.Person.Size()
	case KindAuction:
		return e.Auction.Size()
	}
	return e.Bid.Size()
}

// Size returns the nominal size of p (see Event.Size).
func (p Person) Size() int {
	return 2*8 + len(p.Name) + len(p.EmailAddress) + len(p.CreditCard) +
		len(p.City) + len(p.State) + len(p.Extra)
}

// Size returns the nominal size of a (see Event.Size).
func (a Auction) Size() int {
	return 7*8 + len(a.ItemName) + len(a.Description) + len(a.Extra)
}

// Size returns the nominal size of b (see Event.Size).
func (b Bid) Size() int {
	return 4*8 + len(b.Channel) + len(b.URL) + len(b.Extra)
}
