package main

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
)

// q1Cutoff is date '1998-12-01' - interval '90' day; .tbl dates are
// YYYY-MM-DD, so comparing the text compares the dates.
var q1Cutoff = []byte("1998-09-02")

// q1Header is Q1's header line, from its SQL.
const q1Header = "l_returnflag\tl_linestatus\tsum_qty\tsum_base_price\tsum_disc_price\tsum_charge\tavg_qty\tavg_price\tavg_disc\tcount_order\n"

// q1Group is one (l_returnflag, l_linestatus) group's running sums, all
// unscaled: quantity, price, discount at scale 2, the discounted price
// at 4, the charge at 6.
type q1Group struct {
	returnFlag, lineStatus string
	qty, price, disc       int128
	discPrice, charge      int128
	count                  int64
}

// q1State is one chunk's groups. There are few, and in TPC-H both keys are
// one byte long, so such groups are found through a table.
type q1State struct {
	groups []q1Group
	byByte [256][256]uint8 // one-byte keys' index in groups, plus 1; 0 if none
}

// q1 runs TPC-H Q1 over dir/lineitem.tbl with n goroutines.
func q1(dir string, n int, w io.Writer) error {
	states := make([]q1State, n)
	err := scanFile(filepath.Join(dir, "lineitem.tbl"), n, func(i int, l []byte) error {
		return states[i].add(l)
	})
	if err != nil {
		return err
	}
	return writeQ1(w, mergeQ1(states))
}

// add folds one lineitem line into s.
func (s *q1State) add(line []byte) error {
	c := cursor{line: line}
	c.skip(4)
	qty, ext, disc, tax := c.decimal(2), c.decimal(2), c.decimal(2), c.decimal(2)
	rf, ls, ship := c.next(), c.next(), c.date()
	if c.err != nil {
		return c.err
	}
	if bytes.Compare(ship, q1Cutoff) > 0 {
		return nil
	}
	if err := checkProduct(ext, disc, tax); err != nil {
		return err
	}
	g := s.group(rf, ls)
	g.qty.add(qty)
	g.price.add(ext)
	g.disc.add(disc)
	dp := ext * (100 - disc)
	g.discPrice.add(dp)
	g.charge.add(dp * (100 + tax))
	g.count++
	return nil
}

// group returns the group of (rf, ls), creating it if new.
func (s *q1State) group(rf, ls []byte) *q1Group {
	short := len(rf) == 1 && len(ls) == 1
	if short {
		if i := s.byByte[rf[0]][ls[0]]; i > 0 {
			return &s.groups[i-1]
		}
	}
	for i := range s.groups {
		if g := &s.groups[i]; g.returnFlag == string(rf) && g.lineStatus == string(ls) {
			return g
		}
	}
	s.groups = append(s.groups, q1Group{returnFlag: string(rf), lineStatus: string(ls)})
	if n := len(s.groups); short && n < 256 {
		s.byByte[rf[0]][ls[0]] = uint8(n)
	}
	return &s.groups[len(s.groups)-1]
}

// mergeQ1 adds up the chunks' groups and sorts them by the group keys.
func mergeQ1(states []q1State) []q1Group {
	var all q1State
	for _, s := range states {
		for _, g := range s.groups {
			a := all.group([]byte(g.returnFlag), []byte(g.lineStatus))
			a.qty, a.price, a.disc = a.qty.plus(g.qty), a.price.plus(g.price), a.disc.plus(g.disc)
			a.discPrice, a.charge = a.discPrice.plus(g.discPrice), a.charge.plus(g.charge)
			a.count += g.count
		}
	}
	slices.SortFunc(all.groups, func(a, b q1Group) int {
		return cmp.Or(cmp.Compare(a.returnFlag, b.returnFlag), cmp.Compare(a.lineStatus, b.lineStatus))
	})
	return all.groups
}

func writeQ1(w io.Writer, groups []q1Group) error {
	if _, err := io.WriteString(w, q1Header); err != nil {
		return err
	}
	for _, g := range groups {
		_, err := fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\n", g.returnFlag, g.lineStatus,
			formatScaled(g.qty.big(), 2), formatScaled(g.price.big(), 2),
			formatScaled(g.discPrice.big(), 4), formatScaled(g.charge.big(), 6),
			formatAvg(g.qty, g.count, 2), formatAvg(g.price, g.count, 2), formatAvg(g.disc, g.count, 2), g.count)
		if err != nil {
			return err
		}
	}
	return nil
}

// formatAvg formats avg(x) for a decimal column x of the given scale with
// the given unscaled sum over count rows, as a float64.
func formatAvg(sum int128, count int64, scale int) string {
	return strconv.FormatFloat(average(sum.big(), count, scale), 'g', -1, 64)
}

// maxPrice and maxFactor bound a scale-2 price and the discount and tax that
// multiply it, so that price × (100 - discount) × (100 + tax) fits in
// int64: 2^31 × 2^16 × 2^16 = 2^63.
const (
	maxPrice  = 1 << 31
	maxFactor = 1<<15 - 100
)

// checkProduct fails if ext × (100 - disc) × (100 + tax) might overflow.
func checkProduct(ext, disc, tax int64) error {
	if ext <= -maxPrice || ext >= maxPrice || disc <= -maxFactor || disc >= maxFactor || tax <= -maxFactor || tax >= maxFactor {
		return fmt.Errorf("%w: extended price %d, discount %d, tax %d (unscaled)", errRange, ext, disc, tax)
	}
	return nil
}
