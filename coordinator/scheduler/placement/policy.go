package placement

import (
	"fmt"

	"spindle/internal/proto"
)

// Policy picks a node for one container. Pick returns a slot that fits r,
// or -1 when none does. A policy may keep state (RoundRobin's cursor), so
// a cluster keeps one value of each.
type Policy interface {
	Pick(x *Index, r proto.Resources) int
}

// Policy names, as given to --placement.
const (
	NameRoundRobin  = "round-robin"
	NameLeastLoaded = "least-loaded"
	NamePack        = "pack"
	// Default is the cluster's policy unless told otherwise.
	Default = NameLeastLoaded
)

// Names lists the policies.
var Names = []string{NameRoundRobin, NameLeastLoaded, NamePack}

// New returns a fresh policy by name; "" is Default.
func New(name string) (Policy, error) {
	switch name {
	case NameLeastLoaded, "":
		return LeastLoaded{}, nil
	case NameRoundRobin:
		return &RoundRobin{}, nil
	case NamePack:
		return Pack{}, nil
	}
	return nil, fmt.Errorf("placement: unknown policy %q (want round-robin, least-loaded or pack)", name)
}

// Valid reports whether name is a policy name or "".
func Valid(name string) bool {
	_, err := New(name)
	return err == nil
}

// RoundRobin picks the first fitting node after the one it picked last,
// wrapping around.
type RoundRobin struct{ next int }

// Pick implements Policy.
func (p *RoundRobin) Pick(x *Index, r proto.Resources) int {
	s := x.FirstFit(p.next, r)
	if s < 0 {
		s = x.FirstFit(0, r)
	}
	if s >= 0 {
		p.next = s + 1
	}
	return s
}

// LeastLoaded picks the fitting node with the fewest running containers.
type LeastLoaded struct{}

// Pick implements Policy.
func (LeastLoaded) Pick(x *Index, r proto.Resources) int { return x.LeastLoaded(r) }

// Pack picks the first fitting node in slot order: a node fills up before
// the next is used, leaving whole nodes free for large requests.
type Pack struct{}

// Pick implements Policy.
func (Pack) Pick(x *Index, r proto.Resources) int { return x.FirstFit(0, r) }
