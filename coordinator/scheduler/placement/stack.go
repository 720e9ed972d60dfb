package placement

import "spindle/internal/proto"

// Ask is one container to place.
type Ask struct {
	Res       proto.Resources
	Preferred []string // node IDs the container would rather run on
	Missed    int      // rounds it has already waited for a preferred node
}

// Stack is the chain a container goes through. The order says why:
//
//  1. locality: a preferred node that fits wins outright (the data is
//     there); while the ask has waited fewer than LocalityDelay rounds,
//     a miss means wait, not settle for a remote node (delay scheduling);
//  2. the policy over every live node (round-robin, least-loaded, pack),
//     which the Index answers in O(log n) without scanning nodes.
type Stack struct {
	Policy        Policy
	LocalityDelay int
}

// Pick returns the slot for a, or -1. wait is true when a fitting node may
// exist but the ask should wait for a preferred one.
func (s Stack) Pick(x *Index, a Ask) (slot int, wait bool) {
	if len(a.Preferred) > 0 {
		if slot = preferred(x, a); slot >= 0 {
			return slot, false
		}
		if a.Missed < s.LocalityDelay {
			return -1, true
		}
	}
	return s.Policy.Pick(x, a.Res), false
}

// preferred returns the preferred node that fits a with the fewest
// containers, or -1.
func preferred(x *Index, a Ask) int {
	best := -1
	for _, id := range a.Preferred {
		s, ok := x.Slot(id)
		if !ok || !x.Fits(s, a.Res) {
			continue
		}
		if best < 0 || x.Node(s).Containers < x.Node(best).Containers {
			best = s
		}
	}
	return best
}
