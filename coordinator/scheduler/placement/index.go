package placement

import (
	"math"

	"spindle/internal/proto"
)

// Node is a node as the Index sees it.
type Node struct {
	ID         string
	Capacity   proto.Resources
	Used       proto.Resources
	Containers int
	Live       bool
}

// Free is what is left on n.
func (n *Node) Free() proto.Resources { return n.Capacity.Sub(n.Used) }

// Index keeps nodes in slots (in the order they were first added) and a
// segment tree over the slots. Slots are never reused for another ID.
type Index struct {
	nodes []Node
	slots map[string]int
	size  int     // leaves in the tree, a power of two ≥ len(nodes)
	maxV  []int   // per tree node: largest free vcores of a live node below
	maxM  []int64 // largest free memory
	minC  []int32 // fewest containers
	total proto.Resources
	used  proto.Resources
}

// NewIndex returns an empty Index.
func NewIndex() *Index {
	x := &Index{slots: map[string]int{}}
	x.grow(1)
	return x
}

// Len is the number of slots, live or not.
func (x *Index) Len() int { return len(x.nodes) }

// Node returns the node in slot; the caller must not change it.
func (x *Index) Node(slot int) *Node { return &x.nodes[slot] }

// Slot returns the slot of a node ID.
func (x *Index) Slot(id string) (int, bool) {
	s, ok := x.slots[id]
	return s, ok
}

// Total is the capacity of live nodes; Used what is granted on them.
func (x *Index) Total() proto.Resources { return x.total }

// Used is the resources granted on live nodes.
func (x *Index) Used() proto.Resources { return x.used }

// Upsert makes a node live with the given capacity, keeping what is
// already granted on it, and returns its slot.
func (x *Index) Upsert(id string, capacity proto.Resources) int {
	s, ok := x.slots[id]
	if !ok {
		s = len(x.nodes)
		x.nodes = append(x.nodes, Node{ID: id})
		x.slots[id] = s
		if s >= x.size {
			x.grow(2 * x.size)
		}
	}
	n := &x.nodes[s]
	x.account(n, -1)
	n.Capacity, n.Live = capacity, true
	x.account(n, 1)
	x.update(s)
	return s
}

// SetDown takes a node out of placement and forgets what was granted on
// it (its containers are gone with it).
func (x *Index) SetDown(slot int) {
	n := &x.nodes[slot]
	x.account(n, -1)
	n.Live, n.Used, n.Containers = false, proto.Resources{}, 0
	x.update(slot)
}

// account adds (sign 1) or removes (sign -1) a live node from the totals.
func (x *Index) account(n *Node, sign int) {
	if !n.Live {
		return
	}
	x.total = addScaled(x.total, n.Capacity, sign)
	x.used = addScaled(x.used, n.Used, sign)
}

func addScaled(a, b proto.Resources, sign int) proto.Resources {
	return proto.Resources{VCores: a.VCores + sign*b.VCores, MemoryBytes: a.MemoryBytes + int64(sign)*b.MemoryBytes}
}

// Add records a container of r on slot.
func (x *Index) Add(slot int, r proto.Resources) {
	n := &x.nodes[slot]
	n.Used, n.Containers = n.Used.Add(r), n.Containers+1
	if n.Live {
		x.used = x.used.Add(r)
	}
	x.update(slot)
}

// Remove records the end of a container of r on slot. It is a no-op on a
// node that is down (SetDown forgot its containers).
func (x *Index) Remove(slot int, r proto.Resources) {
	n := &x.nodes[slot]
	if !n.Live {
		return
	}
	n.Used, n.Containers = n.Used.Sub(r), n.Containers-1
	x.used = x.used.Sub(r)
	x.update(slot)
}

// Fits reports whether slot is live and has r free.
func (x *Index) Fits(slot int, r proto.Resources) bool {
	n := &x.nodes[slot]
	return n.Live && r.Fits(n.Free())
}

// MaxCapacity is the largest vcores and largest memory of any live node
// (possibly of two different nodes).
func (x *Index) MaxCapacity() proto.Resources {
	var m proto.Resources
	for i := range x.nodes {
		if n := &x.nodes[i]; n.Live {
			m.VCores, m.MemoryBytes = max(m.VCores, n.Capacity.VCores), max(m.MemoryBytes, n.Capacity.MemoryBytes)
		}
	}
	return m
}

// grow resizes the tree to size leaves and rebuilds it.
func (x *Index) grow(size int) {
	x.size = size
	x.maxV, x.maxM, x.minC = make([]int, 2*size), make([]int64, 2*size), make([]int32, 2*size)
	for i := range size {
		x.setLeaf(i)
	}
	for i := size - 1; i >= 1; i-- {
		x.pull(i)
	}
}

// setLeaf copies slot's node into its leaf; empty and dead slots fit
// nothing.
func (x *Index) setLeaf(slot int) {
	i := x.size + slot
	if slot >= len(x.nodes) || !x.nodes[slot].Live {
		x.maxV[i], x.maxM[i], x.minC[i] = -1, -1, math.MaxInt32
		return
	}
	n := &x.nodes[slot]
	free := n.Free()
	x.maxV[i], x.maxM[i], x.minC[i] = free.VCores, free.MemoryBytes, int32(n.Containers)
}

func (x *Index) pull(i int) {
	l, r := 2*i, 2*i+1
	x.maxV[i] = max(x.maxV[l], x.maxV[r])
	x.maxM[i] = max(x.maxM[l], x.maxM[r])
	x.minC[i] = min(x.minC[l], x.minC[r])
}

// update refreshes slot's leaf and its ancestors.
func (x *Index) update(slot int) {
	x.setLeaf(slot)
	for i := (x.size + slot) / 2; i >= 1; i /= 2 {
		x.pull(i)
	}
}

// mayFit reports whether tree node i may hold a node that fits r.
func (x *Index) mayFit(i int, r proto.Resources) bool {
	return x.maxV[i] >= r.VCores && x.maxM[i] >= r.MemoryBytes
}
