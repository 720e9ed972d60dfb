package dataflow

import (
	"errors"
	"reflect"
	"testing"
)

// chain builds a graph from (kind, name, inputs) triples.
func chain(specs ...spec) *Graph {
	g := &Graph{}
	for _, s := range specs {
		g.Add(&Node{Name: s.name, Kind: s.kind, Op: s.kind.String(), Inputs: s.inputs})
	}
	return g
}

type spec struct {
	kind   Kind
	name   string
	inputs []int
}

func src(name string) spec                { return spec{KindSource, name, nil} }
func narrow(name string, in int) spec     { return spec{KindNarrow, name, []int{in}} }
func shuffle(name string, in ...int) spec { return spec{KindShuffle, name, in} }
func sink(name string, in int) spec       { return spec{KindSink, name, []int{in}} }

func TestBuildStages(t *testing.T) {
	tests := []struct {
		name string
		g    *Graph
		want []Stage
	}{{
		name: "word count",
		g: chain(src("read"), narrow("split", 0), narrow("pair", 1), shuffle("count", 2),
			narrow("format", 3), sink("write", 4)),
		want: []Stage{
			{ID: 0, Name: "map(read)", Root: 0, Nodes: []int{1, 2, 3}, Writes: []int{3}},
			{ID: 1, Name: "reduce(count)", Root: 3, Nodes: []int{4, 5}, Sinks: []int{5}, Deps: []int{0}},
		},
	}, {
		name: "map only",
		g:    chain(src("read"), narrow("upper", 0), sink("write", 1)),
		want: []Stage{{ID: 0, Name: "map(read)", Root: 0, Nodes: []int{1, 2}, Sinks: []int{2}}},
	}, {
		name: "shuffle after shuffle, fan-out, two sources into one shuffle",
		g: chain(src("a"), src("b"), shuffle("join", 0, 1), shuffle("regroup", 2),
			sink("out1", 3), narrow("m", 2), sink("out2", 5)),
		want: []Stage{
			{ID: 0, Name: "map(a)", Root: 0, Nodes: []int{2}, Writes: []int{2}},
			{ID: 1, Name: "map(b)", Root: 1, Nodes: []int{2}, Writes: []int{2}},
			{ID: 2, Name: "reduce(join)", Root: 2, Nodes: []int{3, 5, 6}, Writes: []int{3}, Sinks: []int{6}, Deps: []int{0, 1}},
			{ID: 3, Name: "reduce(regroup)", Root: 3, Nodes: []int{4}, Sinks: []int{4}, Deps: []int{2}},
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Build(tt.g)
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			if !reflect.DeepEqual(p.Stages, tt.want) {
				t.Errorf("stages:\n got %+v\nwant %+v", p.Stages, tt.want)
			}
		})
	}
}

func TestBuildRejects(t *testing.T) {
	tests := []struct {
		name string
		g    *Graph
		want error
	}{
		{"no sink", chain(src("read"), narrow("m", 0)), ErrNoSink},
		{"duplicate name", chain(src("read"), narrow("read", 0), sink("w", 1)), ErrDuplicateName},
		{"narrow without input", chain(src("read"), spec{KindNarrow, "m", nil}, sink("w", 0)), ErrBadInput},
		{"reads a sink", chain(src("read"), sink("w", 0), narrow("m", 1), sink("w2", 2)), ErrBadInput},
		{"forward reference", chain(src("read"), narrow("m", 2), sink("w", 1)), ErrBadInput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Build(tt.g); !errors.Is(err, tt.want) {
				t.Errorf("Build error = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestFingerprint(t *testing.T) {
	a := chain(src("read"), narrow("m", 0), sink("w", 1))
	b := chain(src("read"), narrow("m", 0), sink("w", 1))
	if a.Fingerprint() != b.Fingerprint() {
		t.Fatalf("same graph, different fingerprints")
	}
	if err := a.CheckFingerprint(b.Fingerprint()); err != nil {
		t.Errorf("CheckFingerprint(same) = %v", err)
	}
	c := chain(src("read"), narrow("m2", 0), sink("w", 1))
	if err := a.CheckFingerprint(c.Fingerprint()); !errors.Is(err, ErrFingerprint) {
		t.Errorf("CheckFingerprint(renamed step) = %v, want ErrFingerprint", err)
	}
	d := chain(src("read"), narrow("m", 0), sink("w", 1))
	d.Nodes[1].Type = "int"
	if a.Fingerprint() == d.Fingerprint() {
		t.Errorf("element type change not in fingerprint")
	}
}

func TestBuildBroadcast(t *testing.T) {
	g := chain(src("small"), spec{KindBroadcast, "small.b", []int{0}}, src("big"),
		spec{KindNarrow, "join", []int{2, 1}}, sink("write", 3))
	p, err := Build(g)
	if err != nil {
		t.Fatal(err)
	}
	want := []Stage{
		{ID: 0, Name: "map(small)", Root: 0, Nodes: []int{1}, Writes: []int{1}},
		{ID: 1, Name: "map(big)", Root: 2, Nodes: []int{3, 4}, Sinks: []int{4}, Deps: []int{0}, Broadcasts: []int{1}},
	}
	if !reflect.DeepEqual(p.Stages, want) {
		t.Fatalf("stages\n%+v\nwant\n%+v", p.Stages, want)
	}
	if got := p.WritersOf(1); !reflect.DeepEqual(got, []int{0}) {
		t.Errorf("WritersOf(broadcast) = %v, want [0]", got)
	}
	// A broadcast read by the stage that writes it would wait for itself.
	self := chain(src("read"), spec{KindBroadcast, "b", []int{0}}, spec{KindNarrow, "join", []int{0, 1}}, sink("write", 2))
	if _, err := Build(self); !errors.Is(err, ErrBadInput) {
		t.Errorf("a stage reading its own broadcast: err = %v, want ErrBadInput", err)
	}
	// A broadcast is never a main input.
	bad := chain(src("read"), spec{KindBroadcast, "b", []int{0}}, narrow("use", 1), sink("write", 2))
	if _, err := Build(bad); !errors.Is(err, ErrBadInput) {
		t.Errorf("a broadcast as a main input: err = %v, want ErrBadInput", err)
	}
}
