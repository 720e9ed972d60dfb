package dataflow

import "fmt"

// Stage is a set of fused operators that run together in one task per
// partition of its input. Root is a source node or a shuffle node (read
// side); Nodes are the narrow operators, sinks and written shuffles that
// hang from it, in topological order.
type Stage struct {
	ID     int
	Name   string // "map(<root step>)" or "reduce(<root step>)"
	Root   int
	Nodes  []int
	Writes []int // shuffle nodes this stage writes
	Sinks  []int // sink nodes this stage feeds
	Deps   []int // stages that must be done first: they write Root (when a shuffle) or a broadcast the stage reads
	// Broadcasts are the broadcast nodes the stage's tasks read whole.
	Broadcasts []int
}

// Plan is a graph cut into stages, in dependency order: a stage's Deps
// all come before it.
type Plan struct {
	Fingerprint string
	Stages      []Stage
	StageOf     map[int]int // node ID → stage ID (a shuffle maps to the stage it roots)
}

// Build validates g and plans it.
func Build(g *Graph) (*Plan, error) {
	if err := g.Validate(); err != nil {
		return nil, err
	}
	p := &Plan{Fingerprint: g.Fingerprint(), StageOf: make(map[int]int)}
	for _, n := range g.Nodes {
		switch n.Kind {
		case KindSource:
			p.addRoot(n, nil)
		case KindShuffle:
			p.addRoot(n, p.writeShuffle(n))
		case KindBroadcast:
			p.writeShuffle(n)
			p.StageOf[n.ID] = p.StageOf[n.Inputs[0]]
		default:
			p.addMember(n)
		}
	}
	for _, st := range p.Stages {
		for _, d := range st.Deps {
			if d == st.ID {
				return nil, fmt.Errorf("%w: stage %s reads a broadcast it writes itself: the broadcast side must come from another source or a shuffle", ErrBadInput, st.Name)
			}
		}
	}
	return p, nil
}

// writeShuffle adds shuffle n to the stages of its inputs, which write it,
// and returns those stages.
func (p *Plan) writeShuffle(n *Node) []int {
	var writers []int
	for _, in := range n.Inputs {
		s := &p.Stages[p.StageOf[in]]
		s.Nodes = append(s.Nodes, n.ID)
		s.Writes = append(s.Writes, n.ID)
		writers = append(writers, s.ID)
	}
	return writers
}

func (p *Plan) addRoot(n *Node, deps []int) {
	kind := "map"
	if n.Kind == KindShuffle {
		kind = "reduce"
	}
	id := len(p.Stages)
	p.Stages = append(p.Stages, Stage{
		ID:   id,
		Name: fmt.Sprintf("%s(%s)", kind, n.Name),
		Root: n.ID,
		Deps: dedupe(deps),
	})
	p.StageOf[n.ID] = id
}

func (p *Plan) addMember(n *Node) {
	id := p.StageOf[n.Inputs[0]]
	s := &p.Stages[id]
	s.Nodes = append(s.Nodes, n.ID)
	if n.Kind == KindSink {
		s.Sinks = append(s.Sinks, n.ID)
	}
	for _, b := range n.Inputs[1:] { // broadcasts: validated
		s.Broadcasts = append(s.Broadcasts, b)
		s.Deps = dedupe(append(s.Deps, p.StageOf[b]))
	}
	p.StageOf[n.ID] = id
}

// WritersOf returns the stages that write shuffle or broadcast node id.
func (p *Plan) WritersOf(id int) []int {
	var out []int
	for _, s := range p.Stages {
		for _, w := range s.Writes {
			if w == id {
				out = append(out, s.ID)
				break
			}
		}
	}
	return out
}

func dedupe(xs []int) []int {
	var out []int
	seen := make(map[int]bool, len(xs))
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
