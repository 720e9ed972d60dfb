package main

import "fmt"

// nationTable is nation.tbl: n_name by n_nationkey, and each key's index
// (its row number), which the other tables use instead of the key.
type nationTable struct {
	index map[int64]uint32
	names []string
}

// maxNations is how many nations fit in the 16 bits readOrders gives them.
const maxNations = 1 << 16

func readNations(path string) (nationTable, error) {
	t := nationTable{index: make(map[int64]uint32)}
	err := scanFile(path, 1, func(_ int, l []byte) error {
		c := cursor{line: l}
		key, name := c.int(), c.next()
		if c.err != nil {
			return c.err
		}
		if _, dup := t.index[key]; dup {
			return fmt.Errorf("plain: duplicate n_nationkey %d", key)
		}
		if len(t.names) == maxNations {
			return fmt.Errorf("plain: more than %d nations", maxNations)
		}
		t.index[key] = uint32(len(t.names))
		t.names = append(t.names, string(name))
		return nil
	})
	return t, err
}

// keyValue is one row of a table read for a join: its key and what the
// join needs of it.
type keyValue struct {
	key   int64
	value uint32
}

// readPairs scans path with n goroutines, turning each line into a
// keyValue with row (false drops the line), and returns the pairs of
// every chunk.
func readPairs(path string, n int, row func(c *cursor) (keyValue, bool)) ([][]keyValue, error) {
	pairs := make([][]keyValue, n)
	err := scanFile(path, n, func(i int, l []byte) error {
		c := cursor{line: l}
		kv, ok := row(&c)
		if c.err != nil {
			return c.err
		}
		if ok {
			pairs[i] = append(pairs[i], kv)
		}
		return nil
	})
	return pairs, err
}

// buildMap puts all pairs into one table, with each value replaced by
// value(v), failing on a duplicate key.
func buildMap(pairs [][]keyValue, what string, value func(uint32) uint32) (*intMap, error) {
	size := 0
	for _, p := range pairs {
		size += len(p)
	}
	m := newIntMap(size)
	for _, p := range pairs {
		for _, kv := range p {
			if !m.put(kv.key, value(kv.value)) {
				return nil, fmt.Errorf("plain: %s: duplicate key %d", what, kv.key)
			}
		}
	}
	return m, nil
}

// readCustomers maps c_custkey to the index of the customer's nation;
// customers of an unknown nation are left out (the inner join drops them).
func readCustomers(path string, n int, nations nationTable) (*intMap, error) {
	pairs, err := readPairs(path, n, func(c *cursor) (keyValue, bool) {
		key := c.int()
		c.skip(2)
		idx, ok := nations.index[c.int()]
		return keyValue{key, idx}, ok
	})
	if err != nil {
		return nil, err
	}
	return buildMap(pairs, "customer.tbl", func(v uint32) uint32 { return v })
}

// readOrders maps o_orderkey to the index of its (nation, year) group in
// the returned groups; orders of unknown customers are left out.
func readOrders(path string, n int, custNation *intMap, nations nationTable) (*intMap, []revenueGroup, error) {
	pairs, err := readPairs(path, n, func(c *cursor) (keyValue, bool) {
		key, cust := c.int(), c.int()
		c.skip(2)
		year := c.year()
		nation, ok := custNation.get(cust)
		return keyValue{key, nation<<16 | year}, ok
	})
	if err != nil {
		return nil, nil, err
	}
	ids := make(map[uint32]uint32) // nation<<16 | year to index in groups
	var groups []revenueGroup
	m, err := buildMap(pairs, "orders.tbl", func(v uint32) uint32 {
		id, ok := ids[v]
		if !ok {
			id = uint32(len(groups))
			ids[v] = id
			groups = append(groups, revenueGroup{nation: nations.names[v>>16], year: int64(v & 0xffff)})
		}
		return id
	})
	return m, groups, err
}
