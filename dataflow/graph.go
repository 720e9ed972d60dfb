package dataflow

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"spindle/internal/proto"
)

// Kind is what a node does, as far as planning is concerned.
type Kind int

// Node kinds.
const (
	KindSource  Kind = iota + 1 // reads input; no inputs
	KindNarrow                  // element-wise; exactly one input; fused into its input's stage
	KindShuffle                 // repartitions by key; cuts a stage
	KindSink                    // writes output; exactly one input
	// KindBroadcast gathers its one input, whole, for the tasks of other
	// stages: a narrow node may read broadcasts as extra inputs after its
	// first, and then runs only once they are complete (a broadcast join's
	// build side). It is written like a shuffle of one partition.
	KindBroadcast
)

func (k Kind) String() string {
	switch k {
	case KindSource:
		return "source"
	case KindNarrow:
		return "narrow"
	case KindShuffle:
		return "shuffle"
	case KindSink:
		return "sink"
	case KindBroadcast:
		return "broadcast"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Errors returned by Graph.Validate and Build.
var (
	ErrDuplicateName = errors.New("dataflow: duplicate step name")
	ErrBadInput      = errors.New("dataflow: bad input")
	ErrNoSink        = errors.New("dataflow: pipeline writes no output")
	ErrFingerprint   = errors.New("dataflow: plan fingerprint mismatch")
)

// Node is one step of a job. Impl is the SDK's runtime implementation; the
// planner never looks inside it, and it is not part of the fingerprint.
type Node struct {
	ID     int
	Name   string // the user's step name, unique in the graph
	Kind   Kind
	Op     string // operator, e.g. "ReadText", "Map", "CombinePerKey"
	Type   string // Go type of the elements it produces
	Inputs []int
	Impl   any
}

// Graph is a job's logical graph. Nodes are in the order they were added,
// which is a topological order: a node's inputs are added before it.
// A Graph is not safe for concurrent use.
type Graph struct {
	Nodes []*Node
}

// Add appends n, assigns its ID and returns it.
func (g *Graph) Add(n *Node) int {
	n.ID = len(g.Nodes)
	g.Nodes = append(g.Nodes, n)
	return n.ID
}

// Node returns the node with the given ID.
func (g *Graph) Node(id int) *Node { return g.Nodes[id] }

// Consumers returns the IDs of the nodes that read id, in ID order.
func (g *Graph) Consumers(id int) []int {
	var out []int
	for _, n := range g.Nodes {
		for _, in := range n.Inputs {
			if in == id {
				out = append(out, n.ID)
				break
			}
		}
	}
	return out
}

// Validate checks the graph's shape: unique names, input counts that fit
// each kind, inputs that exist, and at least one sink.
func (g *Graph) Validate() error {
	seen := make(map[string]bool, len(g.Nodes))
	sinks := 0
	for _, n := range g.Nodes {
		if seen[n.Name] {
			return fmt.Errorf("%w: %q", ErrDuplicateName, n.Name)
		}
		seen[n.Name] = true
		if err := g.validateInputs(n); err != nil {
			return err
		}
		if n.Kind == KindSink {
			sinks++
		}
	}
	if sinks == 0 {
		return ErrNoSink
	}
	return nil
}

func (g *Graph) validateInputs(n *Node) error {
	want := 1
	switch n.Kind {
	case KindSource:
		want = 0
	case KindShuffle:
		if len(n.Inputs) == 0 {
			return fmt.Errorf("%w: step %q has no input", ErrBadInput, n.Name)
		}
		want = len(n.Inputs)
	}
	extra := 0 // broadcasts a narrow node reads besides its input
	if n.Kind == KindNarrow {
		for _, in := range n.Inputs[min(1, len(n.Inputs)):] {
			if in >= 0 && in < n.ID && g.Nodes[in].Kind == KindBroadcast {
				extra++
			}
		}
	}
	if len(n.Inputs)-extra != want {
		return fmt.Errorf("%w: step %q (%s) has %d inputs, want %d", ErrBadInput, n.Name, n.Kind, len(n.Inputs), want)
	}
	for _, in := range n.Inputs {
		if in < 0 || in >= n.ID {
			return fmt.Errorf("%w: step %q reads unknown step %d", ErrBadInput, n.Name, in)
		}
		if g.Nodes[in].Kind == KindSink {
			return fmt.Errorf("%w: step %q reads sink %q", ErrBadInput, n.Name, g.Nodes[in].Name)
		}
		if g.Nodes[in].Kind == KindBroadcast && (n.Kind != KindNarrow || in == n.Inputs[0]) {
			return fmt.Errorf("%w: step %q reads broadcast %q as its main input", ErrBadInput, n.Name, g.Nodes[in].Name)
		}
	}
	return nil
}

// Fingerprint identifies the graph's shape: names, kinds, operators,
// element types and edges. Two processes that built the same pipeline
// compute the same fingerprint.
func (g *Graph) Fingerprint() string {
	h := sha256.New()
	for _, n := range g.Nodes {
		fmt.Fprintf(h, "%d|%s|%d|%s|%s|%v\n", n.ID, n.Name, n.Kind, n.Op, n.Type, n.Inputs)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// CheckFingerprint returns ErrFingerprint when want differs from g's.
func (g *Graph) CheckFingerprint(want string) error {
	if got := g.Fingerprint(); got != want {
		return fmt.Errorf("%w: this process built %s, the job master %s; every process must build the same pipeline (do not branch on the environment or on randomness while building it)", ErrFingerprint, got, want)
	}
	return nil
}

// String renders the graph one node per line, for debugging.
func (g *Graph) String() string {
	var b strings.Builder
	for _, n := range g.Nodes {
		fmt.Fprintf(&b, "%d %s %s %q <- %v\n", n.ID, n.Kind, n.Op, n.Name, n.Inputs)
	}
	return b.String()
}

// SplitSource is implemented by the Impl of source nodes whose input is
// cut into splits by the job master.
type SplitSource interface {
	Splits(ctx context.Context, parallelism int) ([]proto.Split, error)
}

// Partitioner is implemented by the Impl of shuffle nodes whose partition
// count the user set; Partitions returns 0 for the default.
type Partitioner interface {
	Partitions() int
}

// Output is implemented by the Impl of sinks that write files into a
// directory, which the job master commits.
type Output interface {
	OutputDir() string
}

// Validator is implemented by Impls that can check their configuration
// (inputs exist, output is free) before the job starts.
type Validator interface {
	Validate() error
}
