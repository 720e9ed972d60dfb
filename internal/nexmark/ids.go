package nexmark

// Beam's id rules. Ids here are base 0: the id of the k-th person (or
// auction) ever is k; events add FirstPersonID (FirstAuctionID).

// lastBase0PersonID returns the id of the last person generated at or
// before event id: the one of this event if it is a person.
func lastBase0PersonID(id int64) int64 {
	epoch, off := id/proportionDenominator, id%proportionDenominator
	if off >= personProportion {
		off = personProportion - 1
	}
	return epoch*personProportion + off
}

// lastBase0AuctionID returns the id of the last auction generated at or
// before event id: the one of this event if it is an auction.
func lastBase0AuctionID(id int64) int64 {
	epoch, off := id/proportionDenominator, id%proportionDenominator
	switch {
	case off < personProportion:
		epoch, off = epoch-1, auctionProportion-1
	case off >= personProportion+auctionProportion:
		off = auctionProportion - 1
	default:
		off -= personProportion
	}
	return epoch*auctionProportion + off
}

// randomPerson is Beam's nextBase0PersonId: one of the last
// numActivePeople people, or one of the next personIDLead not yet
// generated.
func (g *gen) randomPerson() int64 {
	num := lastBase0PersonID(g.id) + 1
	active := min(num, numActivePeople)
	return num - active + g.r.intn(active+personIDLead)
}

// randomAuction is Beam's nextBase0AuctionId: one of the last
// numInFlightAuctions auctions, or one of the next auctionIDLead not yet
// generated.
func (g *gen) randomAuction() int64 {
	last := lastBase0AuctionID(g.id)
	lo := max(last-numInFlightAuctions, 0)
	return lo + g.r.intn(last-lo+1+auctionIDLead)
}

// seller returns the seller of a new auction: mostly the hot seller, the
// first person of the current batch of hotBatch.
func (g *gen) seller() int64 {
	if g.r.intn(hotSellersRatio) > 0 {
		return lastBase0PersonID(g.id)/hotBatch*hotBatch + FirstPersonID
	}
	return g.randomPerson() + FirstPersonID
}

// bidder returns the bidder of a bid: mostly the hot bidder, the second
// person of the current batch of hotBatch (so hot bidders are not hot
// sellers).
func (g *gen) bidder() int64 {
	if g.r.intn(hotBiddersRatio) > 0 {
		return lastBase0PersonID(g.id)/hotBatch*hotBatch + 1 + FirstPersonID
	}
	return g.randomPerson() + FirstPersonID
}

// bidAuction returns the auction of a bid: mostly the hot auction, the
// first of the current batch of hotBatch.
func (g *gen) bidAuction() int64 {
	if g.r.intn(hotAuctionRatio) > 0 {
		return lastBase0AuctionID(g.id)/hotBatch*hotBatch + FirstAuctionID
	}
	return g.randomAuction() + FirstAuctionID
}
