package coordinator

import "testing"

// Leadership goes to the least lagging peer, and nowhere while a peer is
// not current: a step-down then was seen to stall a stream for 8 s.
func TestSuccessor(t *testing.T) {
	for _, c := range []struct {
		name  string
		peers []peer
		want  string
	}{
		{"none", nil, ""},
		{"least lag", []peer{{"b", true, 7}, {"c", true, 2}}, "c"},
		{"first of equals", []peer{{"b", true, 0}, {"c", true, 0}}, "b"},
		{"a peer lost", []peer{{"b", true, 0}, {"c", false, 0}}, ""},
		{"the only peer lost", []peer{{"b", false, 0}}, ""},
	} {
		if got := successor(c.peers); got != c.want {
			t.Errorf("%s: successor %q, want %q", c.name, got, c.want)
		}
	}
}
