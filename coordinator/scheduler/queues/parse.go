package queues

import (
	"bytes"
	"errors"
	"io"
	"math"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Parse reads a queue file. A refused file gives an *Error.
func Parse(data []byte) (*Config, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errorf(0, "the file is empty")
		}
		return nil, &Error{Reason: strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	p := &parser{names: map[string]int{}, onPath: map[*yaml.Node]bool{}}
	root := newRoot()
	list, err := p.topLevel(doc.Content[0])
	if err != nil {
		return nil, err
	}
	if root.Children, err = p.queueList(list, RootName); err != nil {
		return nil, err
	}
	c := &Config{Root: root}
	c.finish()
	return c, nil
}

// parser keeps what a walk of the document needs to find duplicates and
// alias cycles.
type parser struct {
	names  map[string]int      // queue name → line of its definition
	onPath map[*yaml.Node]bool // nodes being walked, for alias cycles
}

// topLevel checks the document is a mapping with only "queues", and
// returns that sequence.
func (p *parser) topLevel(n *yaml.Node) (*yaml.Node, error) {
	n, err := p.deref(n)
	if err != nil {
		return nil, err
	}
	if n.Kind != yaml.MappingNode {
		return nil, errorf(n.Line, "the file must be a mapping with the key \"queues\"")
	}
	var list *yaml.Node
	for i := 0; i < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Value != "queues" {
			return nil, errorf(k.Line, "unknown key %q (want \"queues\")", k.Value)
		}
		list = v
	}
	if list == nil {
		return nil, errorf(n.Line, "no \"queues\" key")
	}
	return list, nil
}

// deref follows aliases, refusing one that leads back into a node being
// walked.
func (p *parser) deref(n *yaml.Node) (*yaml.Node, error) {
	for n.Kind == yaml.AliasNode || n.Kind == yaml.DocumentNode {
		line := n.Line
		if n.Kind == yaml.DocumentNode {
			n = n.Content[0]
			continue
		}
		n = n.Alias
		if p.onPath[n] {
			return nil, errorf(line, "alias makes a cycle: a queue cannot contain itself")
		}
	}
	return n, nil
}

// queueList parses a sequence of sibling queues under parent and checks
// their capacities sum to 100.
func (p *parser) queueList(n *yaml.Node, parent string) ([]*Queue, error) {
	n, err := p.deref(n)
	if err != nil {
		return nil, err
	}
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		return nil, errorf(n.Line, "the queues of %s must be a non-empty list", parent)
	}
	p.onPath[n] = true
	defer delete(p.onPath, n)
	var out []*Queue
	sum := 0.0
	for _, item := range n.Content {
		q, err := p.queue(item)
		if err != nil {
			return nil, err
		}
		out = append(out, q)
		sum += q.Capacity
	}
	if math.Abs(sum-100) > 1e-6 {
		return nil, errorf(n.Line, "capacities of the queues under %s sum to %g, want 100 (%s)",
			parent, sum, describe(out))
	}
	return out, nil
}

func describe(qs []*Queue) string {
	var parts []string
	for _, q := range qs {
		parts = append(parts, q.Name+" "+trimFloat(q.Capacity))
	}
	return strings.Join(parts, ", ")
}
