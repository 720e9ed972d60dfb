package main

import (
	"cmp"
	"fmt"
	"io"
	"path/filepath"
	"slices"
)

// revenueHeader is nation-revenue's header line, from its SQL.
const revenueHeader = "n_name\to_year\trevenue\tlineitems\n"

// revenueGroup is one (n_name, o_year) group: the revenue's unscaled sum
// at scale 4 and the number of joined lineitems.
type revenueGroup struct {
	nation  string
	year    int64
	revenue int128
	count   int64
}

// nationRevenue runs the nation-revenue query (lineitem ⋈ orders ⋈
// customer ⋈ nation, grouped by nation name and order year) over dir with
// n goroutines. The smaller tables are read first into hash tables; every
// order maps to its group's index, so the scan of lineitem does one
// lookup per order (its lines are adjacent) and adds into a slice.
func nationRevenue(dir string, n int, w io.Writer) error {
	nations, err := readNations(filepath.Join(dir, "nation.tbl"))
	if err != nil {
		return err
	}
	custNation, err := readCustomers(filepath.Join(dir, "customer.tbl"), n, nations)
	if err != nil {
		return err
	}
	orders, groups, err := readOrders(filepath.Join(dir, "orders.tbl"), n, custNation, nations)
	if err != nil {
		return err
	}
	sums, err := sumLineitems(filepath.Join(dir, "lineitem.tbl"), n, orders, len(groups))
	if err != nil {
		return err
	}
	for _, s := range sums {
		for i := range groups {
			groups[i].revenue = groups[i].revenue.plus(s[i].revenue)
			groups[i].count += s[i].count
		}
	}
	return writeRevenue(w, groups)
}

// lineSums is one chunk's sums, indexed like the groups.
type lineSums []struct {
	revenue int128
	count   int64
}

// sumLineitems adds up l_extendedprice * (1 - l_discount) and counts the
// lineitems of every group, one lineSums per chunk.
func sumLineitems(path string, n int, orders *intMap, groups int) ([]lineSums, error) {
	sums := make([]lineSums, n)
	last := make([]struct {
		key   int64
		group uint32
		ok    bool
	}, n) // each chunk's last lookup: a table's lineitems come grouped by order
	for i := range sums {
		sums[i] = make(lineSums, groups)
		last[i].key = -1 << 63 // not a key parseInt returns
	}
	err := scanFile(path, n, func(i int, l []byte) error {
		c := cursor{line: l}
		key := c.int()
		c.skip(4)
		ext, disc := c.decimal(2), c.decimal(2)
		if c.err != nil {
			return c.err
		}
		lk := &last[i]
		if key != lk.key {
			lk.key = key
			lk.group, lk.ok = orders.get(key)
		}
		if !lk.ok {
			return nil // inner join: no such order
		}
		g := lk.group
		if err := checkProduct(ext, disc, 0); err != nil {
			return err
		}
		s := &sums[i][g]
		s.revenue.add(ext * (100 - disc))
		s.count++
		return nil
	})
	return sums, err
}

func writeRevenue(w io.Writer, groups []revenueGroup) error {
	slices.SortFunc(groups, func(a, b revenueGroup) int {
		return cmp.Or(cmp.Compare(a.nation, b.nation), cmp.Compare(a.year, b.year))
	})
	if _, err := io.WriteString(w, revenueHeader); err != nil {
		return err
	}
	for _, g := range groups {
		if g.count == 0 {
			continue // orders whose lineitems all went missing: no row, as in SQL
		}
		if _, err := fmt.Fprintf(w, "%s\t%d\t%s\t%d\n", g.nation, g.year, formatScaled(g.revenue.big(), 4), g.count); err != nil {
			return err
		}
	}
	return nil
}
